/**
 * The public detector: created once per (model, input size), then `detect()` per image.
 * Calls are serialised on an internal queue (results never mix between calls); a lost device
 * rejects the pending and later calls with DeviceLostError.
 */
import { ChecksumMismatchError, DestroyedError, DeviceLostError, InvalidArgumentError } from './errors.js';
import { sha256Hex } from './weights/format.js';
import { requestGPUContext, describeAdapter, type GPUContext } from './gpu/device.js';
import { Readback } from './gpu/readback.js';
import { PipelineCache } from './gpu/pipelines.js';
import { adapterTraits, attentionKernel, defaultConvTuning, picker, type ConvTuning } from './ops/conv-variants.js';
import { chosenKernels } from './tune/choose.js';
import { tune, type TuningInfo } from './tune/index.js';
import { Executor } from './plan/executor.js';
import { planFlops } from './plan/flops.js';
import { profileDispatches, type KernelTime } from './gpu/profiler.js';
import { planModel, type ModelPlan } from './plan/model-plan.js';
import { loadModelBytes, type LoadProgress, type ModelSource } from './model/load.js';
import { readWeights, type WeightsManifest } from './weights/weights.js';
import { SourceUploader, type ImageInput } from './image/source.js';
import { planTiles, resolveSlice, type SliceOptions } from './infer/tiles.js';
import { createSliceStage, createTtaStage, type PlanRun, type SliceStage, type TtaStage } from './infer/stages.js';
import { runPasses } from './infer/run.js';
import { passCost, type PassCost } from './infer/cost.js';
import { resolveCamLayers } from './explain/eigencam.js';
import { CamRunner, type Heatmap } from './explain/run.js';

export interface CreateDetectorOptions {
  /** Weight file: bytes, or a URL fetched with progress. */
  model: ModelSource;
  /** Your GPUDevice; otherwise one is requested. */
  device?: GPUDevice;
  /** Network input size: a multiple of 32, or [height, width]; default from the model. */
  inputSize?: number | [number, number];
  onProgress?: (p: LoadProgress) => void;
  /**
   * Expected SHA-256 (hex) of the whole weight file, e.g. from your deployment manifest: a file that
   * does not match is rejected with ChecksumMismatchError before anything is parsed. (Every file's
   * payload is also checked against the SHA-256 in its own manifest.)
   */
  sha256?: string;
  /** Internal/testing: keep every layer's output readable with `readLayer`. */
  debugKeepLayers?: boolean;
  /** Override the per-adapter convolution kernel family (register tiles on CPU adapters, workgroup tiles on GPUs). */
  convKernel?: 'register' | 'tiled';
  /**
   * Choose each convolution's kernel by measurement on this adapter (a short pass timing the candidate
   * kernels per shape class) instead of by the adapter's kind. The result is cached per adapter,
   * model and input size (IndexedDB in browsers, ~/.cache/yolo11-webgpu/conv-tuning.json in Node), so
   * the next load costs nothing: `{ cache: false }` measures without caching, `{ cache: path }` picks
   * the Node file. `info.tuning` says what was chosen and how.
   */
  tune?: boolean | { cache?: boolean | string; log?: (line: string) => void };
}

export interface DetectOptions {
  /** Confidence threshold (default 0.25; Ultralytics predict). */
  conf?: number;
  /** NMS IoU threshold (default 0.7). */
  iou?: number;
  /** Maximum detections (default 300). */
  maxDet?: number;
  /** Keep only these class ids. */
  classes?: number[];
  /** Class-agnostic NMS (and, with `slice`, class-agnostic merging). */
  agnostic?: boolean;
  /**
   * Sliced inference (SAHI) for small objects: overlapping tiles of the full-resolution image, each
   * letterboxed to the input size on the GPU and run, plus the whole image; boxes merged across tiles.
   * `true` takes SAHI's defaults (tiles of the input size, overlap 0.2, greedy merging by IOS ≥ 0.5).
   */
  slice?: boolean | SliceOptions;
  /** Test-time augmentation as Ultralytics' augment=True: scales 1, 0.83 (flipped), 0.67, merged before NMS. */
  tta?: boolean;
}

