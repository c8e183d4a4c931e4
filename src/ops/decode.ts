/** Planner for the fused Detect decode (shaders/detect-decode.wgsl) and its buffers. */
import { STRIDES } from '../model/spec.js';
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;
/** f32 values per candidate: x1, y1, x2, y2, score, class, anchor, 0. */
export const CANDIDATE_FLOATS = 8;
export const candidatesBytes = (maxCandidates: number) => maxCandidates * CANDIDATE_FLOATS * 4;
/** counters: [0] appended candidates, [1] non-finite anchors dropped (u32 each, padded to 16 B). */
export const COUNTERS_BYTES = 16;
export const classMaskBytes = (nc: number) => Math.ceil(nc / 32) * 4;

export interface DecodeParams {
  label: string;
  /** Per level (64 + nc) × h × w, strides 8, 16, 32. */
  levels: View[];
  nc: number;
  output0: View;
  maxCandidates: number;
}

export function planDecode(p: DecodeParams, conf = 0.25): Dispatch {
  if (p.levels.length !== STRIDES.length) throw new Error(`${p.label}: needs ${STRIDES.length} levels`);
  const anchors = p.levels.reduce((s, l) => s + l.h * l.w, 0);
  for (const l of p.levels) if (l.c !== 64 + p.nc) throw new Error(`${p.label}: a level has ${l.c} channels, expected ${64 + p.nc}`);
  if (p.output0.c * p.output0.h * p.output0.w !== (4 + p.nc) * anchors) throw new Error(`${p.label}: output0 must hold (4 + nc) × ${anchors}`);
  const v4 = (f: (l: View) => number) => [...p.levels.map(f), 0];
  return {
    label: p.label,
    shader: 'detect-decode',
    constants: { WG },
    uniforms: {
      lv_off: v4((l) => l.offset), lv_h: v4((l) => l.h), lv_w: v4((l) => l.w),
      out_off: p.output0.offset, nc: p.nc, anchors, max_cand: p.maxCandidates, conf,
    },
    workgroups: grid1d(anchors, WG),
    buffers: { candidates: 'candidates', counters: 'counters', classmask: 'classmask' },
  };
}
