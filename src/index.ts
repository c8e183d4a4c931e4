/**
 * yolo11-webgpu: Ultralytics YOLO11 models on WebGPU, in browsers and in Node (Dawn): detect,
 * segment (boxes with masks), pose (boxes with keypoints) and classify.
 *
 *   const detector = await createDetector({ model: '/weights/yolo11n-fracture.y11w' });
 *   const boxes = await detector.detect(imageBitmap, { conf: 0.25 });
 *   const top5 = await classifier.classify(imageBitmap);   // a classify model
 */
export { createDetector, Detector } from './detector.js';
export type { ClassifyOptions, CreateDetectorOptions, DetectOptions, DetectorInfo, DetectStats, ExplainOptions } from './detector.js';
export type { Classification, Detection, DetectionOf, InstanceMask, Keypoint, PoseDetection, SegmentDetection, Task } from './results.js';
export { maskAt, maskToAlpha, maskToRle } from './results.js';
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
export { createTrainer, Trainer } from './train/trainer.js';
export type { CreateTrainerOptions, FitOptions, TrainSample, SampleSource, TrainProgress, EpochResult } from './train/trainer.js';
export type { ValMetrics } from './train/validate.js';
export type { AugmentConfig, YoloBox } from './train/augment.js';
export * from './errors.js';
