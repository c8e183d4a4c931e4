/**
 * `createTrainer`: fine-tuning in the browser and in Node. The epoch loop follows Ultralytics'
 * BaseTrainer (8.3): shuffled batches, warm-up and the lr schedule per batch, an optimiser step every
 * `accumulate` batches, validation with the EMA weights after each epoch, the best epoch (by fitness)
 * kept. Augmentation that only flips lets the frozen layers' outputs be cached per image and
 * orientation, so each later visit runs only the trainable layers.
 */
import { InvalidArgumentError, TrainingDivergedError } from '../errors.js';
import type { ModelSource } from '../model/load.js';
import type { RGBAImage } from '../draw/draw-boxes.js';
import { AUGMENT_FLIP, AUGMENT_FULL, AUGMENT_MOSAIC, AUGMENT_OFF, cacheable, flipOnly, letterboxLabels, mix, mosaicPartners, prepare, shuffle, type AugmentConfig, type LabelledImage, type YoloBox } from './augment.js';
import { configDifference, readCheckpoint, writeCheckpoint, type Counters } from './checkpoint.js';
import { TrainerCore, type TrainInput } from './core.js';
import type { TrainScope } from './net.js';
import { checkOptim, defaultOptim, scheduleAt, type OptimConfig } from './optim.js';
import { ValAccumulator, type ValMetrics } from './validate.js';
import type { ImageLoss } from './loss.js';

export interface TrainSample {
  /** RGBA pixels (in a browser: a canvas's getImageData()). */
  image: RGBAImage;
  /** YOLO labels: class and normalised centre/size. */
  boxes: YoloBox[];
  name?: string;
}

/** Samples loaded on demand; `get` may throw for an unreadable image, which is then skipped and named. */
export interface SampleSource {
  readonly length: number;
  name(i: number): string;
  get(i: number): Promise<TrainSample>;
}

export interface FeatureStore {
  get(key: string): Promise<Float32Array | undefined>;
  put(key: string, features: Float32Array): Promise<void>;
}

export interface CreateTrainerOptions {
  model: ModelSource;
  device?: GPUDevice;
  /** Trained layers: Detect's branches (`head`, default) or layers 11–23 (`neck+head`). */
  scope?: TrainScope;
  /** Square input size, a multiple of 32 (default: the model's). */
  imgsz?: number;
  batch?: number;
  optimizer?: 'sgd' | 'adamw';
  /** Overrides of the optimiser settings (Ultralytics' names in camelCase; `lr0` is the learning rate). */
  optim?: Partial<Omit<OptimConfig, 'optimizer'>>;
  /** A new class list: the class branch is re-initialised for it. */
  names?: string[];
  reinitCls?: boolean;
  /**
   * 'flip' (default: cacheable), 'none', 'full' (flip, scale/translate, brightness/contrast), 'mosaic'
   * (full, every training image in a 4-image mosaic, as Ultralytics trains) or settings.
   */
  augment?: 'none' | 'flip' | 'full' | 'mosaic' | AugmentConfig;
  /** Cache the frozen layers' outputs when the augmentation allows (default true). */
  cache?: boolean;
  seed?: number;
  /**
   * Where cached frozen features may also be kept beyond this trainer (the CLI's --cache-dir): keys name
   * the source model, scope, input size, sample and orientation; a wrong-sized entry is recomputed.
   */
  featureStore?: FeatureStore;
  /** Caller's facts stored in checkpoints and compared on resume (the CLI keeps its arguments here). */
  tag?: Record<string, unknown>;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Running means over the epoch, as Ultralytics logs them: [box, cls, dfl]. */
  loss: [number, number, number];
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface EpochResult {
  epoch: number;
  loss: [number, number, number];
  val?: ValMetrics;
  trainSeconds: number;
  valSeconds: number;
  imagesPerSecond: number;
  /** Mean CPU time of the loss and its gradient per image, ms. */
  lossMs: number;
  lr: number;
  best: boolean;
}

export interface FitOptions {
  train: SampleSource | TrainSample[];
  val?: SampleSource | TrainSample[];
  epochs: number;
  onProgress?: (p: TrainProgress) => void;
  /** After each epoch's validation; a checkpoint taken here resumes this run. */
  onEpoch?: (e: EpochResult, t: Trainer) => void | Promise<void>;
  /** A checkpoint (`trainer.checkpoint()`) of this configuration to continue from. */
  resume?: Uint8Array;
  signal?: AbortSignal;
}

const asSource = (s: SampleSource | TrainSample[]): SampleSource => (Array.isArray(s) ? { length: s.length, name: (i) => s[i].name ?? `sample ${i}`, get: async (i) => s[i] } : s);

export class Trainer {
  private counters: Counters = { epoch: 0, ni: 0, lastOptStep: -1, t: 0, emaUpdates: 0, bestFitness: -Infinity, bestEpoch: -1 };
  private history: EpochResult[] = [];
  private best?: Float32Array;
  private readonly cache = new Map<string, Float32Array>();
  private readonly meta = new Map<string, { width: number; height: number; boxes: YoloBox[] }>();
  /** Images that could not be read, with why (named once each). */
  readonly skipped = new Map<string, string>();

