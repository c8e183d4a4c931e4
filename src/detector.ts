/**
 * The public detector: created once per (model, input size), then `detect()` (detect, segment, pose
 * models) or `classify()` (classify models) per image; the task comes from the weight file.
 * Calls are serialised on an internal queue (results never mix between calls); a lost device
 * rejects the pending and later calls with DeviceLostError.
 */
import { ChecksumMismatchError, DestroyedError, DeviceLostError, InvalidArgumentError, TaskMismatchError } from './errors.js';
import { sha256Hex } from './weights/format.js';
import { requestGPUContext, describeAdapter, type GPUContext } from './gpu/device.js';
import { Readback } from './gpu/readback.js';
import { pipelinesOf, type PipelineCache } from './gpu/pipelines.js';
import { adapterTraits, attentionKernel, defaultConvTuning, picker, withChoice, type ConvTuning } from './ops/conv-variants.js';
import { chosenKernels } from './tune/choose.js';
import { knownChoice, tune, type TuningInfo } from './tune/index.js';
import { Executor } from './plan/executor.js';
import { planFlops } from './plan/flops.js';
import { profileDispatches, type KernelTime } from './gpu/profiler.js';
import { planModel, type ModelPlan } from './plan/model-plan.js';
import { loadModelBytes, type LoadProgress, type ModelSource } from './model/load.js';
import { readWeights } from './weights/weights.js';
import { SourceUploader, type ImageInput } from './image/source.js';
import { MaskAssembler } from './plan/mask-assembler.js';
import type { Task } from './model/heads.js';
import { popcount, type Classification, type DetectionOf, type InstanceMask, type Keypoint } from './results.js';
import { topK, validateDetectOptions, type ClassifyOptions, type CreateDetectorOptions, type DetectOptions, type DetectorInfo, type DetectStats, type ExplainOptions } from './detector-options.js';
import { planTiles, resolveSlice, type SliceOptions } from './infer/tiles.js';
import { createSliceStage, createTtaStage, type PlanRun, type SliceStage, type TtaStage } from './infer/stages.js';
import { runPasses } from './infer/run.js';
import { passCost, type PassCost } from './infer/cost.js';
import { resolveCamLayers } from './explain/eigencam.js';
import { CamRunner, type Heatmap } from './explain/run.js';

export type { ClassifyOptions, CreateDetectorOptions, DetectOptions, DetectorInfo, DetectStats, ExplainOptions } from './detector-options.js';
export type { Classification, Detection, DetectionOf, InstanceMask, Keypoint, PoseDetection, SegmentDetection, Task } from './results.js';

export class Detector<T extends Task = Task> {
  private queue: Promise<unknown> = Promise.resolve();
  private destroyed = false;
  private lost = false;
  private readonly out0: Readback;
  private readonly dets: Readback;
  private readonly layerRead: Readback;
  private readonly source: SourceUploader;
  private readonly masks?: MaskAssembler;
  private readonly heat: Readback;
  private tta?: Promise<TtaStage>;
  private sliceStage?: Promise<SliceStage>;
  private readonly cams = new Map<string, Promise<CamRunner>>();
  /**
   * What the last `detect()` saw: anchors above `conf` (`candidates`), anchors dropped because the
   * network produced NaN/Inf for them (`nonFinite` — never returned as boxes), candidates beyond the
   * NMS input cap (`capped`), boxes returned, and (segment) boxes dropped for an empty mask.
   */
  lastStats: DetectStats | undefined;

  private constructor(
    readonly info: DetectorInfo,
    private readonly device: GPUDevice,
    private readonly plan: ModelPlan,
    private readonly ex: Executor,
    private readonly ownsDevice: boolean,
    private readonly planAt: (size: [number, number]) => ModelPlan,
    private readonly pipelines: PipelineCache,
  ) {
    device.lost.then(() => {
      this.lost = true;
    });
    this.source = new SourceUploader(device, ex, plan);
    this.out0 = new Readback(device, 'output0 readback');
    this.dets = new Readback(device, 'detections readback');
    this.layerRead = new Readback(device, 'layer readback');
    if (plan.head.task === 'segment') this.masks = new MaskAssembler(device, ex, plan, pipelines);
    this.heat = new Readback(device, 'heat map readback');
  }

