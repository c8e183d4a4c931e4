/** Planners for GPU NMS: rank sort (shaders/nms-rank.wgsl), then greedy suppression (shaders/nms-greedy.wgsl). */
import type { Dispatch } from './types.js';

const WG = 64;
/** Detections buffer: a 4-float header (count) then maxDet × 8 floats. */
export const detectionsBytes = (maxDet: number) => (4 + maxDet * 8) * 4;
export const orderBytes = (maxCandidates: number) => maxCandidates * 4;

export interface NmsCallParams {
  iou: number;
  maxDet: number;
  agnostic: boolean;
  gain: number;
  padX: number;
  padY: number;
  srcW: number;
  srcH: number;
}

export function nmsUniforms(maxCandidates: number, c: NmsCallParams) {
  return {
    max_cand: maxCandidates, max_det: c.maxDet, agnostic: c.agnostic ? 1 : 0, iou: c.iou,
    gain: c.gain, pad_x: c.padX, pad_y: c.padY, src_w: c.srcW, src_h: c.srcH,
  };
}

export function planNms(label: string, maxCandidates: number, maxDet: number): Dispatch[] {
  const bufs = { candidates: 'candidates', counters: 'counters', order: 'order' };
  // Workgroup bitset covers MAXC sorted candidates; a power of two ≥ maxCandidates keeps variants few.
  const maxc = Math.max(1024, 2 ** Math.ceil(Math.log2(maxCandidates)));
  return [
    { label: `${label}.rank`, shader: 'nms-rank', constants: { WG }, uniforms: { max_cand: maxCandidates }, workgroups: [Math.ceil(maxCandidates / WG), 1, 1], buffers: bufs },
    {
      label: `${label}.greedy`, shader: 'nms-greedy', constants: { MAXC: maxc },
      uniforms: nmsUniforms(maxCandidates, { iou: 0.7, maxDet, agnostic: false, gain: 1, padX: 0, padY: 0, srcW: 1, srcH: 1 }),
      workgroups: [1, 1, 1], buffers: { ...bufs, detections: 'detections' },
    },
  ];
}