  private constructor(readonly core: TrainerCore, readonly augment: AugmentConfig, readonly config: Record<string, unknown>, private readonly useCache: boolean, private readonly store?: FeatureStore) {}

  static async create(o: CreateTrainerOptions): Promise<Trainer> {
    const optimizer = o.optimizer ?? 'adamw';
    if (optimizer !== 'sgd' && optimizer !== 'adamw') throw new InvalidArgumentError(`train: optimizer ${JSON.stringify(optimizer)} must be sgd or adamw`);
    const optim = { ...defaultOptim(optimizer), ...o.optim, optimizer };
    const batch = o.batch ?? 16;
    checkOptim(optim, batch);
    const scope = o.scope ?? 'head';
    if (scope !== 'head' && scope !== 'neck+head') throw new InvalidArgumentError(`train: scope ${JSON.stringify(scope)} must be head or neck+head`);
    const augment = typeof o.augment === 'object' ? o.augment : { none: AUGMENT_OFF, flip: AUGMENT_FLIP, full: AUGMENT_FULL, mosaic: AUGMENT_MOSAIC }[o.augment ?? 'flip'];
    if (!augment) throw new InvalidArgumentError(`train: augment ${JSON.stringify(o.augment)} must be none, flip, full or mosaic`);
    if (augment.mosaic !== undefined && !(augment.mosaic >= 0 && augment.mosaic <= 1)) throw new InvalidArgumentError(`train: mosaic probability ${augment.mosaic} must be in [0, 1]`);
    const { readWeights } = await import('../weights/weights.js');
    const { loadModelBytes } = await import('../model/load.js');
    const bytes = await loadModelBytes(o.model);
    const m = (await readWeights(bytes)).manifest;
    // The loss is Ultralytics' v8DetectionLoss: segment, pose and classify heads have losses of their own.
    if (m.task !== 'detect') throw new InvalidArgumentError(`train: fine-tunes detect models; this one is a ${m.task} model`);
    const names = o.names ?? m.names;
    const imgsz = o.imgsz ?? m.imgsz[0];
    const seed = o.seed ?? 0;
    const core = await TrainerCore.create({ model: bytes, device: o.device, scope, imgsz, names, reinitCls: o.reinitCls ?? false, optim, batch, seed });
    const config = { model: core.sourceSha256, scope, imgsz, names, reinitCls: o.reinitCls ?? false, optim, batch, seed, augment, cache: o.cache ?? true, tag: o.tag ?? {} };
    return new Trainer(core, augment, config, (o.cache ?? true) && cacheable(augment), o.featureStore);
  }

  get info() {
    const c = this.core;
    return {
      scope: c.setup.scope, imgsz: c.setup.imgsz, nc: c.nc, names: c.setup.names, trainableParameters: c.parameterCount,
      reinitialised: c.reinitialised, adapter: c.adapter, cachingFeatures: this.useCache, dispatches: c.ex.dispatches.length,
    };
  }