export interface ExplainOptions {
  /** The layer(s) whose activations are explained: `model.N` (default: Detect's inputs model.16, model.19, model.22). */
  layer?: string | string[];
}

export interface Detection {
  /** [x1, y1, x2, y2] in source-image pixels. */
  box: [number, number, number, number];
  score: number;
  classId: number;
  label: string;
}

export interface DetectStats {
  candidates: number;
  nonFinite: number;
  capped: number;
  detections: number;
}

export interface DetectorInfo {
  manifest: WeightsManifest;
  inputSize: [number, number];
  adapter: GPUContext['adapterInfo'];
  features: string[];
  dispatches: number;
  /** Floating-point operations of one forward pass (convolutions and attention; 2 per multiply-add). */
  flops: number;
  /** Cold start, in milliseconds: weights fetched, parsed, device requested, planned (with tuning, if asked), buffers made + uploaded, pipelines compiled. */
  setupMs: { load: number; parse: number; device: number; plan: number; upload: number; compile: number };
  /** The convolution kernel chosen per shape class, and whether it was measured now, cached, or the adapter default. */
  tuning: TuningInfo;
}

export class Detector {
  private queue: Promise<unknown> = Promise.resolve();
  private destroyed = false;
  private lost = false;
  private readonly out0: Readback;
  private readonly dets: Readback;
  private readonly layerRead: Readback;
  private readonly source: SourceUploader;
  private readonly heat: Readback;
  private tta?: Promise<TtaStage>;
  private sliceStage?: Promise<SliceStage>;
  private readonly cams = new Map<string, Promise<CamRunner>>();
  /**
   * What the last `detect()` saw: anchors above `conf` (`candidates`), anchors dropped because the
   * network produced NaN/Inf for them (`nonFinite` — never returned as boxes), candidates beyond the
   * NMS input cap (`capped`), and boxes returned.
   */
  lastStats: DetectStats | undefined;

  private constructor(
    readonly info: DetectorInfo,
    private readonly device: GPUDevice,
    private readonly plan: ModelPlan,
    private readonly ex: Executor,
    private readonly ownsDevice: boolean,
    /** The model planned at another input size (test-time augmentation's scaled passes). */
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
    this.heat = new Readback(device, 'heat map readback');
  }

  static async create(opts: CreateDetectorOptions): Promise<Detector> {
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
    const planWith = (t: ConvTuning) => planModel(file, size, { conv: picker(t, traits), attention: attentionKernel(t, traits), keepAll: opts.debugKeepLayers });
    const pipelines = new PipelineCache(ctx.device);
    let plan = planWith(base);
    let tuning: TuningInfo = { source: opts.convKernel ? 'option' : 'default', tuning: base, byClass: chosenKernels(plan.dispatches) };
    if (opts.tune) {
      const o = typeof opts.tune === 'object' ? opts.tune : {};
      const runtime = typeof navigator !== 'undefined' && navigator.userAgent ? navigator.userAgent : `node ${typeof process !== 'undefined' ? process.version : ''}`;
      tuning = await tune(ctx.device, pipelines, plan.dispatches, traits, base, { adapter: { ...ctx.adapterInfo }, features: ctx.features, runtime, model: m.payload.sha256, inputSize: size }, o);
      plan = planWith(tuning.tuning);
    }
    const t4 = performance.now();
    const ex = await Executor.create(ctx.device, plan.dispatches, plan.arenaElements, plan.weights, plan.post.extraBuffers(), pipelines);
    const setupMs = { load: t1 - t0, parse: t2 - t1, device: t3 - t2, plan: t4 - t3, ...ex.setupMs };
    const info: DetectorInfo = { manifest: m, inputSize: size, adapter: ctx.adapterInfo, features: ctx.features, dispatches: plan.dispatches.length, flops: planFlops(plan.dispatches), setupMs, tuning };
    const finalTuning = tuning.tuning;
    const planAt = (sz: [number, number]) => planModel(file, sz, { conv: picker(finalTuning, traits), attention: attentionKernel(finalTuning, traits), keepAll: opts.debugKeepLayers });
    return new Detector(info, ctx.device, plan, ex, !opts.device, planAt, pipelines);
  }

