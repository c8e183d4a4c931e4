/**
 * Optimiser, schedule and EMA as Ultralytics 8.3 applies them (ultralytics/engine/trainer.py,
 * utils/torch_utils.py ModelEMA), planned as element-wise dispatches over the params buffer:
 *
 *   groups      weights (decay) and biases (no decay): src/train/params.ts
 *   accumulate  round(nbs / batch) batches per step; weight decay scaled by batch·accumulate/nbs
 *   clip        clip_grad_norm_(max_norm 10) over all trained parameters
 *   SGD         momentum, nesterov, L2 decay;  AdamW  betas (momentum, 0.999), eps 1e-8, decoupled decay
 *   schedule    lr = lr0 · lf(epoch): linear max(1 − e/E, 0)·(1 − lrf) + lrf, or cosine
 *               ((1 − cos(e·π/E))/2)·(lrf − 1) + 1
 *   warm-up     for the first nw = max(round(warmup_epochs · batches per epoch), 100) batches:
 *               bias lr from warmup_bias_lr, other lrs from 0, to lr0·lf(epoch); SGD momentum from
 *               warmup_momentum to momentum; accumulate from 1 to nbs/batch (np.interp, then round)
 *   EMA         ema = d·ema + (1 − d)·p after each step, d = 0.9999·(1 − exp(−updates/2000))
 */
import { InvalidArgumentError } from '../errors.js';
import { grid1d, type Dispatch } from '../ops/types.js';
import type { ParamLayout } from './params.js';

export interface OptimConfig {
  optimizer: 'sgd' | 'adamw';
  lr0: number;
  lrf: number;
  momentum: number;
  weightDecay: number;
  warmupEpochs: number;
  warmupMomentum: number;
  warmupBiasLr: number;
  cosLr: boolean;
  nbs: number;
  ema: boolean;
}

/** Ultralytics' defaults (default.yaml), except warmup_bias_lr for AdamW: 0.0, as its `optimizer=auto` sets for Adam. */
export function defaultOptim(optimizer: 'sgd' | 'adamw'): OptimConfig {
  return {
    optimizer, lr0: optimizer === 'sgd' ? 0.01 : 0.001, lrf: 0.01, momentum: 0.937, weightDecay: 0.0005,
    warmupEpochs: 3, warmupMomentum: 0.8, warmupBiasLr: optimizer === 'sgd' ? 0.1 : 0, cosLr: false, nbs: 64, ema: true,
  };
}

export const MAX_NORM = 10;
const WG = 64;
/** Gradient elements per workgroup of the first norm pass. */
export const NORM_CHUNK = 4096;

export function checkOptim(o: OptimConfig, batch: number) {
  const bad = (m: string) => new InvalidArgumentError(`train: ${m}`);
  if (!(Number.isFinite(o.lr0) && o.lr0 > 0 && o.lr0 <= 1)) throw bad(`learning rate ${o.lr0} must be a number in (0, 1]`);
  if (!(Number.isFinite(o.lrf) && o.lrf > 0 && o.lrf <= 1)) throw bad(`final lr factor ${o.lrf} must be in (0, 1]`);
  if (!(o.momentum >= 0 && o.momentum < 1)) throw bad(`momentum ${o.momentum} must be in [0, 1)`);
  if (!(o.weightDecay >= 0 && o.weightDecay < 1)) throw bad(`weight decay ${o.weightDecay} must be in [0, 1)`);
  if (!(o.warmupEpochs >= 0 && o.warmupEpochs <= 1000)) throw bad(`warm-up epochs ${o.warmupEpochs} must be in [0, 1000]`);
  if (!(o.warmupBiasLr >= 0 && o.warmupBiasLr <= 1) || !(o.warmupMomentum >= 0 && o.warmupMomentum < 1)) throw bad('warm-up bias lr must be in [0, 1] and warm-up momentum in [0, 1)');
  if (!Number.isSafeInteger(o.nbs) || o.nbs < 1 || o.nbs > 4096) throw bad(`nominal batch size ${o.nbs} must be an integer in 1..4096`);
  if (!Number.isSafeInteger(batch) || batch < 1 || batch > 1024) throw bad(`batch ${batch} must be an integer in 1..1024`);
}