  /**
   * The input for one sample: the letterboxed (augmented) tensor, or its cached frozen features. With
   * the cache, an image is decoded only until both of its orientations are cached: its size and labels
   * are kept, and the flip is decided as `prepare` decides it.
   */
  private async input(src: SampleSource, i: number, tag: string, seed: number, aug = this.augment) {
    const size = this.core.setup.imgsz;
    if (this.useCache) {
      const meta = this.meta.get(`${tag}:${i}`);
      const flipped = flipOnly(aug, seed);
      const f = this.cache.get(`${tag}:${i}:${flipped ? 1 : 0}`);
      if (meta && f) {
        const l = letterboxLabels(meta.width, meta.height, meta.boxes, size, flipped);
        return { x: { features: f } as TrainInput, gts: l.gts, gain: l.gain, pad: l.pad, ...meta };
      }
    }
    const s = await src.get(i);
    const p = prepare(s.image, s.boxes, size, aug, seed, undefined, await this.partners(src, aug, seed));
    const meta = { width: s.image.width, height: s.image.height, boxes: s.boxes };
    if (!this.useCache) return { x: { tensor: p.tensor } as TrainInput, gts: p.gts, gain: p.gain, pad: p.pad, ...meta };
    this.meta.set(`${tag}:${i}`, meta);
    const key = `${tag}:${i}:${p.flipped ? 1 : 0}`;
    let f = this.cache.get(key);
    if (!f) {
      // A persistent store (e.g. files, for the next run of the same model, scope and input size).
      const skey = `${this.config.model}:${this.config.scope}:${size}:${src.name(i)}:${p.flipped ? 1 : 0}`;
      const stored = await this.store?.get(skey);
      f = stored?.length === this.core.featureLength ? stored : await this.core.features(p.tensor);
      if (f !== stored) await this.store?.put(skey, f);
      this.cache.set(key, f);
    }
    return { x: { features: f } as TrainInput, gts: p.gts, gain: p.gain, pad: p.pad, ...meta };
  }

  /**
   * A mosaic's three other images (`mosaicPartners`); none when the draw says so, or when one of them
   * fails to decode (it is named among the skipped, and this sample goes without a mosaic).
   */
  private async partners(src: SampleSource, aug: AugmentConfig, seed: number): Promise<LabelledImage[] | undefined> {
    const js = mosaicPartners(aug, seed, src.length);
    if (!js) return undefined;
    const out: LabelledImage[] = [];
    for (const j of js) {
      try {
        out.push(await src.get(j));
      } catch (e) {
        this.skip(src.name(j), e);
        return undefined;
      }
    }
    return out;
  }

  /** Validate the EMA weights (the trained ones without EMA) on `val`. */
  async validate(val: SampleSource | TrainSample[]): Promise<ValMetrics> {
    const src = asSource(val);
    const acc = new ValAccumulator(this.core.nc);
    for (let i = 0; i < src.length; i++) {
      let r;
      try {
        r = await this.input(src, i, 'val', 0, AUGMENT_OFF);
      } catch (e) {
        this.skip(src.name(i), e);
        continue;
      }
      const levels = await this.core.forward(r.x, true);
      acc.add(levels, r.boxes, r.width, r.height, r.gain, r.pad);
    }
    return acc.result();
  }

  private skip(name: string, e: unknown) {
    if (!this.skipped.has(name)) this.skipped.set(name, (e as Error)?.message ?? String(e));
  }