  private check() {
    if (this.destroyed) throw new DestroyedError();
    if (this.lost) throw new DeviceLostError('the GPU device was lost; create a new detector');
  }

  /** Run calls one at a time, in order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.check();
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Raw network output for an already preprocessed input (1×3×H×W, RGB, 0..1): ONNX's `output0`,
   * (4 + nc) × anchors, row-major.
   */
  forward(input: Float32Array): Promise<Float32Array> {
    return this.serial(async () => {
      this.checkInput(input);
      const { device, ex, plan } = this;
      device.queue.writeBuffer(ex.arena, plan.input.offset * 4, input as Float32Array<ArrayBuffer>);
      plan.post.writeDecodeUniforms(ex, { conf: 1, classes: undefined });
      const bytes = plan.output0.c * plan.output0.w * 4;
      const staging = this.out0.buffer(bytes);
      const enc = device.createCommandEncoder({ label: 'forward' });
      plan.post.encodeResets(enc, ex);
      const pass = enc.beginComputePass({ label: 'forward' });
      ex.encode(pass, ...plan.ranges.network);
      pass.end();
      enc.copyBufferToBuffer(ex.arena, plan.output0.offset * 4, staging, 0, bytes);
      device.queue.submit([enc.finish()]);
      return new Float32Array(await this.out0.read(bytes, () => this.lost));
    });
  }

  /** Detect objects in an image; boxes come back in the image's own pixels. */
  detect(image: ImageInput, opts: DetectOptions = {}): Promise<Detection[]> {
    return this.serial(async () => {
      const { device, ex, plan } = this;
      const o = { conf: opts.conf ?? 0.25, iou: opts.iou ?? 0.7, maxDet: opts.maxDet ?? 300, classes: opts.classes, agnostic: opts.agnostic ?? false };
      validateDetectOptions(o, this.info.manifest.nc, plan.post.maxDet);
      if (opts.tta !== undefined && typeof opts.tta !== 'boolean') throw new InvalidArgumentError(`detect(): tta must be true or false, got ${JSON.stringify(opts.tta)}`);
      if (opts.slice || opts.tta) return this.detectPasses(image, o, opts.slice || undefined, !!opts.tta);
      const src = await this.source.upload(image);
      plan.post.writeDecodeUniforms(ex, o);
      plan.post.writeNmsUniforms(ex, o, { gain: src.gain, padX: src.padX, padY: src.padY, srcW: src.width, srcH: src.height });
      const bytes = plan.post.detectionsBytes;
      const staging = this.dets.buffer(bytes + 16);
      const enc = device.createCommandEncoder({ label: 'detect' });
      plan.post.encodeResets(enc, ex);
      const pass = enc.beginComputePass({ label: 'detect' });
      await this.source.encode(pass, src);
      ex.encode(pass, plan.ranges.network[0], plan.ranges.nms[1]);
      pass.end();
      enc.copyBufferToBuffer(ex.buffers.get(plan.post.detectionsBuffer)!, 0, staging, 0, bytes);
      enc.copyBufferToBuffer(ex.buffers.get('counters')!, 0, staging, bytes, 16);
      device.queue.submit([enc.finish()]);
      const raw = await this.dets.read(bytes + 16, () => this.lost);
      const names = this.info.manifest.names;
      const [tried, nonFinite, capped] = new Uint32Array(raw, bytes, 4);
      const found = plan.post.parseDetections(raw); // reads its count and at most maxDet entries; the counters follow
      this.lastStats = { candidates: tried, nonFinite, capped, detections: found.length };
      return found.map((d): Detection => ({ ...d, label: names[d.classId] ?? String(d.classId) }));
    });
  }