  /** The model's task, from its weight file: which of detect() and classify() it answers, and what a box holds. */
  get task(): T {
    return this.plan.head.task as T;
  }

  static async create<T extends Task = Task>(opts: CreateDetectorOptions<T>): Promise<Detector<T>> {
    const t0 = performance.now();
    const bytes = await loadModelBytes(opts.model, opts.onProgress);
    const t1 = performance.now();
    if (opts.sha256 !== undefined) {
      const want = String(opts.sha256).toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(want)) throw new InvalidArgumentError(`sha256 must be 64 hex digits, got ${JSON.stringify(opts.sha256)}`);
      const got = await sha256Hex(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
      if (got !== want) throw new ChecksumMismatchError(`weight file SHA-256 ${got.slice(0, 16)}… does not match the expected ${want.slice(0, 16)}…`);
    }
    const file = await readWeights(bytes);
    const t2 = performance.now();
    const m = file.manifest;
    if (opts.task !== undefined && opts.task !== m.task) {
      throw new TaskMismatchError(`the weight file is a ${m.task} model (task "${m.task}"), not the ${JSON.stringify(opts.task)} model asked for`);
    }
    const size: [number, number] = opts.inputSize === undefined ? m.imgsz : typeof opts.inputSize === 'number' ? [opts.inputSize, opts.inputSize] : opts.inputSize;
    let ctx: GPUContext;
    if (opts.device) {
      ctx = { device: opts.device, adapterInfo: describeAdapter({ info: opts.device.adapterInfo } as GPUAdapter), features: [...opts.device.features] };
    } else {
      ctx = await requestGPUContext();
    }
    const t3 = performance.now();
    const traits = adapterTraits(ctx.adapterInfo, ctx.features);
    const base = opts.convKernel ? { family: opts.convKernel } : defaultConvTuning(traits);
    const planWith = (t: ConvTuning) => planModel(file, size, {
      conv: picker(t, traits), attention: attentionKernel(t, traits), pool: t.family === 'register' ? 'rt' : 'loop', keepAll: opts.debugKeepLayers,
    });
    const pipelines = pipelinesOf(ctx.device);
    let plan = planWith(base);
    let tuning: TuningInfo = { source: opts.convKernel ? 'option' : 'default', tuning: base, byClass: chosenKernels(plan.dispatches) };
    if (typeof opts.tune === 'object' && opts.tune.choice) {
      const known = knownChoice(opts.tune.choice, opts.tune.log);
      const choice = withChoice(base, known);
      plan = planWith(choice);
      tuning = { source: 'option', tuning: choice, byClass: { ...known, ...chosenKernels(plan.dispatches) } };
    } else if (opts.tune) {
      const o = typeof opts.tune === 'object' ? opts.tune : {};
      const runtime = typeof navigator !== 'undefined' && navigator.userAgent ? navigator.userAgent : `node ${typeof process !== 'undefined' ? process.version : ''}`;
      tuning = await tune(ctx.device, pipelines, plan.dispatches, traits, base, { adapter: { ...ctx.adapterInfo }, features: ctx.features, runtime, model: m.payload.sha256, inputSize: size }, o);
      plan = planWith(tuning.tuning);
      // The stored choice (measured shapes and class defaults) and what every convolution of the plan uses.
      tuning = { ...tuning, byClass: { ...tuning.byClass, ...chosenKernels(plan.dispatches) } };
    }
    const t4 = performance.now();
    const ex = await Executor.create(ctx.device, plan.dispatches, plan.arenaElements, plan.weights, plan.post?.extraBuffers() ?? {}, pipelines);
    const setupMs = { load: t1 - t0, parse: t2 - t1, device: t3 - t2, plan: t4 - t3, ...ex.setupMs };
    const info: DetectorInfo = { manifest: m, inputSize: size, adapter: ctx.adapterInfo, features: ctx.features, dispatches: plan.dispatches.length, flops: planFlops(plan.dispatches), setupMs, tuning };
    const planAt = (sz: [number, number]) => planModel(file, sz, {
      conv: picker(tuning.tuning, traits), attention: attentionKernel(tuning.tuning, traits), pool: tuning.tuning.family === 'register' ? 'rt' : 'loop', keepAll: opts.debugKeepLayers,
    });
    return new Detector<T>(info, ctx.device, plan, ex, !opts.device, planAt, pipelines);
  }

