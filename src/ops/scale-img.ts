/**
 * Planner of shaders/scale-img.wgsl: one test-time-augmentation input from another plan's letterboxed
 * input (Ultralytics scale_img: flip, bilinear resize to int(side · ratio), pad with 0.447 to a
 * multiple of the stride), and the sizes Ultralytics' _predict_augment uses.
 */
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;

/** Ultralytics _predict_augment: scales and flips (3 = left-right) of the three passes. */
export const TTA_SCALES = [1, 0.83, 0.67] as const;
export const TTA_FLIPS = [false, true, false] as const;

/** scale_img's resized size int(side · ratio) and padded size ceil(side · ratio / gs) · gs, per side. */
export function scaledSize(size: [number, number], ratio: number, gs = 32) {
  const resized = size.map((v) => Math.trunc(v * ratio)) as [number, number];
  const padded = size.map((v) => Math.ceil((v * ratio) / gs) * gs) as [number, number];
  return { resized, padded };
}

export interface ScaleImgParams {
  label: string;
  /** The letterboxed input of the scale-1 plan, 3 × H × W, in buffer `src`. */
  input: View;
  /** The input of the scaled plan, 3 × H' × W', in buffer `dst`. */
  output: View;
  ratio: number;
  flip: boolean;
  src: string;
  dst: string;
}

export function planScaleImg(p: ScaleImgParams): Dispatch {
  const { resized, padded } = scaledSize([p.input.h, p.input.w], p.ratio);
  if (padded[0] !== p.output.h || padded[1] !== p.output.w || p.input.c !== 3 || p.output.c !== 3) {
    throw new Error(`${p.label}: a ${p.input.h}×${p.input.w} input at ratio ${p.ratio} needs a 3×${padded[0]}×${padded[1]} output, got ${p.output.c}×${p.output.h}×${p.output.w}`);
  }
  return {
    label: p.label, shader: 'scale-img', constants: { WG },
    uniforms: {
      in_w: p.input.w, in_h: p.input.h, in_off: p.input.offset, new_w: resized[1], new_h: resized[0],
      out_w: p.output.w, out_h: p.output.h, out_off: p.output.offset, flip: p.flip ? 1 : 0,
    },
    workgroups: grid1d(p.output.h * p.output.w, WG),
    buffers: { src: p.src, dst: p.dst },
  };
}
