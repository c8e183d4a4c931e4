/**
 * The GPU side of fine-tuning: the frozen layers (forward only, src/train/frozen.ts), the trainable
 * program (forward, EMA forward, backward: src/train/net.ts) and the optimiser (src/train/optim.ts),
 * each an Executor with its dispatches planned once. Per image: the frozen features (computed, or
 * written from a cache), the trainable forward, the head outputs read back, the loss and its gradient
 * on the CPU (src/train/loss.ts), the gradient written back, the backward. Per batch: the weight
 * gradient folded in with the batch's normaliser. Per step: clip, SGD/AdamW, EMA.
 */
import { InvalidArgumentError } from '../errors.js';
import { requestGPUContext, describeAdapter, type GPUContext } from '../gpu/device.js';
import { pipelinesOf } from '../gpu/pipelines.js';
import { Readback } from '../gpu/readback.js';
import { adapterTraits, attentionKernel, defaultConvTuning, picker, trainPicker } from '../ops/conv-variants.js';
import { Executor } from '../plan/executor.js';
import { checkInputSize } from '../plan/model-plan.js';
import { allConvs, buildSpec, REG_MAX } from '../model/spec.js';
import { loadModelBytes, type ModelSource } from '../model/load.js';
import { readWeights, writeWeights, type WeightsFile } from '../weights/weights.js';
import { toFloat32, sha256Hex } from '../weights/format.js';
import { planFrozen, type FrozenPlan } from './frozen.js';
import { buildTrainProgram, FIRST_TRAINABLE, type TrainProgram, type TrainScope } from './net.js';
import { initialParams, unpackParams } from './params.js';
import { emaDecay, planOptimizer, scaledDecay, stepUniforms, type OptimConfig } from './optim.js';
import { batchLoss, imageLoss, type BatchLoss, type HeadLevel, type ImageLoss } from './loss.js';
import type { GtBox } from './assigner.js';

export interface TrainerSetup {
  model: ModelSource;
  device?: GPUDevice;
  scope: TrainScope;
  imgsz: number;
  names: string[];
  /** Re-initialise the class branch even when the class count is unchanged. */
  reinitCls: boolean;
  optim: OptimConfig;
  batch: number;
  seed: number;
}

/** A training input: the letterboxed image, or the frozen layers' outputs for it (a cache). */
export type TrainInput = { tensor: Float32Array } | { features: Float32Array };

/** The buffers a checkpoint keeps. */
export const STATE_BUFFERS = ['params', 'grad', 'm', 'v', 'ema'] as const;

export class TrainerCore {
  readonly nc: number;
  t = 0;
  emaUpdates = 0;
  private readonly levelsRead: Readback;
  private readonly small: Readback;
  private readonly featRead: Readback;
  private lost = false;
  private idx: Record<string, number> = {};
  /** Dispatch index ranges of the forward, the EMA forward and the backward. */
  ranges = { fwd: [0, 0], ema: [0, 0], bwd: [0, 0] };

  private constructor(
    readonly setup: TrainerSetup,
    readonly device: GPUDevice,
    readonly adapter: GPUContext['adapterInfo'],
    readonly source: WeightsFile,
    readonly sourceSha256: string,
    readonly frozen: FrozenPlan,
    readonly frozenEx: Executor,
    readonly prog: TrainProgram,
    readonly ex: Executor,
    readonly reinitialised: string[],
    private readonly ownsDevice: boolean,
  ) {
    this.nc = setup.names.length;
    device.lost.then(() => (this.lost = true));
    this.levelsRead = new Readback(device, 'train levels');
    this.small = new Readback(device, 'train stats');
    this.featRead = new Readback(device, 'train features');
    ex.dispatches.forEach((d, i) => (this.idx[d.label] ??= i));
  }