  /** detect() with slicing and/or TTA (src/infer/): stages made on first use, one readback. */
  private async detectPasses(image: ImageInput, o: Required<Omit<DetectOptions, 'classes' | 'slice' | 'tta'>> & { classes?: number[] }, sliceOpt: true | SliceOptions | undefined, tta: boolean): Promise<Detection[]> {
    const { device, plan, ex } = this;
    const slice = sliceOpt ? resolveSlice(sliceOpt, Math.max(...plan.inputSize)) : undefined;
    const src = await this.source.upload(image);
    const passes = slice ? planTiles(src.width, src.height, slice).passes : [{ x: 0, y: 0, w: src.width, h: src.height }];
    const main: PlanRun = { plan, ex };
    const ttaStage = tta ? await (this.tta ??= createTtaStage(device, main, this.planAt, this.pipelines)) : undefined;
    const sliceStage = slice ? await (this.sliceStage ??= createSliceStage(device, plan.post.maxDet, this.pipelines)) : undefined;
    const raw = await runPasses({
      device, source: this.source, src, main, passes, tta: ttaStage, slice: slice && { stage: sliceStage!, options: slice }, o, readback: this.dets, lost: () => this.lost,
    });
    const names = this.info.manifest.names;
    const head = new Float32Array(raw, 0, 4);
    const found = plan.post.parseDetections(raw);
    this.lastStats = { candidates: head[1], nonFinite: head[2], capped: head[3], detections: found.length };
    return found.map((d): Detection => ({ ...d, label: names[d.classId] ?? String(d.classId) }));
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
   * Benchmarks: GPU time of each dispatch of one forward pass on `input` (as `forward()`), from
   * timestamp queries, one compute pass per dispatch. Needs the adapter feature `timestamp-query`.
   */
  profile(input: Float32Array): Promise<KernelTime[]> {
    return this.serial(async () => {
      const { device, ex, plan } = this;
      this.checkInput(input);
      device.queue.writeBuffer(ex.arena, plan.input.offset * 4, input as Float32Array<ArrayBuffer>);
      plan.post.writeDecodeUniforms(ex, { conf: 1, classes: undefined });
      return profileDispatches(device, ex, ...plan.ranges.network, (enc) => plan.post.encodeResets(enc, ex));
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

  /** Debug/parity: a layer's output (`model.N`, `model.23.level{j}`) after the last run. Needs `debugKeepLayers`. */
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
    void this.tta?.then((t) => [t.ex, ...t.scaled.map((x) => x.ex)].forEach((e) => e.destroy()), () => {});
    void this.sliceStage?.then((t) => t.ex.destroy(), () => {});
    for (const c of this.cams.values()) void c.then((r) => r.destroy(), () => {});
    if (this.ownsDevice) this.device.destroy();
  }
}

function validateDetectOptions(o: Required<Omit<DetectOptions, 'classes' | 'slice' | 'tta'>> & { classes?: number[] }, nc: number, maxDetCap: number) {
  const bad = (m: string) => new InvalidArgumentError(`detect(): ${m}`);
  if (!(o.conf >= 0 && o.conf <= 1)) throw bad(`conf ${o.conf} must be in [0, 1]`);
  if (!(o.iou >= 0 && o.iou <= 1)) throw bad(`iou ${o.iou} must be in [0, 1]`);
  if (!Number.isSafeInteger(o.maxDet) || o.maxDet < 1 || o.maxDet > maxDetCap) throw bad(`maxDet ${o.maxDet} must be an integer in 1..${maxDetCap}`);
  if (o.classes && !o.classes.every((c) => Number.isInteger(c) && c >= 0 && c < nc)) throw bad(`classes must be integers in 0..${nc - 1}`);
}

/** Create a detector. See `CreateDetectorOptions`. */
export function createDetector(opts: CreateDetectorOptions): Promise<Detector> {
  return Detector.create(opts);
}