  private check() {
    if (this.destroyed) throw new DestroyedError();
    if (this.lost) throw new DeviceLostError('the GPU device was lost; create a new detector');
  }

  /** Run calls one at a time, in order. */
  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.queue.then(() => {
      this.check();
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private writeInput(input: Float32Array) {
    this.checkInput(input);
    this.ex.device.queue.writeBuffer(this.ex.arena, this.plan.input.offset * 4, input as Float32Array<ArrayBuffer>);
    this.plan.post?.writeDecodeUniforms(this.ex, { conf: 1, classes: undefined });
  }

  /**
   * Raw network output for an already preprocessed input (1×3×H×W, RGB, 0..1): ONNX's `output0`,
   * (4 + nc [+ nm | K·D]) × anchors row-major for detect, segment and pose (Segment's protos, ONNX's
   * output1, are then `readLayer('output1')`), the nc class probabilities for classify.
   */
  forward(input: Float32Array): Promise<Float32Array> {
    return this.serial(async () => {
      const { device, ex, plan } = this;
      this.writeInput(input);
      const v = plan.output0;
      const bytes = v.c * v.h * v.w * 4;
      const staging = this.out0.buffer(bytes);
      const enc = device.createCommandEncoder({ label: 'forward' });
      plan.post?.encodeResets(enc, ex);
      const pass = enc.beginComputePass({ label: 'forward' });
      ex.encode(pass, ...plan.ranges.network);
      pass.end();
      enc.copyBufferToBuffer(ex.arena, v.offset * 4, staging, 0, bytes);
      device.queue.submit([enc.finish()]);
      return new Float32Array(await this.out0.read(bytes, () => this.lost));
    });
  }

  /**
   * Detect objects in an image (detect, segment and pose models); boxes come back in the image's own
   * pixels, with their mask (segment) or keypoints (pose). A classify model rejects with TaskMismatchError.
   */
  detect(image: ImageInput, opts: DetectOptions = {}): Promise<DetectionOf<T>[]> {
    if (this.plan.head.task === 'classify') return Promise.reject(new TaskMismatchError('detect() needs a detect, segment or pose model; this one is a classify model: call classify()'));
    return this.serial(async () => {
      const { device, ex, plan } = this;
      const post = plan.post!;
      const o = { conf: opts.conf ?? 0.25, iou: opts.iou ?? 0.7, maxDet: opts.maxDet ?? 300, classes: opts.classes, agnostic: opts.agnostic ?? false };
      validateDetectOptions(o, this.info.manifest.nc, post.maxDet);
      if (opts.tta !== undefined && typeof opts.tta !== 'boolean') throw new InvalidArgumentError(`detect(): tta must be true or false, got ${JSON.stringify(opts.tta)}`);
      if (opts.slice || opts.tta) {
        if (this.plan.head.task !== 'detect') throw new InvalidArgumentError(`detect(): slice and tta are for detect models; this one is a ${this.plan.head.task} model`);
        return this.detectPasses(image, o, opts.slice || undefined, !!opts.tta) as Promise<DetectionOf<T>[]>;
      }
      const src = await this.source.upload(image);
      post.writeDecodeUniforms(ex, o);
      post.writeNmsUniforms(ex, o, { gain: src.gain, padX: src.padX, padY: src.padY, srcW: src.width, srcH: src.height });
      const staging = this.dets.buffer(post.readbackBytes);
      const enc = device.createCommandEncoder({ label: 'detect' });
      post.encodeResets(enc, ex);
      const pass = enc.beginComputePass({ label: 'detect' });
      await this.source.encode(pass, src);
      ex.encode(pass, plan.ranges.network[0], plan.ranges.nms[1]);
      pass.end();
      post.encodeReadback(enc, ex, staging);
      device.queue.submit([enc.finish()]);
      const raw = await this.dets.read(post.readbackBytes, () => this.lost);
      const names = this.info.manifest.names;
      const [tried, nonFinite, capped] = new Uint32Array(raw, post.detectionsBytes, 4);
      const found = post.parseDetections(raw); // reads its count and at most maxDet entries; the counters follow
      let out = found.map((d) => {
        const det: Record<string, unknown> = { box: d.box, score: d.score, classId: d.classId, label: names[d.classId] ?? String(d.classId) };
        if (d.keypoints) det.keypoints = keypoints(d.keypoints);
        return det as unknown as DetectionOf<T>;
      });
      let emptyMasks: number | undefined;
      if (this.masks) {
        const { rects, bits } = await this.masks.assemble(found.map((d) => d.box), src.width, src.height, () => this.lost);
        const all = out.map((d, i) => {
          const r = rects[i];
          const next = i + 1 < rects.length ? rects[i + 1].word : bits.length;
          const mask: InstanceMask = { x: r.x, y: r.y, width: r.width, height: r.height, area: popcount(bits, r.word, next), bits: bits.slice(r.word, next) };
          return { ...d, mask };
        });
        // As Ultralytics' segment predictor: only boxes whose mask has a pixel are kept.
        out = all.filter((d) => d.mask.area > 0) as DetectionOf<T>[];
        emptyMasks = all.length - out.length;
      }
      this.lastStats = { candidates: tried, nonFinite, capped, detections: out.length, ...(emptyMasks !== undefined ? { emptyMasks } : {}) };
      return out;
    });
  }

  /**
   * Classify an image (classify models): the top-k classes by softmax probability, best first. The
   * image is resized (shorter side to the input size) and centre-cropped, as Ultralytics' classify
   * transforms. Other models reject with TaskMismatchError.
   */
  classify(image: ImageInput, opts: ClassifyOptions = {}): Promise<Classification[]> {
    if (this.plan.head.task !== 'classify') return Promise.reject(new TaskMismatchError(`classify() needs a classify model; this one is a ${this.plan.head.task} model: call detect()`));
    return this.serial(async () => {
      const { device, ex, plan } = this;
      const k = Math.min(opts.topk ?? 5, this.info.manifest.nc);
      const src = await this.source.upload(image, 'center-crop');
      const bytes = plan.output0.c * 4;
      const staging = this.out0.buffer(bytes);
      const enc = device.createCommandEncoder({ label: 'classify' });
      const pass = enc.beginComputePass({ label: 'classify' });
      await this.source.encode(pass, src);
      ex.encode(pass, ...plan.ranges.network);
      pass.end();
      enc.copyBufferToBuffer(ex.arena, plan.output0.offset * 4, staging, 0, bytes);
      device.queue.submit([enc.finish()]);
      const probs = new Float32Array(await this.out0.read(bytes, () => this.lost));
      return topK(probs, k, this.info.manifest.names);
    });
  }

  /** detect() with slicing and/or TTA (src/infer/): stages made on first use, one readback. */
  private async detectPasses(image: ImageInput, o: Required<Omit<DetectOptions, 'classes' | 'slice' | 'tta'>> & { classes?: number[] }, sliceOpt: true | SliceOptions | undefined, tta: boolean): Promise<DetectionOf<'detect'>[]> {
    const { device, plan, ex } = this;
    const slice = sliceOpt ? resolveSlice(sliceOpt, Math.max(...plan.inputSize)) : undefined;
    const src = await this.source.upload(image);
    const passes = slice ? planTiles(src.width, src.height, slice).passes : [{ x: 0, y: 0, w: src.width, h: src.height }];
    const main: PlanRun = { plan, ex };
    const ttaStage = tta ? await (this.tta ??= createTtaStage(device, main, this.planAt, this.pipelines)) : undefined;
    const sliceStage = slice ? await (this.sliceStage ??= createSliceStage(device, plan.post!.maxDet, this.pipelines)) : undefined;
    const raw = await runPasses({
      device, source: this.source, src, main, passes, tta: ttaStage, slice: slice && { stage: sliceStage!, options: slice }, o, readback: this.dets, lost: () => this.lost,
    });
    const names = this.info.manifest.names;
    const head = new Float32Array(raw, 0, 4);
    const found = plan.post!.parseDetections(raw);
    this.lastStats = { candidates: head[1], nonFinite: head[2], capped: head[3], detections: found.length };
    return found.map((d): DetectionOf<'detect'> => ({ ...d, label: names[d.classId] ?? String(d.classId) }));
  }

  /**
   * EigenCAM heat map of `image`: the first principal component of a layer's activations (by default
   * Detect's three inputs, combined), per image pixel, 0–1, computed on the GPU and read back once.
   */
  explain(image: ImageInput, opts: ExplainOptions = {}): Promise<Heatmap> {
    return this.serial(async () => {
      const main: PlanRun = { plan: this.plan, ex: this.ex };
      const layers = resolveCamLayers(this.plan, opts?.layer);
      const key = layers.map((l) => l.name).join(',');
      let cam = this.cams.get(key);
      if (!cam) this.cams.set(key, (cam = CamRunner.create(this.device, main, layers, this.pipelines)));
      const src = await this.source.upload(image);
      return (await cam).run(this.device, main, this.source, src, this.heat, () => this.lost);
    });
  }

  /** What `detect(image, opts)` costs on a width × height image: passes, network runs and FLOPs (e.g. to show the time before running). */
  cost(width: number, height: number, opts: Pick<DetectOptions, 'slice' | 'tta'> = {}): PassCost {
    return passCost(width, height, opts, this.plan.inputSize, this.info.flops);
  }

  /**
   * Benchmarks: GPU time of each op of one forward pass on `input` (as `forward()`), from timestamp
   * queries, one compute pass per dispatch (an im2col convolution's unfolding counted in its entry).
   * Needs the adapter feature `timestamp-query`.
   */
  profile(input: Float32Array): Promise<KernelTime[]> {
    return this.serial(async () => {
      const { device, ex, plan } = this;
      this.writeInput(input);
      return profileDispatches(device, ex, ...plan.ranges.network, (enc) => plan.post?.encodeResets(enc, ex));
    });
  }

  private checkInput(input: Float32Array) {
    const [h, w] = this.plan.inputSize;
    if (!(input instanceof Float32Array) || input.length !== 3 * h * w) {
      throw new InvalidArgumentError(`forward() needs a Float32Array of 3×${h}×${w} = ${3 * h * w} values, got ${input?.length}`);
    }
    for (let i = 0; i < input.length; i++) {
      if (!Number.isFinite(input[i])) throw new InvalidArgumentError(`forward() input element ${i} is ${input[i]}`);
    }
  }

  /** Debug/parity: a layer's output (`model.N`, `model.23.level{j}`, `output0`, `output1`) after the last run. Inner layers need `debugKeepLayers`. */
  readLayer(name: string): Promise<Float32Array> {
    return this.serial(async () => {
      const v = this.plan.layers.get(name);
      if (!v) throw new InvalidArgumentError(`no layer ${name}`);
      const bytes = v.c * v.h * v.w * 4;
      const staging = this.layerRead.buffer(bytes);
      const enc = this.device.createCommandEncoder();
      enc.copyBufferToBuffer(this.ex.arena, v.offset * 4, staging, 0, bytes);
      this.device.queue.submit([enc.finish()]);
      return new Float32Array(await this.layerRead.read(bytes, () => this.lost));
    });
  }

  /** Release every GPU resource (and the device, if the detector created it). */
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ex.destroy();
    this.out0.destroy();
    this.dets.destroy();
    this.layerRead.destroy();
    this.heat.destroy();
    this.source.destroy();
    this.masks?.destroy();
    void this.tta?.then((t) => [t.ex, ...t.scaled.map((x) => x.ex)].forEach((e) => e.destroy()), () => {});
    void this.sliceStage?.then((t) => t.ex.destroy(), () => {});
    for (const c of this.cams.values()) void c.then((r) => r.destroy(), () => {});
    if (this.ownsDevice) this.device.destroy();
  }
}

/** K × {x, y, visibility} (visibility −1: the model has none) → Keypoint[]. */
function keypoints(f: Float32Array): Keypoint[] {
  const out: Keypoint[] = [];
  for (let i = 0; i + 2 < f.length; i += 3) out.push(f[i + 2] < 0 ? { x: f[i], y: f[i + 1] } : { x: f[i], y: f[i + 1], visibility: f[i + 2] });
  return out;
}

/**
 * Create a detector for a weight file of any supported task (detect, segment, pose, classify): the task
 * is read from the file (`detector.task`); pass `task` to require one and get results typed for it.
 */
export function createDetector<T extends Task = Task>(opts: CreateDetectorOptions<T>): Promise<Detector<T>> {
  return Detector.create(opts);
}
