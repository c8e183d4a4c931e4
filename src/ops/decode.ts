/**
 * Planner of the fused Detect decode (shaders/detect-decode.wgsl): ONE dispatch, one invocation per
 * anchor, that writes output0 ((4 + nc) × A, ONNX's layout) and appends NMS candidates.
 *
 * Buffers besides the arena (binding → runtime buffer of the same name):
 *   candidates  candidatesBytes(maxCandidates): maxCandidates × 8 f32
 *               {x1, y1, x2, y2 (network-input pixels), score, class, anchor, 0}, in append order
 *   counters    COUNTERS_BYTES: u32 [0] appends tried (stored = min(it, maxCandidates)),
 *               [1] anchors dropped as non-finite, [2] candidates lost to the cap, [3] unused;
 *               must be zeroed before each run (the executor clears it)
 *   classmask   classMaskBytes(nc): bit c % 32 of u32 word c / 32 set ⇔ class c allowed (all set: no filter)
 * Per call: the `conf` uniform (score > conf keeps) and the class mask; nothing is re-planned.
 */
import { STRIDES } from '../model/spec.js';
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;
/** DFL bins per box side (REG_MAX) × 4 sides: the box channels before the class channels. */
const BOX_CHANNELS = 64;

/** f32 values per candidate: x1, y1, x2, y2, score, class, anchor, 0. */
export const CANDIDATE_FLOATS = 8;
export const candidatesBytes = (maxCandidates: number) => Math.max(1, maxCandidates) * CANDIDATE_FLOATS * 4;
/** counters: 4 u32 (see above). */
export const COUNTERS_BYTES = 16;
export const classMaskBytes = (nc: number) => Math.ceil(nc / 32) * 4;
/** Runtime buffer names the decode binds (binding name = buffer name). */
export const DECODE_BUFFERS = { candidates: 'candidates', counters: 'counters', classmask: 'classmask' } as const;

/** The class mask for an optional `classes` filter (Ultralytics: keep only these class ids). */
export function classMask(nc: number, classes?: readonly number[]): Uint32Array {
  const mask = new Uint32Array(Math.ceil(nc / 32));
  if (!classes) {
    for (let c = 0; c < nc; c++) mask[c >> 5] |= 1 << (c & 31);
    return mask;
  }
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= nc) throw new Error(`classes: ${c} is not a class id in 0..${nc - 1}`);
    mask[c >> 5] |= 1 << (c & 31);
  }
  return mask;
}

export interface DecodeParams {
  label: string;
  /** Head output per level: (64 + nc) × h × w; box DFL logits (side·16 + bin) then class logits. */
  levels: readonly View[];
  /** Level strides (default 8, 16, 32). */
  strides?: readonly number[];
  nc: number;
  /** (4 + nc + extra) × A in any View shape holding exactly that many elements, e.g. {c: 1, h: 4 + nc, w: A}. */
  output0: View;
  /** Channels after the class logits (Segment's mask coefficients, Pose's keypoints): not read here. */
  extra?: number;
  /** Candidate capacity (default A: every anchor fits, none is ever dropped before NMS). */
  maxCandidates?: number;
  /** Initial confidence threshold; rewrite the `conf` uniform per call. */
  conf?: number;
}

export function planDecode(p: DecodeParams): Dispatch {
  const strides = p.strides ?? STRIDES;
  if (p.levels.length !== 3 || strides.length !== 3) throw new Error(`${p.label}: needs 3 levels and 3 strides`);
  if (!(Number.isInteger(p.nc) && p.nc >= 1)) throw new Error(`${p.label}: nc must be a positive integer, got ${p.nc}`);
  const extra = p.extra ?? 0;
  for (const l of p.levels) {
    if (l.c !== BOX_CHANNELS + p.nc + extra) throw new Error(`${p.label}: a level has ${l.c} channels, expected 64 + nc${extra ? ` + ${extra}` : ''} = ${BOX_CHANNELS + p.nc + extra}`);
  }
  const anchors = p.levels.reduce((s, l) => s + l.h * l.w, 0);
  if (p.output0.c * p.output0.h * p.output0.w !== (4 + p.nc + extra) * anchors) throw new Error(`${p.label}: output0 must hold (4 + nc${extra ? ` + ${extra}` : ''}) × ${anchors} values`);
  const maxCandidates = p.maxCandidates ?? anchors;
  if (!(Number.isInteger(maxCandidates) && maxCandidates >= 1)) throw new Error(`${p.label}: maxCandidates must be a positive integer`);
  const v4 = (f: (l: View, j: number) => number) => [...p.levels.map(f), 0];
  return {
    label: p.label,
    shader: 'detect-decode',
    constants: { WG },
    uniforms: {
      lv_off: v4((l) => l.offset), lv_h: v4((l) => l.h), lv_w: v4((l) => l.w), lv_stride: v4((_, j) => strides[j]),
      out_off: p.output0.offset, nc: p.nc, anchors, max_cand: maxCandidates, conf: p.conf ?? 0.25,
    },
    workgroups: grid1d(anchors, WG),
    buffers: { ...DECODE_BUFFERS },
  };
}
