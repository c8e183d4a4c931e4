/**
 * Planners of Classify's tail after its Conv (conv.ts): the global average pool
 * (shaders/global-avg-pool.wgsl, one invocation per channel) and the softmax over the classes
 * (shaders/softmax.wgsl, one workgroup). The linear between them is a 1×1 convolution on the 1×1
 * pooled map, planned by conv.ts like every other convolution.
 */
import type { Dispatch, View } from './types.js';

const WG = 64;

export function planGlobalAvgPool(label: string, input: View, output: View): Dispatch {
  if (output.c !== input.c || output.h * output.w !== 1) throw new Error(`${label}: output must be ${input.c} × 1 × 1`);
  if (input.h * input.w < 1) throw new Error(`${label}: empty input`);
  return {
    label, shader: 'global-avg-pool', constants: { WG },
    uniforms: { in_off: input.offset, c: input.c, hw: input.h * input.w, out_off: output.offset },
    workgroups: [Math.ceil(input.c / WG), 1, 1],
  };
}

export function planSoftmax(label: string, input: View, output: View): Dispatch {
  const n = input.c * input.h * input.w;
  if (output.c * output.h * output.w !== n) throw new Error(`${label}: output must hold ${n} values`);
  if (n < 1) throw new Error(`${label}: no logits`);
  return { label, shader: 'softmax', constants: {}, uniforms: { in_off: input.offset, n, out_off: output.offset }, workgroups: [1, 1, 1] };
}
