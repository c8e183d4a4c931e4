/**
 * Floating-point operations of a plan (a multiply-add = 2 FLOPs, as Ultralytics' GFLOPs figure), as
 * the planners count them from shapes: convolutions, depthwise convolutions and the C2PSA attention
 * matmuls. Element-wise kernels (pools, upsample, decode, NMS, letterbox) count 0.
 */
import type { Dispatch } from '../ops/types.js';

export const dispatchFlops = (d: Dispatch): number => d.flops ?? 0;

export function planFlops(dispatches: readonly Dispatch[]): number {
  return dispatches.reduce((s, d) => s + dispatchFlops(d), 0);
}
