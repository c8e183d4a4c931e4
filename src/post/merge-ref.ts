/**
 * Plain-TS reference of how sliced predictions are combined, transcribed from SAHI
 * (sahi/postprocess/combine.py, _numpy_backend.py, utils.py), in f64: the test reference of
 * shaders/nms-merge.wgsl.
 *
 *   greedy NMM (GreedyNMMPostprocess): walking boxes by score, each box not yet taken is kept and
 *     takes every later untaken box of its class whose metric with it (the original boxes) is ≥ t;
 *     then, in score order, each taken box whose metric with the keeper's box *as merged so far* is
 *     > t (has_match) is merged into it: the union box, the higher score, the category of the higher
 *     score (the later box's on a tie);
 *   NMS (NMSPostprocess): the same walk, the taken boxes dropped.
 * The metric is IOS (intersection over the smaller area) or IOU; a zero denominator counts as 0
 * (SAHI's _safe_ratio). Score ties are broken by input order (SAHI's newest code breaks them by
 * coordinates; inputs here come in tile order, and the GPU breaks ties the same way as this).
 */
import type { MatchMetric, MergeMethod } from '../infer/tiles.js';

export interface MergeBox {
  box: [number, number, number, number];
  score: number;
  classId: number;
}

export interface MergeParams {
  method: MergeMethod;
  metric: MatchMetric;
  threshold: number;
  /** Match boxes of different classes too (SAHI's postprocess_class_agnostic). */
  agnostic: boolean;
  /** Keep at most this many (the highest-scored). */
  maxDet: number;
}

const area = (b: MergeBox['box']) => (b[2] - b[0]) * (b[3] - b[1]);

export function matchMetric(a: MergeBox['box'], b: MergeBox['box'], metric: MatchMetric): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const den = metric === 'ios' ? Math.min(area(a), area(b)) : area(a) + area(b) - inter;
  return den > 0 ? inter / den : 0;
}

export function mergeRef(boxes: readonly MergeBox[], p: MergeParams): MergeBox[] {
  const order = boxes.map((_, i) => i).sort((i, j) => boxes[j].score - boxes[i].score || i - j);
  const taken = new Uint8Array(boxes.length);
  const out: MergeBox[] = [];
  for (let r = 0; r < order.length && out.length < p.maxDet; r++) {
    const k = order[r];
    if (taken[k]) continue;
    const keep = boxes[k];
    const merged: MergeBox = { box: [...keep.box], score: keep.score, classId: keep.classId };
    const group: number[] = [];
    for (let q = r + 1; q < order.length; q++) {
      const j = order[q];
      if (taken[j] || (!p.agnostic && boxes[j].classId !== keep.classId)) continue;
      if (matchMetric(keep.box, boxes[j].box, p.metric) >= p.threshold) {
        taken[j] = 1;
        group.push(j);
      }
    }
    if (p.method === 'nmm') {
      for (const j of group) {
        const b = boxes[j];
        if (!(matchMetric(merged.box, b.box, p.metric) > p.threshold)) continue;
        merged.box = [Math.min(merged.box[0], b.box[0]), Math.min(merged.box[1], b.box[1]), Math.max(merged.box[2], b.box[2]), Math.max(merged.box[3], b.box[3])];
        merged.classId = merged.score > b.score ? merged.classId : b.classId;
        merged.score = Math.max(merged.score, b.score);
      }
    }
    out.push(merged);
  }
  return out;
}