  static async create(s: TrainerSetup): Promise<TrainerCore> {
    checkInputSize([s.imgsz, s.imgsz]);
    const bytes = await loadModelBytes(s.model);
    const file = await readWeights(bytes);
    const m = file.manifest;
    if (!s.names.length || s.names.length > 4096) throw new InvalidArgumentError(`train: ${s.names.length} class names; 1..4096 are allowed`);
    const ctx = s.device ? { device: s.device, adapterInfo: describeAdapter({ info: s.device.adapterInfo } as GPUAdapter), features: [...s.device.features] } : await requestGPUContext();
    const traits = adapterTraits(ctx.adapterInfo, ctx.features);
    const tuning = defaultConvTuning(traits);
    const pick = picker(tuning, traits);
    const size: [number, number] = [s.imgsz, s.imgsz];
    const spec = buildSpec(m.scale, s.names.length);
    // The trainable layers take Winograd where the inference table does, else one-dispatch kernels.
    const prog = buildTrainProgram(spec, s.scope, size, trainPicker(tuning, traits));
    const limit = Math.min(ctx.device.limits.maxStorageBufferBindingSize, ctx.device.limits.maxBufferSize);
    if (prog.arenaElements * 4 > limit) throw new InvalidArgumentError(`train: input ${s.imgsz} needs a ${(prog.arenaElements * 4 / 2 ** 20).toFixed(0)} MiB training arena; this GPU binds at most ${(limit / 2 ** 20).toFixed(0)} MiB (use a smaller --imgsz)`);
    const frozen = planFrozen(file, size, FIRST_TRAINABLE[s.scope], prog.inputs.map((i) => i.layer), pick, attentionKernel(tuning, traits), tuning.family === 'register' ? 'rt' : 'loop');
    const { params, reinitialised } = initialParams(file, spec, prog.params, s.reinitCls, s.seed);
    const opt = planOptimizer(s.optim, prog.params);
    const dispatches = [...prog.forward, ...prog.forwardEma, ...prog.backward, opt.accumulate, ...opt.norm, ...opt.steps, opt.ema, ...prog.flips];
    const P = prog.params.total * 4;
    const extra = { params: { bytes: P }, gstep: { bytes: P }, grad: { bytes: P }, m: { bytes: P }, v: { bytes: P }, ema: { bytes: P }, partials: { bytes: opt.partials * 4 }, stats: { bytes: 16 }, wflip: { bytes: prog.flipElements * 4 }, wwino: { bytes: prog.winoElements * 4 }, wsums: { bytes: prog.sumsElements * 4 } };
    const cache = pipelinesOf(ctx.device);
    const frozenEx = await Executor.create(ctx.device, frozen.dispatches, frozen.arenaElements, frozen.weights, {}, cache);
    const ex = await Executor.create(ctx.device, dispatches, prog.arenaElements, new Float32Array(64), extra, cache);
    for (const b of ['params', 'ema']) ctx.device.queue.writeBuffer(ex.buffers.get(b)!, 0, params);
    const core = new TrainerCore(s, ctx.device, ctx.adapterInfo, file, await sha256Hex(bytes), frozen, frozenEx, prog, ex, reinitialised, !s.device);
    core.ranges = { fwd: [0, prog.forward.length], ema: [prog.forward.length, 2 * prog.forward.length], bwd: [2 * prog.forward.length, 2 * prog.forward.length + prog.backward.length] };
    core.refreshFlipped();
    return core;
  }

  /** Trainable parameters (the packing's padding excluded). */
  get parameterCount(): number {
    return this.prog.params.entries.reduce((s, e) => s + e.spec.cout * (e.spec.cin / e.spec.groups) * e.spec.k * e.spec.k + e.spec.cout, 0);
  }

  /** Elements of the frozen features of one input (the concatenated input views). */
  get featureLength(): number {
    return this.prog.inputs.reduce((s, i) => s + i.view.c * i.view.h * i.view.w, 0);
  }

  private encodeInput(enc: GPUCommandEncoder, x: TrainInput) {
    const q = this.device.queue;
    if ('features' in x) {
      if (x.features.length !== this.featureLength) throw new InvalidArgumentError(`features: ${x.features.length} values, expected ${this.featureLength}`);
      let at = 0;
      for (const { view: v } of this.prog.inputs) {
        const n = v.c * v.h * v.w;
        q.writeBuffer(this.ex.arena, v.offset * 4, x.features as Float32Array<ArrayBuffer>, at, n);
        at += n;
      }
      return;
    }
    q.writeBuffer(this.frozenEx.arena, this.frozen.input.offset * 4, x.tensor as Float32Array<ArrayBuffer>);
    const pass = enc.beginComputePass({ label: 'frozen' });
    this.frozenEx.encode(pass);
    pass.end();
    for (const { layer, view } of this.prog.inputs) {
      const src = this.frozen.outputs.get(layer)!;
      enc.copyBufferToBuffer(this.frozenEx.arena, src.offset * 4, this.ex.arena, view.offset * 4, view.c * view.h * view.w * 4);
    }
  }

