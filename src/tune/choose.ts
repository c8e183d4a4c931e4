/**
 * The tuner's decisions, pure (unit-tested in Node): which convolutions stand for which shape class,
 * and which candidate wins from measured times.
 */
import type { Dispatch } from '../ops/types.js';
import { shapeClass } from '../ops/conv-variants.js';

/** One convolution (groups = 1) of a plan, as the tuner sees it. */
export interface ConvCase {
  cls: string;
  k: number;
  stride: number;
  /** The planned dispatch (uniforms hold the shapes, constants ACT/RES). */
  dispatch: Dispatch;
  flops: number;
  /** FLOPs of every convolution of the class together. */
  classFlops: number;
}

/** Per shape class, the convolution with the most FLOPs: the one worth timing candidates on. */
export function representatives(dispatches: readonly Dispatch[]): ConvCase[] {
  const best = new Map<string, ConvCase>();
  for (const d of dispatches) {
    if (!d.conv) continue;
    const u = d.uniforms as Record<string, number>;
    const cls = shapeClass(d.conv.k, d.conv.stride, u.out_h * u.out_w);
    const old = best.get(cls);
    const c: ConvCase = { cls, k: d.conv.k, stride: d.conv.stride, dispatch: d, flops: d.flops ?? 0, classFlops: (old?.classFlops ?? 0) + (d.flops ?? 0) };
    if (old && old.flops >= c.flops) old.classFlops = c.classFlops;
    else best.set(cls, c);
  }
  return [...best.values()].sort((a, b) => b.flops - a.flops);
}

/** A candidate's outcome: its best time, or why it was dropped (wrong result, failed to compile, too slow to finish). */
export type Outcome = { ms: number } | { failed: string };

/**
 * The winner among measured candidates: the fastest, except that `incumbent` (the adapter's default)
 * keeps its place unless another is faster by more than `margin` (timing noise must not flip choices
 * between loads). Undefined when nothing ran.
 */
export function fastest(outcomes: Record<string, Outcome>, incumbent?: string, margin = 0.03): string | undefined {
  const ok = Object.entries(outcomes).filter((e): e is [string, { ms: number }] => 'ms' in e[1] && Number.isFinite(e[1].ms) && e[1].ms > 0);
  if (!ok.length) return undefined;
  ok.sort((a, b) => a[1].ms - b[1].ms);
  const [winner, w] = ok[0];
  const inc = ok.find(([id]) => id === incumbent);
  if (inc && inc[0] !== winner && w.ms >= inc[1].ms * (1 - margin)) return inc[0];
  return winner;
}

/** Classes with less than this share of the model's convolution FLOPs keep the default kernel, unmeasured. */
export const MIN_CLASS_SHARE = 0.02;

/** Stop timing a candidate whose first run is this many times the best so far (it cannot win). */
export const GIVE_UP_RATIO = 2;

/** Shape class → the variant a plan uses for it (the first convolution of each class). */
export function chosenKernels(dispatches: readonly Dispatch[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of dispatches) {
    if (!d.conv || !d.variant) continue;
    const u = d.uniforms as Record<string, number>;
    out[shapeClass(d.conv.k, d.conv.stride, u.out_h * u.out_w)] ??= d.variant;
  }
  return out;
}
