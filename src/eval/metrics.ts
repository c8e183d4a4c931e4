/**
 * Detection metrics exactly as Ultralytics computes them (ultralytics/utils/metrics.py ap_per_class,
 * compute_ap, smooth; engine/validator.py match_predictions), and image-level metrics for clinicians
 * (ROC AUC, sensitivity, specificity, PPV, NPV, Youden's J).
 */

export const IOUV = Array.from({ length: 10 }, (_, i) => 0.5 + 0.05 * i);

export type Box = [number, number, number, number];

export function boxIou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-7);
}

/** BaseValidator.match_predictions: correct[pred][iouIndex], greedy by IoU, one label per prediction. */
export function matchPredictions(preds: { box: Box; cls: number }[], labels: { box: Box; cls: number }[]): boolean[][] {
  const correct = preds.map(() => IOUV.map(() => false));
  if (!preds.length || !labels.length) return correct;
  const iou = labels.map((l) => preds.map((p) => (p.cls === l.cls ? boxIou(l.box, p.box) : 0)));
  IOUV.forEach((t, ti) => {
    let m: [number, number][] = [];
    labels.forEach((_, li) => preds.forEach((_, pi) => {
      if (iou[li][pi] >= t) m.push([li, pi]);
    }));
    if (m.length > 1) {
      m.sort((a, b) => iou[b[0]][b[1]] - iou[a[0]][a[1]]); // stable, as numpy argsort()[::-1] of ties reversed is immaterial here
      const firstBy = (k: 0 | 1) => {
        const seen = new Set<number>();
        const keep = m.filter((x) => !seen.has(x[k]) && (seen.add(x[k]), true));
        return keep.sort((a, b) => a[k] - b[k]); // np.unique(..., return_index) orders by value
      };
      m = firstBy(1);
      m = firstBy(0);
    }
    for (const [, pi] of m) correct[pi][ti] = true;
  });
  return correct;
}

/** np.interp for increasing xp. */
function interp(x: number, xp: number[], fp: number[], left = fp[0], right = fp[fp.length - 1]): number {
  if (!xp.length) return left;
  if (x < xp[0]) return left;
  if (x > xp[xp.length - 1]) return right;
  let lo = 0;
  let hi = xp.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (xp[hi] === xp[lo]) return fp[hi];
  if (x === xp[hi]) return fp[hi];
  return fp[lo] + ((fp[hi] - fp[lo]) * (x - xp[lo])) / (xp[hi] - xp[lo]);
}

