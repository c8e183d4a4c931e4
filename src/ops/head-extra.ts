/**
 * Planner of shaders/head-extra.wgsl: Segment's mask coefficients (copied) or Pose's decoded
 * keypoints (kpts_decode) into output0's rows 4 + nc … 4 + nc + n − 1, next to the fused decode's
 * boxes and scores (decode.ts), so output0 is Ultralytics' (4 + nc + nm | nk) × anchors.
 */
import { STRIDES } from '../model/spec.js';
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;

export interface HeadExtraParams {
  label: string;
  /** Head output per level: (64 + nc + n) × h × w. */
  levels: readonly View[];
  nc: number;
  /** Rows to write: nm (segment) or K·D (pose). */
  n: number;
  /** 'copy' (segment) or keypoints with D values each (pose). */
  mode: 'copy' | { kptDim: 2 | 3 };
  /** (4 + nc + n) × anchors. */
  output0: View;
}

export function planHeadExtra(p: HeadExtraParams): Dispatch {
  if (p.levels.length !== 3) throw new Error(`${p.label}: needs 3 levels`);
  for (const l of p.levels) if (l.c !== 64 + p.nc + p.n) throw new Error(`${p.label}: a level has ${l.c} channels, expected 64 + nc + ${p.n} = ${64 + p.nc + p.n}`);
  const anchors = p.levels.reduce((s, l) => s + l.h * l.w, 0);
  if (p.output0.c * p.output0.h * p.output0.w !== (4 + p.nc + p.n) * anchors) throw new Error(`${p.label}: output0 must hold (4 + nc + ${p.n}) × ${anchors} values`);
  if (p.mode !== 'copy' && p.n % p.mode.kptDim !== 0) throw new Error(`${p.label}: ${p.n} keypoint values are not a multiple of ${p.mode.kptDim}`);
  const v4 = (f: (l: View, j: number) => number) => [...p.levels.map(f), 0];
  return {
    label: p.label,
    shader: 'head-extra',
    constants: { WG },
    uniforms: {
      lv_off: v4((l) => l.offset), lv_h: v4((l) => l.h), lv_w: v4((l) => l.w), lv_stride: v4((_, j) => STRIDES[j]),
      out_off: p.output0.offset, nc: p.nc, anchors, n_extra: p.n, mode: p.mode === 'copy' ? 0 : 1, kpt_dim: p.mode === 'copy' ? 2 : p.mode.kptDim,
    },
    workgroups: grid1d(p.n * anchors, WG),
  };
}
