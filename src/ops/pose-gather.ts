/**
 * Planner of shaders/pose-gather.wgsl: the kept boxes' keypoints in source-image pixels, after NMS,
 * read back with the detections. Buffers: `detections` (nms.ts), `keypoints` (keypointsBytes).
 */
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;
/** f32 per keypoint in the `keypoints` buffer: x, y, visibility (−1 when the model has none). */
export const KEYPOINT_FLOATS = 3;
export const keypointsBytes = (maxDet: number, k: number) => Math.max(1, maxDet * k) * KEYPOINT_FLOATS * 4;

export interface PoseGatherParams {
  label: string;
  /** (4 + nc + K·D) × anchors. */
  output0: View;
  anchors: number;
  nc: number;
  kpt: readonly [number, number];
  maxDet: number;
}

export interface PoseGeometry {
  gain: number;
  srcW: number;
  srcH: number;
  /** Network input size [h, w]. */
  inputSize: readonly [number, number];
}

/** Ultralytics scale_coords (ratio_pad=None): the gain and the unrounded pad. */
export function poseUniforms(p: Omit<PoseGatherParams, 'label'>, g: PoseGeometry) {
  const [H, W] = g.inputSize;
  return {
    out_off: p.output0.offset, anchors: p.anchors, row0: 4 + p.nc, k: p.kpt[0], d: p.kpt[1], max_det: p.maxDet,
    gain: g.gain, pad_x: (W - g.srcW * g.gain) / 2, pad_y: (H - g.srcH * g.gain) / 2, src_w: g.srcW, src_h: g.srcH,
  };
}

export function planPoseGather(p: PoseGatherParams): Dispatch {
  const [k, d] = p.kpt;
  if (!(k >= 1 && (d === 2 || d === 3))) throw new Error(`${p.label}: keypoint shape (${k}, ${d}) is not (K, 2|3)`);
  if (p.output0.c * p.output0.h * p.output0.w !== (4 + p.nc + k * d) * p.anchors) throw new Error(`${p.label}: output0 must hold (4 + nc + K·D) × anchors values`);
  return {
    label: p.label,
    shader: 'pose-gather',
    constants: { WG },
    uniforms: poseUniforms(p, { gain: 1, srcW: 1, srcH: 1, inputSize: [1, 1] }),
    workgroups: grid1d(p.maxDet * k, WG),
    buffers: { detections: 'detections', keypoints: 'keypoints' },
  };
}
