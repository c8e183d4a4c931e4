/**
 * One detect() call with slicing and/or test-time augmentation, on the GPU: the image was uploaded
 * once; each pass (a tile, or the whole image) is letterboxed from it, run, and its boxes gathered;
 * one submit per pass (the per-pass uniforms — letterbox crop, box mapping — are queue writes, which
 * WebGPU orders with the submits), one readback at the end.
 */
import type { Executor } from '../plan/executor.js';
import type { Rect, SourceGeometry, SourceUploader, UploadedSource } from '../image/source.js';
import { nmsUniforms } from '../ops/nms.js';
import { gatherUniforms, mergeNames, mergeUniforms } from '../ops/merge.js';
import type { Readback } from '../gpu/readback.js';
import type { PlanRun, SliceStage, TtaStage } from './stages.js';
import type { ResolvedSlice } from './tiles.js';

export interface CallOptions {
  conf: number;
  iou: number;
  maxDet: number;
  classes?: number[];
  agnostic: boolean;
}

export interface PassesJob {
  device: GPUDevice;
  source: SourceUploader;
  src: UploadedSource;
  main: PlanRun;
  /** The passes: tiles (+ the whole image), or just the whole image. */
  passes: Rect[];
  tta?: TtaStage;
  slice?: { stage: SliceStage; options: ResolvedSlice };
  o: CallOptions;
  readback: Readback;
  lost: () => boolean;
}

/** Run every pass and read back the final detections buffer (detections layout, see src/ops/nms.ts). */
export async function runPasses(j: PassesJob): Promise<ArrayBuffer> {
  const { device, main, tta, slice, o } = j;
  const runs = tta ? [main, ...tta.scaled] : [main];
  for (const r of runs) r.plan.post!.writeDecodeUniforms(r.ex, o);
  const dets = tta ? tta.ex.buffers.get(mergeNames('t').detections)! : main.ex.buffers.get(main.plan.post!.detectionsBuffer)!;
  const detBytes = main.plan.post!.detectionsBytes;
  j.passes.forEach((rect, k) => {
    const g = j.source.aim(j.src.kind, j.src.width, rect);
    writeNms(main, tta, o, g);
    if (slice) slice.stage.ex.writeUniforms(0, gatherUniforms(slice.stage.gather, { idxOff: k * slice.stage.perPass, offX: rect.x, offY: rect.y }));
    const enc = device.createCommandEncoder({ label: `detect pass ${k}` });
    if (k === 0 && slice) enc.clearBuffer(slice.stage.ex.buffers.get(mergeNames('m').counters)!);
    for (const r of runs) r.plan.post!.encodeResets(enc, r.ex);
    if (tta) enc.clearBuffer(tta.ex.buffers.get(mergeNames('t').counters)!);
    const pass = enc.beginComputePass({ label: `pass ${k}` });
    j.source.encodeReady(pass, j.src);
    encodeNetwork(pass, main, tta);
    pass.end();
    if (slice) {
      enc.copyBufferToBuffer(dets, 0, slice.stage.ex.buffers.get('tiledet')!, 0, detBytes);
      const p2 = enc.beginComputePass({ label: `gather ${k}` });
      slice.stage.ex.encode(p2, 0, 1);
      p2.end();
    }
    device.queue.submit([enc.finish()]);
  });
  const staging = j.readback.buffer(detBytes);
  const enc = device.createCommandEncoder({ label: 'detect result' });
  if (slice) {
    const s = slice.options;
    slice.stage.ex.writeUniforms(2, mergeUniforms(slice.stage.capacity, { method: s.merge, metric: s.matchMetric, threshold: s.matchThreshold, agnostic: o.agnostic, maxDet: o.maxDet }));
    const pass = enc.beginComputePass({ label: 'merge' });
    slice.stage.ex.encode(pass, 1, 3);
    pass.end();
    enc.copyBufferToBuffer(slice.stage.ex.buffers.get(mergeNames('m').detections)!, 0, staging, 0, detBytes);
  } else {
    enc.copyBufferToBuffer(dets, 0, staging, 0, detBytes);
  }
  device.queue.submit([enc.finish()]);
  return j.readback.read(detBytes, j.lost);
}

/** The NMS that maps one pass's boxes back to its source rectangle: the plan's own, or TTA's over the merged passes. */
function writeNms(main: PlanRun, tta: TtaStage | undefined, o: CallOptions, g: SourceGeometry) {
  const geo = { gain: g.gain, padX: g.padX, padY: g.padY, srcW: g.width, srcH: g.height };
  if (!tta) {
    main.plan.post!.writeNmsUniforms(main.ex, o, geo);
    return;
  }
  tta.ex.writeUniforms(tta.post[1] - 1, nmsUniforms(tta.capacity, { ...geo, iou: o.iou, maxDet: o.maxDet, agnostic: o.agnostic }, main.plan.post!.maxDet));
}

/** The letterboxed pass through the network: decode + NMS; with TTA the scaled passes, the gathers and one NMS. */
function encodeNetwork(pass: GPUComputePassEncoder, main: PlanRun, tta?: TtaStage) {
  const r = main.plan.ranges;
  if (!tta) {
    main.ex.encode(pass, r.network[0], r.nms[1]);
    return;
  }
  main.ex.encode(pass, ...r.network);
  tta.scaled.forEach((x, k) => {
    tta.ex.encode(pass, ...tta.scale[k]);
    x.ex.encode(pass, ...x.plan.ranges.network);
  });
  tta.ex.encode(pass, ...tta.post);
}