/** lf(epoch) of the linear or cosine schedule. */
export function lrLambda(o: OptimConfig, epochs: number) {
  return o.cosLr
    ? (e: number) => Math.max((1 - Math.cos((e * Math.PI) / epochs)) / 2, 0) * (o.lrf - 1) + 1
    : (e: number) => Math.max(1 - e / epochs, 0) * (1 - o.lrf) + o.lrf;
}

const interp = (x: number, x1: number, y0: number, y1: number) => (x <= 0 ? y0 : x >= x1 ? y1 : y0 + ((y1 - y0) * x) / x1);
/** Python's round (half to even), as Ultralytics' `np.interp(...).round()` and `round()`. */
const round = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** The hyper-parameters of batch `ni` (0-based over the whole run) of epoch `epoch`. */
export function scheduleAt(o: OptimConfig, epochs: number, batch: number, batchesPerEpoch: number, ni: number, epoch: number) {
  const lf = lrLambda(o, epochs)(epoch);
  const nw = o.warmupEpochs > 0 ? Math.max(round(o.warmupEpochs * batchesPerEpoch), 100) : -1;
  const full = Math.max(round(o.nbs / batch), 1);
  if (ni <= nw) {
    return {
      lrWeights: interp(ni, nw, 0, o.lr0 * lf), lrBias: interp(ni, nw, o.warmupBiasLr, o.lr0 * lf),
      momentum: o.optimizer === 'sgd' ? interp(ni, nw, o.warmupMomentum, o.momentum) : o.momentum,
      accumulate: Math.max(1, round(interp(ni, nw, 1, o.nbs / batch))),
    };
  }
  return { lrWeights: o.lr0 * lf, lrBias: o.lr0 * lf, momentum: o.momentum, accumulate: full };
}

/** Weight decay as Ultralytics scales it for the batch size. */
export const scaledDecay = (o: OptimConfig, batch: number) => (o.weightDecay * batch * Math.max(round(o.nbs / batch), 1)) / o.nbs;

/** EMA decay after `updates` steps. */
export const emaDecay = (updates: number) => 0.9999 * (1 - Math.exp(-updates / 2000));

/** The optimiser's dispatches: [accumulate] and [norm, norm, step weights, step biases, ema]. */
export function planOptimizer(o: OptimConfig, layout: ParamLayout) {
  const n = layout.total;
  const partials = Math.ceil(n / NORM_CHUNK);
  const [px, py] = grid1d(partials, 1);
  const accumulate: Dispatch = {
    label: 'optim.accumulate', shader: 'grad-accumulate', constants: { WG }, uniforms: { n, scale: 1 }, workgroups: grid1d(n, WG),
  };
  const norm: Dispatch[] = [
    { label: 'optim.norm', shader: 'grad-norm', constants: { FINAL: 0, CHUNK: NORM_CHUNK }, uniforms: { n }, workgroups: [px, py, 1], buffers: { src: 'grad', dst: 'partials' } },
    { label: 'optim.norm.final', shader: 'grad-norm', constants: { FINAL: 1, CHUNK: partials }, uniforms: { n: partials }, workgroups: [1, 1, 1], buffers: { src: 'partials', dst: 'stats' } },
  ];
  const shader = o.optimizer === 'sgd' ? 'sgd-step' : 'adamw-step';
  const group = (label: string, off: number, len: number): Dispatch => ({
    label, shader, constants: { WG }, uniforms: stepUniforms(o, { off, n: len }, 0, 0, o.momentum, 1), workgroups: grid1d(Math.max(len, 1), WG),
  });
  const steps = [group('optim.weights', 0, layout.decayEnd), group('optim.biases', layout.decayEnd, n - layout.decayEnd)];
  const ema: Dispatch = { label: 'optim.ema', shader: 'ema-update', constants: { WG }, uniforms: { n, d: 0 }, workgroups: grid1d(n, WG) };
  return { accumulate, norm, steps, ema, partials };
}

/** Uniform values of a step dispatch (its off/n kept). */
export function stepUniforms(o: OptimConfig, base: { off: number; n: number }, lr: number, wd: number, momentum: number, t: number) {
  if (o.optimizer === 'sgd') return { ...base, lr, momentum, wd, max_norm: MAX_NORM };
  return { ...base, lr, wd, beta1: o.momentum, beta2: 0.999, c1: 1 - o.momentum, c2: 1 - 0.999, bc1: 1 - o.momentum ** t, bc2: 1 - 0.999 ** t, eps: 1e-8, max_norm: MAX_NORM };
}