  /** The frozen layers' outputs for a letterboxed input, read back (to cache them). */
  async features(tensor: Float32Array): Promise<Float32Array> {
    const enc = this.device.createCommandEncoder({ label: 'features' });
    this.encodeInput(enc, { tensor });
    const bytes = this.featureLength * 4;
    const staging = this.featRead.buffer(bytes);
    let at = 0;
    for (const { view: v } of this.prog.inputs) {
      const n = v.c * v.h * v.w * 4;
      enc.copyBufferToBuffer(this.ex.arena, v.offset * 4, staging, at, n);
      at += n;
    }
    this.device.queue.submit([enc.finish()]);
    return new Float32Array(await this.featRead.read(bytes, () => this.lost));
  }

  /** Forward (trained or EMA weights) and the head outputs read back. */
  async forward(x: TrainInput, ema: boolean, clearGrads = false): Promise<HeadLevel[]> {
    const enc = this.device.createCommandEncoder({ label: 'train forward' });
    const G = this.prog.gradOffset;
    if (clearGrads) enc.clearBuffer(this.ex.arena, G * 4, G * 4);
    this.encodeInput(enc, x);
    const pass = enc.beginComputePass({ label: 'trainable forward' });
    const [a, b] = ema ? this.ranges.ema : this.ranges.fwd;
    this.ex.encode(pass, a, b);
    pass.end();
    const sizes = this.prog.levels.map((v) => v.c * v.h * v.w * 4);
    const total = sizes.reduce((s, n) => s + n, 0);
    const staging = this.levelsRead.buffer(total);
    let at = 0;
    this.prog.levels.forEach((v, j) => {
      enc.copyBufferToBuffer(this.ex.arena, v.offset * 4, staging, at, sizes[j]);
      at += sizes[j];
    });
    this.device.queue.submit([enc.finish()]);
    const raw = await this.levelsRead.read(total, () => this.lost);
    at = 0;
    return this.prog.levels.map((v, j) => {
      const data = new Float32Array(raw, at, sizes[j] / 4);
      at += sizes[j];
      return { data, h: v.h, w: v.w };
    });
  }

  /** One image: forward, loss and gradient on the CPU, backward (queued). */
  async trainImage(x: TrainInput, gts: readonly GtBox[]): Promise<ImageLoss & { lossMs: number }> {
    const levels = await this.forward(x, false, true);
    const t0 = performance.now();
    const l = imageLoss(levels, this.nc, gts);
    const lossMs = performance.now() - t0;
    const G = this.prog.gradOffset;
    this.prog.levels.forEach((v, j) => this.device.queue.writeBuffer(this.ex.arena, (v.offset + G) * 4, l.grad[j] as Float32Array<ArrayBuffer>));
    const enc = this.device.createCommandEncoder({ label: 'train backward' });
    const pass = enc.beginComputePass({ label: 'backward' });
    this.ex.encode(pass, this.ranges.bwd[0], this.ranges.bwd[1]);
    pass.end();
    this.device.queue.submit([enc.finish()]);
    return { ...l, lossMs };
  }

  /** End of a batch: its weight gradient joins the step's, scaled as Ultralytics normalises the loss. */
  endBatch(images: readonly ImageLoss[]): BatchLoss {
    const bl = batchLoss(images);
    const i = this.idx['optim.accumulate'];
    this.ex.writeUniforms(i, { n: this.prog.params.total, scale: bl.gradScale });
    this.run([i]);
    return bl;
  }

