/**
 * Matching two runtimes' detections of the same image: each reference box is paired one-to-one with
 * the other runtime's unused box of the same class with the highest IoU, if that IoU ≥ `minIou`.
 */
export interface MatchBox {
  box: readonly number[];
  score: number;
  classId: number;
}

export interface MatchResult {
  reference: number;
  other: number;
  matched: number;
  /** |score difference| of each matched pair. */
  scoreDiffs: number[];
  /** IoU of each matched pair. */
  ious: number[];
}

export function iou(a: readonly number[], b: readonly number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

export function matchDetections(reference: readonly MatchBox[], other: readonly MatchBox[], minIou = 0.9): MatchResult {
  const used = new Set<number>();
  const r: MatchResult = { reference: reference.length, other: other.length, matched: 0, scoreDiffs: [], ious: [] };
  for (const ref of [...reference].sort((p, q) => q.score - p.score)) {
    let best = -1;
    let bestIou = minIou;
    other.forEach((o, j) => {
      if (used.has(j) || o.classId !== ref.classId) return;
      const v = iou(ref.box, o.box);
      if (v >= bestIou) [best, bestIou] = [j, v];
    });
    if (best < 0) continue;
    used.add(best);
    r.matched++;
    r.scoreDiffs.push(Math.abs(ref.score - other[best].score));
    r.ious.push(bestIou);
  }
  return r;
}