  async fit(o: FitOptions): Promise<{ epochs: EpochResult[]; bestEpoch: number; skipped: [string, string][] }> {
    const train = asSource(o.train);
    if (!Number.isSafeInteger(o.epochs) || o.epochs < 1) throw new InvalidArgumentError(`train: epochs ${o.epochs} must be a positive integer`);
    if (!train.length) throw new InvalidArgumentError('train: no training images');
    if (o.resume) await this.restore(o.resume, o.epochs);
    const { batch, optim, seed } = this.core.setup;
    const nb = Math.ceil(train.length / batch);
    for (let epoch = this.counters.epoch; epoch < o.epochs; epoch++) {
      const order = shuffle(train.length, mix(seed, epoch));
      const sums = [0, 0, 0];
      let seen = 0;
      let lossMs = 0;
      let lr = 0;
      const t0 = performance.now();
      for (let bi = 0; bi < nb; bi++) {
        o.signal?.throwIfAborted();
        const ni = bi + nb * epoch;
        const h = scheduleAt(optim, o.epochs, batch, nb, ni, epoch);
        lr = h.lrWeights;
        const losses: ImageLoss[] = [];
        for (const i of order.slice(bi * batch, (bi + 1) * batch)) {
          let r;
          try {
            r = await this.input(train, i, 'train', mix(seed, epoch, i));
          } catch (e) {
            this.skip(train.name(i), e);
            continue;
          }
          const l = await this.core.trainImage(r.x, r.gts);
          const sum = l.sums[0] + l.sums[1] + l.sums[2];
          if (!Number.isFinite(sum)) throw new TrainingDivergedError(`the loss of ${train.name(i)} is ${sum} at epoch ${epoch + 1}, batch ${bi + 1} of ${nb} (step ${ni + 1}); the run stops, its last checkpoint is the last good state`);
          losses.push(l);
          lossMs += l.lossMs;
        }
        if (!losses.length) continue;
        const bl = this.core.endBatch(losses);
        if (ni - this.counters.lastOptStep >= h.accumulate) {
          const norm = await this.core.step(h);
          if (!Number.isFinite(norm)) throw new TrainingDivergedError(`the gradient norm is ${norm} at epoch ${epoch + 1}, batch ${bi + 1} (step ${ni + 1}); the run stops, its last checkpoint is the last good state`);
          this.counters.lastOptStep = ni;
        }
        seen += losses.length;
        bl.items.forEach((v, k) => (sums[k] += v * losses.length));
        this.counters.ni = ni + 1;
        const secs = (performance.now() - t0) / 1000;
        o.onProgress?.({ epoch, epochs: o.epochs, batch: bi + 1, batches: nb, loss: sums.map((v) => v / Math.max(seen, 1)) as [number, number, number], imagesPerSecond: seen / secs, etaSeconds: ((nb - bi - 1) * secs) / (bi + 1) });
      }
      const trainSeconds = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const val = o.val ? await this.validate(o.val) : undefined;
      const fitness = val ? val.fitness : -(sums[0] + sums[1] + sums[2]) / Math.max(seen, 1);
      const best = fitness > this.counters.bestFitness;
      if (best) {
        this.counters.bestFitness = fitness;
        this.counters.bestEpoch = epoch;
        this.best = await this.core.read('ema');
      }
      this.counters.epoch = epoch + 1;
      this.counters.t = this.core.t;
      this.counters.emaUpdates = this.core.emaUpdates;
      const r: EpochResult = { epoch, loss: sums.map((v) => v / Math.max(seen, 1)) as [number, number, number], val, trainSeconds, valSeconds: (performance.now() - t1) / 1000, imagesPerSecond: seen / trainSeconds, lossMs: lossMs / Math.max(seen, 1), lr, best };
      this.history.push(r);
      await o.onEpoch?.(r, this);
    }
    return { epochs: this.history, bestEpoch: this.counters.bestEpoch, skipped: [...this.skipped] };
  }

  /** The state after the last completed epoch, for `fit({ resume })`. */
  async checkpoint(): Promise<Uint8Array> {
    const b = { params: await this.core.read('params'), grad: await this.core.read('grad'), m: await this.core.read('m'), v: await this.core.read('v'), ema: await this.core.read('ema') };
    return writeCheckpoint({ counters: this.counters, config: this.config, history: this.history }, { ...b, best: this.best ?? b.ema });
  }

  private async restore(bytes: Uint8Array, epochs: number) {
    const { manifest: m, buffers } = await readCheckpoint(bytes);
    const diff = configDifference(m.config, this.config);
    if (diff) throw new InvalidArgumentError(`--resume: the checkpoint was made with other settings (${diff})`);
    if (m.counters.epoch >= epochs) throw new InvalidArgumentError(`--resume: the checkpoint has ${m.counters.epoch} epochs done, nothing left of ${epochs}`);
    for (const name of ['params', 'grad', 'm', 'v', 'ema'] as const) this.core.write(name, buffers[name]);
    this.best = buffers.best;
    this.counters = { ...m.counters };
    this.core.t = m.counters.t;
    this.core.emaUpdates = m.counters.emaUpdates;
    this.history = m.history as EpochResult[];
  }

  /** The weight file of the best epoch (EMA weights; the last if no epoch was validated better) or of the last. */
  async weights(which: 'best' | 'last' = 'best', training: Record<string, unknown> = {}): Promise<Uint8Array> {
    const provenance = { ...training, scope: this.config.scope, imgsz: this.config.imgsz, optim: this.config.optim, batch: this.config.batch, seed: this.config.seed, augment: this.config.augment, epochs: this.history.length, bestEpoch: this.counters.bestEpoch + 1, history: this.history.map((h) => ({ epoch: h.epoch + 1, loss: h.loss, val: h.val })) };
    const data = which === 'best' && this.best ? this.best : await this.core.read('ema');
    return this.core.weightFile(data, { fineTunedFrom: { sha256: this.config.model, source: this.core.source.manifest.source, names: this.core.source.manifest.names }, ...provenance });
  }

  destroy() {
    this.core.destroy();
  }
}

export function createTrainer(o: CreateTrainerOptions): Promise<Trainer> {
  return Trainer.create(o);
}