  /** One optimiser step (clip, SGD/AdamW per group, EMA); returns the gradient's norm before clipping. */
  async step(h: { lrWeights: number; lrBias: number; momentum: number }): Promise<number> {
    const o = this.setup.optim;
    this.t++;
    const wd = scaledDecay(o, this.setup.batch);
    const L = this.prog.params;
    const iw = this.idx['optim.weights'];
    const ib = this.idx['optim.biases'];
    this.ex.writeUniforms(iw, stepUniforms(o, { off: 0, n: L.decayEnd }, h.lrWeights, wd, h.momentum, this.t));
    this.ex.writeUniforms(ib, stepUniforms(o, { off: L.decayEnd, n: L.total - L.decayEnd }, h.lrBias, 0, h.momentum, this.t));
    const list = [this.idx['optim.norm'], this.idx['optim.norm.final'], iw, ib];
    if (o.ema) {
      this.emaUpdates++;
      const ie = this.idx['optim.ema'];
      this.ex.writeUniforms(ie, { n: L.total, d: emaDecay(this.emaUpdates) });
      list.push(ie);
    }
    const staging = this.small.buffer(16);
    this.run(list, (enc) => enc.copyBufferToBuffer(this.ex.buffers.get('stats')!, 0, staging, 0, 16));
    const norm2 = new Float32Array(await this.small.read(16, () => this.lost))[0];
    if (!o.ema) this.copy('params', 'ema');
    this.refreshFlipped();
    return Math.sqrt(norm2);
  }

  /** Recompute the flipped weights of the dX convolutions from `params`. */
  refreshFlipped() {
    const n = this.prog.flips.length;
    if (!n) return;
    const first = this.ex.dispatches.length - n;
    this.run(Array.from({ length: n }, (_, j) => first + j));
  }

  private run(list: number[], after?: (enc: GPUCommandEncoder) => void) {
    const enc = this.device.createCommandEncoder({ label: 'optim' });
    const pass = enc.beginComputePass({ label: 'optim' });
    for (const i of list) this.ex.encode(pass, i, i + 1);
    pass.end();
    after?.(enc);
    this.device.queue.submit([enc.finish()]);
  }

  private copy(from: string, to: string) {
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.ex.buffers.get(from)!, 0, this.ex.buffers.get(to)!, 0, this.prog.params.total * 4);
    this.device.queue.submit([enc.finish()]);
  }

  /** A params-sized buffer's contents (params, grad, m, v, ema; gstep: the current batch's gradient). */
  async read(name: (typeof STATE_BUFFERS)[number] | 'gstep'): Promise<Float32Array> {
    const bytes = this.prog.params.total * 4;
    const rb = new Readback(this.device, `read ${name}`);
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.ex.buffers.get(name)!, 0, rb.buffer(bytes), 0, bytes);
    this.device.queue.submit([enc.finish()]);
    const out = new Float32Array(await rb.read(bytes, () => this.lost));
    rb.destroy();
    return out;
  }

  write(name: (typeof STATE_BUFFERS)[number], data: Float32Array) {
    if (data.length !== this.prog.params.total) throw new InvalidArgumentError(`checkpoint buffer ${name}: ${data.length} values, expected ${this.prog.params.total}`);
    this.device.queue.writeBuffer(this.ex.buffers.get(name)!, 0, data as Float32Array<ArrayBuffer>);
    if (name === 'params') this.refreshFlipped();
  }

  /** An ordinary weight file: the frozen tensors from the source, the trained ones from `params` (a params-buffer image). */
  async weightFile(params: Float32Array, training: Record<string, unknown>): Promise<Uint8Array> {
    const m = this.source.manifest;
    const trained = unpackParams(this.prog.params, params);
    const spec = buildSpec(m.scale, this.nc);
    const tensors = allConvs(spec).flatMap((c) => [c.weight, c.bias]).map((name) => {
      const t = trained.get(name);
      if (t) return { name, shape: t.shape, data: t.data };
      const src = this.source.tensors.get(name)!;
      return { name, shape: src.shape, data: toFloat32(src) };
    });
    return writeWeights({ scale: m.scale, nc: this.nc, names: this.setup.names, imgsz: [this.setup.imgsz, this.setup.imgsz], source: m.source, training }, tensors);
  }

  get levelsShape() {
    return this.prog.levels.map((v) => ({ c: v.c, h: v.h, w: v.w, regMax: REG_MAX }));
  }

  destroy() {
    this.frozenEx.destroy();
    this.ex.destroy();
    this.levelsRead.destroy();
    this.small.destroy();
    this.featRead.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}
