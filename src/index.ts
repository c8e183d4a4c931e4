/**
 * yolo11-webgpu: Ultralytics YOLO11 detectors on WebGPU, in browsers and in Node (Dawn).
 *
 *   const detector = await createDetector({ model: '/weights/yolo11n-fracture.y11w' });
 *   const boxes = await detector.detect(imageBitmap, { conf: 0.25 });
 */
export { createDetector, Detector } from './detector.js';
export type { CreateDetectorOptions, DetectOptions, Detection, DetectorInfo, DetectStats, ExplainOptions } from './detector.js';
export type { SliceOptions, MergeMethod, MatchMetric } from './infer/tiles.js';
export type { PassCost } from './infer/cost.js';
export type { Heatmap } from './explain/run.js';
export { heatSummary, peakInBox, type HeatSummary } from './explain/summary.js';
export type { ImageInput, RawImage } from './image/source.js';
export type { KernelTime } from './gpu/profiler.js';
export type { LoadProgress, ModelSource } from './model/load.js';
export { readWeights, writeWeights, parameterCount } from './weights/weights.js';
export type { WeightsManifest, WeightsFile, WeightsFields } from './weights/weights.js';
export { requestGPUContext } from './gpu/device.js';
export * from './errors.js';
