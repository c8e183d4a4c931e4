/**
 * The public detector's option and info types, and the checks on per-call options.
 */
import { InvalidArgumentError } from './errors.js';
import type { GPUContext } from './gpu/device.js';
import type { LoadProgress, ModelSource } from './model/load.js';
import type { Task } from './model/heads.js';
import type { TuneOptions, TuningInfo } from './tune/index.js';
import type { WeightsManifest } from './weights/weights.js';
import type { SliceOptions } from './infer/tiles.js';

export interface CreateDetectorOptions<T extends Task = Task> {
  /** Weight file: bytes, or a URL fetched with progress. */
  model: ModelSource;
  /**
   * The task you expect the weight file to be for; a file of another task is rejected at load with a
   * TaskMismatchError, and the detector's results are typed for it (`detect()` of a 'segment' model
   * returns boxes with masks). Default: whatever the file says (`detector.task`).
   */
  task?: T;
  /**
   * Your GPUDevice; otherwise one is requested (and destroyed with the detector). Detectors and trainers
   * on one device share its compiled pipelines: a second detector for the same model and input size
   * compiles nothing. A detector never destroys a device it was given.
   */
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
   * kernels per convolution shape) instead of by the adapter's kind. The result is cached per adapter,
   * model and input size (IndexedDB in browsers, ~/.cache/yolo11-webgpu/conv-tuning.json in Node), so
   * the next load costs nothing: `{ cache: false }` measures without caching, `{ cache: path }` picks
   * the Node file, `{ choice }` uses a choice measured before (`info.tuning.byClass`) without
   * measuring. `info.tuning` says what was chosen and how.
   */
  tune?: boolean | TuneOptions;
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
   * Sliced inference (SAHI) for small objects (detect models): overlapping tiles of the full-resolution
   * image, each letterboxed to the input size on the GPU and run, plus the whole image; boxes merged
   * across tiles. `true` takes SAHI's defaults (tiles of the input size, overlap 0.2, greedy merging by IOS ≥ 0.5).
   */
  slice?: boolean | SliceOptions;
  /** Test-time augmentation as Ultralytics' augment=True (detect models): scales 1, 0.83 (flipped), 0.67, merged before NMS. */
  tta?: boolean;
}

export interface ExplainOptions {
  /** The layer(s) whose activations are explained: `model.N` (default: Detect's inputs model.16, model.19, model.22). */
  layer?: string | string[];
}

export interface ClassifyOptions {
  /** How many classes to return, best first (default 5; the class count returns them all). */
  topk?: number;
}

export interface DetectStats {
  candidates: number;
  nonFinite: number;
  capped: number;
  detections: number;
  /** Segment: boxes dropped because their mask was empty (Ultralytics keeps only boxes with a mask). */
  emptyMasks?: number;
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
  /** The convolution kernel chosen per exact convolution shape, and whether it was measured now, cached, or the adapter default. */
  tuning: TuningInfo;
}

export function validateDetectOptions(o: Required<Omit<DetectOptions, 'classes' | 'slice' | 'tta'>> & { classes?: number[] }, nc: number, maxDetCap: number) {
  const bad = (m: string) => new InvalidArgumentError(`detect(): ${m}`);
  if (!(o.conf >= 0 && o.conf <= 1)) throw bad(`conf ${o.conf} must be in [0, 1]`);
  if (!(o.iou >= 0 && o.iou <= 1)) throw bad(`iou ${o.iou} must be in [0, 1]`);
  if (!Number.isSafeInteger(o.maxDet) || o.maxDet < 1 || o.maxDet > maxDetCap) throw bad(`maxDet ${o.maxDet} must be an integer in 1..${maxDetCap}`);
  if (o.classes && !o.classes.every((c) => Number.isInteger(c) && c >= 0 && c < nc)) throw bad(`classes must be integers in 0..${nc - 1}`);
}

/** top-k of a probability vector, best first; ties keep the lower class id first (a stable sort). */
export function topK(probs: Float32Array, k: number, names: string[]): { classId: number; label: string; score: number }[] {
  if (!Number.isSafeInteger(k) || k < 1) throw new InvalidArgumentError(`classify(): topk ${k} must be a positive integer`);
  const ids = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b).slice(0, k);
  return ids.map((i) => ({ classId: i, label: names[i] ?? String(i), score: probs[i] }));
}
