/**
 * Planners for combining several passes on the GPU (sliced inference, test-time augmentation):
 *   box-gather.wgsl  appends one pass's boxes to a merge buffer, mapped into merged coordinates;
 *   nms-merge.wgsl   SAHI's greedy non-maximum merging or NMS (IOS or IOU) over the merge buffer,
 *                    after nms-rank.wgsl sorted it.
 * A merge buffer set is {candidates, counters, order, detections} under a prefix (see mergeBuffers).
 */
import type { MatchMetric, MergeMethod } from '../infer/tiles.js';
import { COUNTERS_BYTES, candidatesBytes } from './decode.js';
import { detectionsBytes, orderBytes } from './nms.js';
import { grid1d, type Dispatch } from './types.js';

const WG = 64;
const RANK_WG = 256;

/** A merge buffer set's runtime buffer names. */
export const mergeNames = (prefix: string) => ({ candidates: `${prefix}cand`, counters: `${prefix}count`, order: `${prefix}order`, detections: `${prefix}det` });

/** The buffers of a merge stage holding up to `capacity` boxes and returning up to `maxDet`. */
export function mergeBuffers(prefix: string, capacity: number, maxDet: number) {
  const n = mergeNames(prefix);
  return {
    [n.candidates]: { bytes: candidatesBytes(capacity) },
    [n.counters]: { bytes: COUNTERS_BYTES },
    [n.order]: { bytes: orderBytes(capacity) },
    [n.detections]: { bytes: detectionsBytes(maxDet) },
  };
}

export interface GatherCall {
  /** Source boxes kept when their anchor is in [lo, hi) (default all). */
  lo?: number;
  hi?: number;
  /** Merged index = idxOff + (anchor − lo), or idxOff + position in the source when byPos. */
  idxOff: number;
  scale?: number;
  /** Un-flip left-right about this width (x1' = flipW − x2·scale). */
  flipW?: number;
  offX?: number;
  offY?: number;
}

export interface GatherParams {
  label: string;
  /** Source: a candidates buffer + its counters, or a detections buffer (its own count). */
  source: { kind: 'candidates'; buffer: string; counters: string; capacity: number } | { kind: 'detections'; buffer: string; capacity: number };
  /** The merge buffer set's prefix, and its capacity. */
  into: string;
  capacity: number;
  byPos?: boolean;
}

/** box-gather.wgsl's uniforms for one call. */
export function gatherUniforms(p: GatherParams, c: GatherCall) {
  const det = p.source.kind === 'detections';
  return {
    src_cap: p.source.capacity, base: det ? 4 : 0, count_f32: det ? 1 : 0, lo: c.lo ?? 0, hi: c.hi ?? 0xffffffff,
    by_pos: p.byPos ? 1 : 0, idx_off: c.idxOff, flip: c.flipW === undefined ? 0 : 1, scale: c.scale ?? 1, flip_w: c.flipW ?? 0,
    off_x: c.offX ?? 0, off_y: c.offY ?? 0, dst_cap: p.capacity,
  };
}

export function planGather(p: GatherParams, call: GatherCall = { idxOff: 0 }): Dispatch {
  const n = mergeNames(p.into);
  const src = p.source;
  return {
    label: p.label, shader: 'box-gather', constants: { WG }, uniforms: gatherUniforms(p, call), workgroups: grid1d(src.capacity, WG),
    buffers: { src: src.buffer, count: src.kind === 'detections' ? src.buffer : src.counters, dst: n.candidates, dcount: n.counters },
  };
}

export interface MergeCall {
  method: MergeMethod;
  metric: MatchMetric;
  threshold: number;
  agnostic: boolean;
  maxDet: number;
}

export const mergeUniforms = (capacity: number, c: MergeCall) => ({
  max_cand: capacity, max_det: c.maxDet, agnostic: c.agnostic ? 1 : 0, mode: c.method === 'nmm' ? 1 : 0, ios: c.metric === 'ios' ? 1 : 0, thr: c.threshold,
});

/** nms-rank then nms-merge over a merge buffer set (`${label}.rank`, `${label}.merge`). */
export function planMerge(label: string, prefix: string, capacity: number, call: MergeCall): Dispatch[] {
  if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 30000)) throw new Error(`${label}: capacity ${capacity} must be in 1..30000`);
  const n = mergeNames(prefix);
  return [
    { label: `${label}.rank`, shader: 'nms-rank', constants: { WG: RANK_WG }, uniforms: { max_cand: capacity }, workgroups: [Math.ceil(capacity / RANK_WG), 1, 1], buffers: { candidates: n.candidates, counters: n.counters, order: n.order } },
    { label: `${label}.merge`, shader: 'nms-merge', constants: {}, uniforms: mergeUniforms(capacity, call), workgroups: [1, 1, 1], buffers: n },
  ];
}
