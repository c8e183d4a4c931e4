/** What a detect() call costs before it runs: passes (tiles + the whole image), network runs, FLOPs. */
import { TTA_SCALES, scaledSize } from '../ops/scale-img.js';
import { planTiles, resolveSlice, type SliceOptions } from './tiles.js';

export interface PassCost {
  /** Letterboxed passes: 1, or the tiles (+ the whole image). */
  passes: number;
  /** Network runs: passes × 3 with TTA. */
  runs: number;
  /** Floating-point operations of all the runs (the scaled TTA runs counted at their smaller sizes). */
  flops: number;
  /** flops relative to one plain detect(): the time factor on the same GPU. */
  factor: number;
}

export function passCost(width: number, height: number, opts: { slice?: boolean | SliceOptions; tta?: boolean }, inputSize: [number, number], flops: number): PassCost {
  const s = opts.slice ? resolveSlice(opts.slice, Math.max(...inputSize)) : undefined;
  const passes = s ? planTiles(width, height, s).passes.length : 1;
  const area = (sz: [number, number]) => sz[0] * sz[1];
  const perPass = opts.tta ? TTA_SCALES.reduce((a, r) => a + area(scaledSize(inputSize, r).padded) / area(inputSize), 0) : 1;
  return { passes, runs: passes * (opts.tta ? TTA_SCALES.length : 1), flops: flops * passes * perPass, factor: passes * perPass };
}
