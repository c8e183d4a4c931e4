/**
 * Floating-point operations of a plan, counted from each dispatch's shapes (a multiply-add = 2 FLOPs,
 * as Ultralytics' GFLOPs figure): convolutions, depthwise convolutions and the C2PSA attention
 * matmuls. Element-wise kernels (pools, upsample, decode, NMS, letterbox) are not counted.
 */
import type { Dispatch } from '../ops/types.js';

const n = (v: unknown) => (typeof v === 'number' ? v : 0);

export function dispatchFlops(d: Dispatch): number {
  if (d.flops !== undefined) return d.flops; // convolutions: counted by their planner
  const u = d.uniforms;
  if (d.shader === 'attention') {
    const tokens = n(u.h) * n(u.w);
    const heads = n(u.heads);
    const kd = n(d.constants.KD);
    const hd = n(d.constants.HD);
    return 2 * heads * tokens * tokens * (kd + hd) + 2 * 9 * heads * hd * tokens; // QᵀK, V·Aᵀ, 3×3 positional conv
  }
  return 0;
}

export function planFlops(dispatches: readonly Dispatch[]): number {
  return dispatches.reduce((s, d) => s + dispatchFlops(d), 0);
}
