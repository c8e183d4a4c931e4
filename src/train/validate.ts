/**
 * Validation during training, scored as `yolo11-webgpu eval` scores (src/eval/metrics.ts: Ultralytics
 * AP, P/R at the best smoothed F1, image-level AUC when the set has images without boxes): the head
 * outputs of the EMA weights (or the trained weights without EMA) are decoded and NMS'd on the CPU by
 * the runtime's TypeScript references (src/post/: Ultralytics' decode and non_max_suppression
 * transcribed; conf 0.001, IoU 0.7, max_det 300), boxes mapped back to the source image.
 * Fitness is Ultralytics': 0.1 · mAP50 + 0.9 · mAP50-95.
 */
import { decodeRef } from '../post/decode-ref.js';
import { postprocessRef } from '../post/nms-ref.js';
import { apPerClass, imageMetrics, matchPredictions, type Box } from '../eval/metrics.js';
import type { HeadLevel } from './loss.js';
import type { YoloBox } from './augment.js';

export interface ValMetrics {
  images: number;
  instances: number;
  precision: number;
  recall: number;
  map50: number;
  map50_95: number;
  /** Image-level ROC AUC (max box score per image), NaN without images both with and without boxes. */
  auc: number;
  fitness: number;
}

export const VAL_NMS = { conf: 0.001, iou: 0.7, maxDet: 300 };

/** Accumulates one image at a time. */
export class ValAccumulator {
  private readonly tp: boolean[][] = [];
  private readonly conf: number[] = [];
  private readonly predCls: number[] = [];
  private readonly targetCls: number[] = [];
  private readonly scores: number[] = [];
  private readonly positive: boolean[] = [];

  constructor(private readonly nc: number) {}

  /** `gain`/`pad`: the letterbox of the source image (width × height) into the network input. */
  add(levels: HeadLevel[], boxes: readonly YoloBox[], width: number, height: number, gain: number, pad: [number, number]) {
    const out0 = decodeRef(levels, this.nc);
    const dets = postprocessRef(out0, this.nc, VAL_NMS, { gain, padX: pad[0], padY: pad[1], srcW: width, srcH: height }).filter((d) => d.score > VAL_NMS.conf);
    const labels = boxes.map((b) => ({ cls: b.cls, box: [(b.cx - b.w / 2) * width, (b.cy - b.h / 2) * height, (b.cx + b.w / 2) * width, (b.cy + b.h / 2) * height] as Box }));
    const preds = dets.map((d) => ({ cls: d.classId, box: d.box as Box, score: d.score }));
    this.tp.push(...matchPredictions(preds, labels));
    this.conf.push(...preds.map((p) => p.score));
    this.predCls.push(...preds.map((p) => p.cls));
    this.targetCls.push(...labels.map((l) => l.cls));
    this.scores.push(preds.reduce((m, p) => Math.max(m, p.score), 0));
    this.positive.push(labels.length > 0);
  }

  result(): ValMetrics {
    const b = apPerClass(this.tp, this.conf, this.predCls, this.targetCls);
    const both = this.positive.some(Boolean) && this.positive.some((p) => !p);
    return {
      images: this.positive.length, instances: this.targetCls.length, precision: b.precision, recall: b.recall,
      map50: b.map50, map50_95: b.map50_95, auc: both ? imageMetrics(this.scores, this.positive).auc : NaN,
      fitness: 0.1 * b.map50 + 0.9 * b.map50_95,
    };
  }
}
