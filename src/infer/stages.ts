/**
 * The GPU stages behind `detect(image, { slice, tta })`, made on first use:
 *
 *   TtaStage   Ultralytics augment=True: two more plans (the same weights at the scaled input sizes,
 *              e.g. 544 and 448 for 640), scale-img dispatches that make their inputs from the main
 *              plan's letterboxed input, and a merge set 't' into which the three passes' decoded
 *              candidates are gathered de-augmented (box-gather.wgsl), then torchvision-style NMS
 *              (nms-rank + nms-greedy) → 'tdet', boxes in the (tile's) source pixels.
 *   SliceStage a merge set 'm' for the passes of one image (SAHI tiles + the whole image): each pass's
 *              kept boxes are copied to 'tiledet', gathered shifted by the tile's origin, and finally
 *              merged (nms-rank + nms-merge: greedy NMM or NMS, IOS or IOU) → 'mdet'.
 */
import { Executor } from '../plan/executor.js';
import type { ModelPlan } from '../plan/model-plan.js';
import type { PipelineCache } from '../gpu/pipelines.js';
import { STRIDES } from '../model/spec.js';
import { COUNTERS_BYTES, candidatesBytes } from '../ops/decode.js';
import { detectionsBytes, orderBytes, planNms } from '../ops/nms.js';
import { mergeBuffers, mergeNames, planGather, planMerge, type GatherCall, type GatherParams } from '../ops/merge.js';
import { TTA_FLIPS, TTA_SCALES, planScaleImg, scaledSize } from '../ops/scale-img.js';
import type { Dispatch } from '../ops/types.js';
import { MAX_TILES } from './tiles.js';

export interface PlanRun {
  plan: ModelPlan;
  ex: Executor;
}

/** Anchors per pyramid level (strides 8, 16, 32) of an H × W input. */
const levelAnchors = (size: [number, number]) => STRIDES.map((s) => (size[0] / s) * (size[1] / s));

export interface TtaStage {
  /** The scaled passes (0.83 flipped, 0.67), each with its own plan and executor. */
  scaled: PlanRun[];
  ex: Executor;
  /** Dispatch index ranges in `ex`: [scale 1, scale 2) before each plan, then gathers + NMS. */
  scale: [number, number][];
  post: [number, number];
  capacity: number;
}

/** Build the TTA stage on top of the main plan; `planAt` plans the model at another input size. */
export async function createTtaStage(device: GPUDevice, main: PlanRun, planAt: (size: [number, number]) => ModelPlan, cache: PipelineCache): Promise<TtaStage> {
  const size = main.plan.inputSize;
  const scaled: PlanRun[] = [];
  for (const r of TTA_SCALES.slice(1)) {
    const plan = planAt(scaledSize(size, r).padded);
    scaled.push({ plan, ex: await Executor.create(device, plan.dispatches, plan.arenaElements, plan.weights, plan.post!.extraBuffers(), cache) });
  }
  const runs = [main, ...scaled];
  const capacity = runs.reduce((s, x) => s + x.plan.anchors, 0);
  const dispatches: Dispatch[] = scaled.map((x, k) => planScaleImg({
    label: `tta.scale${k + 1}`, input: main.plan.input, output: x.plan.input, ratio: TTA_SCALES[k + 1], flip: TTA_FLIPS[k + 1], src: 'arena0', dst: `arena${k + 1}`,
  }));
  // _clip_augmented: scale 1 loses its largest-object level (stride 32), the smallest scale its stride-8 level.
  const l0 = levelAnchors(size);
  const l2 = levelAnchors(scaled[1].plan.inputSize);
  const ranges = [[0, main.plan.anchors - l0[2]], [0, scaled[0].plan.anchors], [l2[0], scaled[1].plan.anchors]];
  let idx = 0;
  runs.forEach((x, k) => {
    const [lo, hi] = ranges[k];
    const call: GatherCall = { lo, hi, idxOff: idx, scale: 1 / TTA_SCALES[k], flipW: TTA_FLIPS[k] ? size[1] : undefined };
    dispatches.push(planGather(ttaGather(k, x.plan.anchors, capacity), call));
    idx += hi - lo;
  });
  const t = mergeNames('t');
  dispatches.push(...planNms('tta.nms', capacity, main.plan.post!.maxDet).map((d) => ({ ...d, buffers: { ...d.buffers, ...t } })));
  const external: Record<string, GPUBuffer> = {};
  runs.forEach((x, k) => {
    external[`arena${k}`] = x.ex.arena;
    external[`cand${k}`] = x.ex.buffers.get('candidates')!;
    external[`count${k}`] = x.ex.buffers.get('counters')!;
  });
  const extra = {
    [t.candidates]: { bytes: candidatesBytes(capacity) }, [t.counters]: { bytes: COUNTERS_BYTES },
    [t.order]: { bytes: orderBytes(capacity) }, [t.detections]: { bytes: detectionsBytes(main.plan.post!.maxDet) },
  };
  const ex = await Executor.create(device, dispatches, 0, new Float32Array(0), extra, cache, external);
  return { scaled, ex, scale: [[0, 1], [1, 2]], post: [2, dispatches.length], capacity };
}

const ttaGather = (k: number, anchors: number, capacity: number): GatherParams => ({
  label: `tta.gather${k}`, source: { kind: 'candidates', buffer: `cand${k}`, counters: `count${k}`, capacity: anchors }, into: 't', capacity,
});

export interface SliceStage {
  ex: Executor;
  gather: GatherParams;
  capacity: number;
  /** Each pass's detections go to merged indices pass · perPass + position. */
  perPass: number;
}

export async function createSliceStage(device: GPUDevice, maxDet: number, cache: PipelineCache): Promise<SliceStage> {
  const capacity = (MAX_TILES + 1) * maxDet;
  const gather: GatherParams = { label: 'slice.gather', source: { kind: 'detections', buffer: 'tiledet', capacity: maxDet }, into: 'm', capacity, byPos: true };
  const dispatches = [planGather(gather), ...planMerge('slice', 'm', capacity, { method: 'nmm', metric: 'ios', threshold: 0.5, agnostic: false, maxDet })];
  const extra = { tiledet: { bytes: detectionsBytes(maxDet) }, ...mergeBuffers('m', capacity, maxDet) };
  const ex = await Executor.create(device, dispatches, 0, new Float32Array(0), extra, cache);
  return { ex, gather, capacity, perPass: maxDet };
}
