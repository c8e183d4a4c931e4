/**
 * Planners of the GPU NMS, two dispatches after the decode, no CPU round trip (the live candidate
 * count is read from `counters` inside the kernels; the detector's plan adds shaders/nms-args.wgsl
 * before them, which sizes the ranking's indirect dispatch by that count):
 *   1. shaders/nms-rank.wgsl   rank sort by score desc, ties by anchor asc (torchvision's stable sort)
 *                              → `order`; ceil(maxCandidates / 256) workgroups, or with the indirect
 *                              form ceil(min(count, maxCandidates) / 256)
 *   2. shaders/nms-greedy.wgsl torchvision's greedy NMS with Ultralytics' class offset, one workgroup
 *                              → `detections`
 * Buffers: candidates, counters (decode.ts), order (orderBytes), detections (detectionsBytes):
 *   detections = [kept, appends tried, non-finite anchors, lost to the cap] (4 f32), then
 *                maxDet × 8 f32 {x1, y1, x2, y2 (source pixels), score, class, anchor, 0}.
 * Per call (uniforms, `nmsUniforms`): iou, maxDet (≤ the planned one), agnostic, the letterbox gain and
 * pad, the source size.
 * Equal to Ultralytics + torchvision.ops.nms on the same candidates, ties included (torchvision sorts
 * stably; candidates come in anchor order). Not equal where Ultralytics itself is not deterministic:
 * its max_nms cut (> 30000 candidates) and its TorchNMS fallback (used when torchvision is not
 * imported) sort with the unstable argsort, and TorchNMS compares IoU ≤ iou in f32, not f64.
 */
import type { Dispatch } from './types.js';

const RANK_WG = 256;
/** Floats in the detections header, and per detection. */
export const DETECTIONS_HEADER = 4;
export const DETECTION_FLOATS = 8;
export const detectionsBytes = (maxDet: number) => (DETECTIONS_HEADER + maxDet * DETECTION_FLOATS) * 4;
export const orderBytes = (maxCandidates: number) => Math.max(1, maxCandidates) * 4;

export interface NmsCallParams {
  /** Suppress a box whose IoU with a kept one is > iou (torchvision). In [0, 1]. */
  iou: number;
  maxDet: number;
  /** Class-agnostic NMS (no class offset). */
  agnostic: boolean;
  /** Letterbox gain and pad (scale_boxes: (x − pad) / gain), source size (clip_boxes). */
  gain: number;
  padX: number;
  padY: number;
  srcW: number;
  srcH: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The exact form of torchvision's `float(inter / union) > t` (t an f64) that nms-greedy.wgsl tests
 * with integers: with U the first f32 above t and L the one before, float(q) > t ⇔ float(q) ≥ U ⇔
 * q > M = (L + U) / 2, or q = M when round-half-even takes M up to U (U's last mantissa bit even).
 * M = m·2^e, m an integer < 2^26.
 */
export function iouThreshold(t: number): { iou_m: number; iou_e: number; iou_tie: number } {
  if (!(t >= 0 && t <= 1)) throw new Error(`iou must be in [0, 1], got ${t}`);
  f32[0] = t;
  if (f32[0] <= t) u32[0] += 1;
  const U = f32[0];
  const tie = (u32[0] & 1) === 0 ? 1 : 0;
  u32[0] -= 1;
  const M = (f32[0] + U) / 2; // exact: f32 values have 24 significant bits
  let e = Math.floor(Math.log2(M)) - 25;
  while (M / 2 ** e >= 2 ** 26) e++;
  while (M / 2 ** e < 2 ** 25) e--;
  const m = M / 2 ** e;
  if (!Number.isInteger(m)) throw new Error(`iouThreshold(${t}): ${M} is not m·2^e`);
  return { iou_m: m, iou_e: e, iou_tie: tie };
}

/** nms-greedy.wgsl's uniforms for one call. */
export function nmsUniforms(maxCandidates: number, c: NmsCallParams, plannedMaxDet = c.maxDet) {
  if (!(Number.isInteger(c.maxDet) && c.maxDet >= 0 && c.maxDet <= plannedMaxDet)) throw new Error(`maxDet must be an integer in 0..${plannedMaxDet}, got ${c.maxDet}`);
  if (!(c.gain > 0)) throw new Error(`letterbox gain must be > 0, got ${c.gain}`);
  return {
    max_cand: maxCandidates, max_det: c.maxDet, agnostic: c.agnostic ? 1 : 0, ...iouThreshold(c.iou),
    gain: c.gain, pad_x: c.padX, pad_y: c.padY, src_w: c.srcW, src_h: c.srcH,
  };
}

/**
 * The NMS dispatches (`${label}.rank`, `${label}.greedy`); call-time values default to iou 0.7, identity
 * letterbox. With `indirect` (a runtime buffer of 16 bytes with STORAGE and INDIRECT usage) a third
 * goes first, `${label}.args` (shaders/nms-args.wgsl), and the ranking takes its workgroup count from
 * it: as many workgroups as the candidates need, instead of enough for `maxCandidates`.
 */
export function planNms(label: string, maxCandidates: number, maxDet: number, call?: Partial<NmsCallParams>, indirect?: string): Dispatch[] {
  if (!(Number.isInteger(maxCandidates) && maxCandidates >= 1)) throw new Error(`${label}: maxCandidates must be a positive integer`);
  if (!(Number.isInteger(maxDet) && maxDet >= 1)) throw new Error(`${label}: maxDet must be a positive integer`);
  if (Math.ceil(maxCandidates / RANK_WG) > 65535) throw new Error(`${label}: ${maxCandidates} candidates exceed one dispatch row`);
  const bufs = { candidates: 'candidates', counters: 'counters', order: 'order' };
  const c: NmsCallParams = { iou: 0.7, maxDet, agnostic: false, gain: 1, padX: 0, padY: 0, srcW: 1, srcH: 1, ...call };
  const rank: Dispatch = { label: `${label}.rank`, shader: 'nms-rank', constants: { WG: RANK_WG }, uniforms: { max_cand: maxCandidates }, workgroups: [Math.ceil(maxCandidates / RANK_WG), 1, 1], buffers: bufs };
  const args: Dispatch[] = indirect ? [{ label: `${label}.args`, shader: 'nms-args', constants: { WG: RANK_WG }, uniforms: { max_cand: maxCandidates }, workgroups: [1, 1, 1], buffers: { counters: bufs.counters, args: indirect } }] : [];
  return [
    ...args,
    indirect ? { ...rank, indirect } : rank,
    { label: `${label}.greedy`, shader: 'nms-greedy', constants: {}, uniforms: nmsUniforms(maxCandidates, c, maxDet), workgroups: [1, 1, 1], buffers: { ...bufs, detections: 'detections' } },
  ];
}

export interface GpuDetection {
  box: [number, number, number, number];
  score: number;
  classId: number;
  anchor: number;
}

/** Read a detections buffer: the kept boxes and the decode's counters. */
export function parseDetections(raw: ArrayBuffer | Float32Array, maxDet: number) {
  const f = raw instanceof Float32Array ? raw : new Float32Array(raw);
  const n = Math.min(f[0], maxDet);
  const detections: GpuDetection[] = [];
  for (let i = 0; i < n; i++) {
    const b = DETECTIONS_HEADER + i * DETECTION_FLOATS;
    detections.push({ box: [f[b], f[b + 1], f[b + 2], f[b + 3]], score: f[b + 4], classId: f[b + 5], anchor: f[b + 6] });
  }
  return { detections, stats: { candidates: f[1], nonFinite: f[2], overflow: f[3] } };
}