/** compute_ap: 101-point interpolated AP over the precision envelope. */
export function computeAp(recall: number[], precision: number[]): number {
  const mrec = [0, ...recall, 1];
  const mpre = [1, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  const xs = Array.from({ length: 101 }, (_, i) => i / 100);
  const ys = xs.map((x) => interp(x, mrec, mpre));
  let ap = 0;
  for (let i = 1; i < xs.length; i++) ap += ((ys[i] + ys[i - 1]) / 2) * (xs[i] - xs[i - 1]);
  return ap;
}

/** smooth(y, f): box filter of width round(len·f·2)/2·… as Ultralytics. */
export function smooth(y: number[], f = 0.05): number[] {
  const nf = Math.floor(Math.round(y.length * f * 2) / 2) + 1;
  const half = Math.floor(nf / 2);
  const yp = [...Array(half).fill(y[0]), ...y, ...Array(half).fill(y[y.length - 1])];
  return y.map((_, i) => {
    let s = 0;
    for (let k = 0; k < nf; k++) s += yp[i + k];
    return s / nf;
  });
}

export interface BoxMetrics {
  precision: number;
  recall: number;
  f1: number;
  map50: number;
  map50_95: number;
  /** Confidence at which P, R, F1 are reported (max smoothed mean F1). */
  conf: number;
  /** Curves over px = linspace(0, 1, 1000) of confidence: mean over classes. */
  curves: { px: number[]; p: number[]; r: number[]; f1: number[]; prRecall: number[]; prPrecision: number[] };
}

/** ap_per_class over all predictions: tp[i][iou], conf[i], predCls[i]; targetCls = every label's class. */
export function apPerClass(tp: boolean[][], conf: number[], predCls: number[], targetCls: number[], eps = 1e-16): BoxMetrics {
  const order = conf.map((_, i) => i).sort((a, b) => conf[b] - conf[a]);
  const classes = [...new Set(targetCls)].sort((a, b) => a - b);
  const px = Array.from({ length: 1000 }, (_, i) => i / 999);
  const P: number[][] = [];
  const R: number[][] = [];
  const AP: number[][] = [];
  let prRecall: number[] = [];
  let prPrecision: number[] = [];
  for (const c of classes) {
    const idx = order.filter((i) => predCls[i] === c);
    const nl = targetCls.filter((t) => t === c).length;
    if (!idx.length || !nl) {
      P.push(px.map(() => 0));
      R.push(px.map(() => 0));
      AP.push(IOUV.map(() => 0));
      continue;
    }
    const confs = idx.map((i) => conf[i]);
    const rec: number[][] = IOUV.map(() => []);
    const pre: number[][] = IOUV.map(() => []);
    IOUV.forEach((_, j) => {
      let t = 0;
      let f = 0;
      for (const i of idx) {
        if (tp[i][j]) t++;
        else f++;
        rec[j].push(t / (nl + eps));
        pre[j].push(t / (t + f));
      }
    });
    // np.interp(-px, -conf, …) with conf decreasing: x increasing.
    const negConf = confs.map((v) => -v);
    R.push(px.map((x) => interp(-x, negConf, rec[0], 0)));
    P.push(px.map((x) => interp(-x, negConf, pre[0], 1)));
    AP.push(IOUV.map((_, j) => computeAp(rec[j], pre[j])));
    if (!prRecall.length) {
      prRecall = rec[0];
      prPrecision = pre[0];
    }
  }
  const nc = classes.length || 1;
  const mean = (rows: number[][], k: number) => rows.reduce((s, r) => s + r[k], 0) / nc;
  const p = px.map((_, k) => mean(P, k));
  const r = px.map((_, k) => mean(R, k));
  const f1 = px.map((_, k) => {
    const per = P.map((pp, ci) => (2 * pp[k] * R[ci][k]) / (pp[k] + R[ci][k] + eps));
    return per.reduce((a, b) => a + b, 0) / nc;
  });
  const sm = smooth(f1, 0.1);
  let best = 0;
  sm.forEach((v, i) => {
    if (v > sm[best]) best = i;
  });
  return {
    precision: p[best], recall: r[best], f1: f1[best], conf: px[best],
    map50: AP.reduce((s, a) => s + a[0], 0) / nc,
    map50_95: AP.reduce((s, a) => s + a.reduce((x, y) => x + y, 0) / a.length, 0) / nc,
    curves: { px, p, r, f1, prRecall, prPrecision },
  };
}

export interface ImageMetrics {
  auc: number;
  youden: { threshold: number; sensitivity: number; specificity: number; ppv: number; npv: number; j: number };
  at: (threshold: number) => { threshold: number; sensitivity: number; specificity: number; ppv: number; npv: number; j: number };
  roc: { fpr: number[]; tpr: number[] };
}

/** Image-level: score = the image's highest box confidence (0 without boxes); positive = has a fracture label. */
export function imageMetrics(scores: number[], positive: boolean[]): ImageMetrics {
  const pos = scores.filter((_, i) => positive[i]);
  const neg = scores.filter((_, i) => !positive[i]);
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
  const auc = pos.length && neg.length ? wins / (pos.length * neg.length) : NaN;
  const at = (t: number) => {
    const tp = pos.filter((s) => s >= t).length;
    const fn = pos.length - tp;
    const tn = neg.filter((s) => s < t).length;
    const fp = neg.length - tn;
    const sensitivity = tp / (tp + fn || 1);
    const specificity = tn / (tn + fp || 1);
    return { threshold: t, sensitivity, specificity, ppv: tp / (tp + fp || 1), npv: tn / (tn + fn || 1), j: sensitivity + specificity - 1 };
  };
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let youden = at(Infinity);
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  for (const t of thresholds) {
    const m = at(t);
    fpr.push(1 - m.specificity);
    tpr.push(m.sensitivity);
    if (m.j > youden.j) youden = m;
  }
  return { auc, youden, at, roc: { fpr, tpr } };
}
