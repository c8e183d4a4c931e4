/**
 * Metrics beyond Ultralytics' for the "thorough" settings: box recall at a confidence threshold, and
 * the same figures for small boxes only (ground truth under a fraction of the image area, 1 % by
 * default), scored COCO-style for an area range: a prediction matched (IoU ≥ 0.5, Ultralytics'
 * matching) to a larger ground-truth box is ignored, and so is an unmatched prediction that is not
 * small itself; classes are pooled (FracAtlas has one).
 */
import { boxIou, computeAp, type Box } from './metrics.js';

type Pred = { box: Box; cls: number; score: number };
type Label = { box: Box; cls: number };

/** Ultralytics' one-to-one matching at IoU ≥ 0.5 (pairs by IoU, best first): the label index of each prediction, or −1. */
export function matchAt50(preds: Pred[], labels: Label[]): number[] {
  const pairs: [number, number, number][] = [];
  labels.forEach((l, li) => preds.forEach((p, pi) => {
    const v = p.cls === l.cls ? boxIou(l.box, p.box) : 0;
    if (v >= 0.5) pairs.push([v, li, pi]);
  }));
  pairs.sort((a, b) => b[0] - a[0]);
  const byPred = preds.map(() => -1);
  const used = new Set<number>();
  for (const [, li, pi] of pairs) {
    if (byPred[pi] >= 0 || used.has(li)) continue;
    byPred[pi] = li;
    used.add(li);
  }
  return byPred;
}

const area = (b: Box) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

export class SmallBoxes {
  private readonly scored: { score: number; tp: boolean }[] = [];
  small = 0;
  total = 0;
  constructor(readonly fraction: number) {}

  /** One image's predictions and labels (pixels), and its size. */
  add(preds: Pred[], labels: Label[], width: number, height: number) {
    const limit = this.fraction * width * height;
    const isSmall = labels.map((l) => area(l.box) < limit);
    this.small += isSmall.filter(Boolean).length;
    this.total += labels.length;
    const m = matchAt50(preds, labels);
    preds.forEach((p, i) => {
      if (m[i] >= 0) {
        if (isSmall[m[i]]) this.scored.push({ score: p.score, tp: true });
      } else if (area(p.box) < limit) {
        this.scored.push({ score: p.score, tp: false });
      }
    });
  }

  /** AP at IoU 0.5 and recall at `threshold` (score > threshold) over the small boxes. */
  result(threshold: number) {
    const s = [...this.scored].sort((a, b) => b.score - a.score);
    let tp = 0;
    const recall: number[] = [];
    const precision: number[] = [];
    s.forEach((x, i) => {
      tp += x.tp ? 1 : 0;
      recall.push(tp / Math.max(this.small, 1));
      precision.push(tp / (i + 1));
    });
    const hits = s.filter((x) => x.tp && x.score > threshold).length;
    return { boxes: this.small, share: this.total ? this.small / this.total : 0, ap50: this.small && s.length ? computeAp(recall, precision) : 0, recallAtThreshold: this.small ? hits / this.small : 0 };
  }
}

/** Box recall at a threshold from Ultralytics' tp matrix (column 0: IoU 0.5) and the prediction scores. */
export function recallAt(tp: boolean[][], conf: number[], nLabels: number, threshold: number): number {
  let hits = 0;
  tp.forEach((row, i) => (hits += row[0] && conf[i] > threshold ? 1 : 0));
  return nLabels ? hits / nLabels : 0;
}
