/**
 * The YOLO11 detection loss, Ultralytics' v8DetectionLoss (ultralytics/utils/loss.py, 8.3), on the
 * CPU in f64, with its gradient with respect to the raw head outputs.
 *
 * Why the CPU: with nc = 1 and 8,400 anchors at 640 (2,100 at 320) the loss is a few hundred
 * thousand scalar operations per image, dominated by the assigner's data-dependent top-k and
 * conflict resolution — branchy, serial work that suits TypeScript. Each image's head outputs are
 * read back (65 × 2,100 floats at 320, 0.5 MB) and the gradient is written back; the cost is
 * measured and reported by the trainer (`lossMs`).
 *
 * Per image (anchors a over levels 0..2, row-major; channels side·16 + bin, then the class logits):
 *   DFL decode:  p = softmax over 16 bins per side, E = Σ bin·p, box = anchor ∓ E (grid units)
 *   assign:      TaskAlignedAssigner on sigmoid scores and box·stride (assigner.ts)
 *   cls:         Σ_a,c BCEWithLogits(x, t), t = the assigned score on the label channel of positives
 *   box:         Σ_fg (1 − CIoU(box, target/stride)) · t
 *   dfl:         Σ_fg mean over sides of [CE(logits, ⌊d⌋)·wl + CE(logits, ⌊d⌋+1)·wr] · t,
 *                d = the target's side distance clamped to [0, 14.99], wl = ⌊d⌋ + 1 − d, wr = 1 − wl
 * Batch: each term is divided by max(Σ_batch t, 1), multiplied by its gain (box 7.5, cls 0.5,
 * dfl 1.5) and the total by the batch size (`loss.sum() * batch_size`). The per-image results here
 * carry the gains but not the batch normaliser, which `batchLoss` supplies: the gradient of image i
 * is `gradScale · grad_i`, so the backward pass can run image by image.
 */
import { REG_MAX, STRIDES } from '../model/spec.js';
import { assign, TAL_DEFAULTS, type AssignerOptions, type Assignment, type GtBox } from './assigner.js';
import { ciou, type Xyxy } from './ciou.js';

export interface HeadLevel {
  /** (4·16 + nc) × h × w, NCHW. */
  data: Float32Array;
  h: number;
  w: number;
}

export interface LossGains {
  box: number;
  cls: number;
  dfl: number;
}

export const LOSS_GAINS: LossGains = { box: 7.5, cls: 0.5, dfl: 1.5 };

export interface ImageLoss {
  /** [box, cls, dfl], each gain · Σ over this image (not yet divided by the batch's target-score sum). */
  sums: [number, number, number];
  /** Σ of this image's target scores. */
  tss: number;
  /** ∂(Σ sums)/∂(head outputs), one array per level in the level's layout. */
  grad: Float32Array[];
  /** Positive (foreground) anchors. */
  positives: number;
  /** The targets the assigner chose (treated as constants by the gradient, as Ultralytics detaches them). */
  assignment: Assignment;
}

export interface BatchLoss {
  /** The loss Ultralytics back-propagates: (box + cls + dfl) · batch size. */
  total: number;
  /** [box, cls, dfl] as Ultralytics logs them (normalised, gains applied, not × batch size). */
  items: [number, number, number];
  /** Multiply each image's `grad` by this: batch size / max(Σ target scores, 1). */
  gradScale: number;
}

const DFL_MAX = REG_MAX - 1 - 0.01;

/**
 * Loss terms and gradient of one image. `gts` in network-input pixels. `fixed`: targets from an
 * earlier call instead of the assigner's (a gradient check differentiates the loss with them held).
 */
export function imageLoss(levels: readonly HeadLevel[], nc: number, gts: readonly GtBox[], gains: LossGains = LOSS_GAINS, tal: AssignerOptions = TAL_DEFAULTS, strides: readonly number[] = STRIDES, fixed?: Assignment): ImageLoss {
  const A = levels.reduce((s, l) => s + l.h * l.w, 0);
  const anchors = new Float64Array(2 * A); // grid units
  const anchorsPx = new Float64Array(2 * A);
  const stride = new Float64Array(A);
  const probs = new Float64Array(A * 4 * REG_MAX); // softmax per side
  const dist = new Float64Array(A * 4); // E per side
  const boxes = new Float64Array(A * 4); // grid units
  const boxesPx = new Float64Array(A * 4);
  const scores = new Float64Array(A * nc);
  const logits = new Float64Array(A * nc);
  const where: { level: number; i: number }[] = [];
  let a = 0;
  levels.forEach((l, j) => {
    const hw = l.h * l.w;
    if (l.data.length !== (4 * REG_MAX + nc) * hw) throw new Error(`level ${j}: ${l.data.length} values, expected (64 + ${nc}) × ${l.h} × ${l.w}`);
    for (let i = 0; i < hw; i++, a++) {
      where.push({ level: j, i });
      const ax = (i % l.w) + 0.5;
      const ay = Math.floor(i / l.w) + 0.5;
      anchors[2 * a] = ax;
      anchors[2 * a + 1] = ay;
      anchorsPx[2 * a] = ax * strides[j];
      anchorsPx[2 * a + 1] = ay * strides[j];
      stride[a] = strides[j];
      for (let s = 0; s < 4; s++) {
        let mx = -Infinity;
        for (let b = 0; b < REG_MAX; b++) mx = Math.max(mx, l.data[(s * REG_MAX + b) * hw + i]);
        let sum = 0;
        const p0 = (a * 4 + s) * REG_MAX;
        for (let b = 0; b < REG_MAX; b++) sum += probs[p0 + b] = Math.exp(l.data[(s * REG_MAX + b) * hw + i] - mx);
        let e = 0;
        for (let b = 0; b < REG_MAX; b++) e += b * (probs[p0 + b] /= sum);
        dist[a * 4 + s] = e;
      }
      const box = [ax - dist[a * 4], ay - dist[a * 4 + 1], ax + dist[a * 4 + 2], ay + dist[a * 4 + 3]];
      for (let k = 0; k < 4; k++) {
        boxes[a * 4 + k] = box[k];
        boxesPx[a * 4 + k] = box[k] * strides[j];
      }
      for (let c = 0; c < nc; c++) {
        const x = l.data[(4 * REG_MAX + c) * hw + i];
        logits[a * nc + c] = x;
        scores[a * nc + c] = 1 / (1 + Math.exp(-x));
      }
    }
  });

  const assignment = fixed ?? assign(scores, nc, boxesPx, anchorsPx, gts, tal);
  const { fg, gtIndex, score } = assignment;
  const grad = levels.map((l) => new Float32Array(l.data.length));
  const put = (a: number, ch: number, v: number) => {
    const { level, i } = where[a];
    const l = levels[level];
    grad[level][ch * l.h * l.w + i] += v;
  };
  let box = 0;
  let cls = 0;
  let dfl = 0;
  let tss = 0;
  let positives = 0;
  for (let a = 0; a < A; a++) {
    const label = fg[a] ? gts[gtIndex[a]].cls : -1;
    const t = fg[a] ? score[a] : 0;
    tss += t;
    for (let c = 0; c < nc; c++) {
      const x = logits[a * nc + c];
      const tc = c === label ? t : 0;
      cls += Math.max(x, 0) - x * tc + Math.log1p(Math.exp(-Math.abs(x)));
      put(a, 4 * REG_MAX + c, gains.cls * (scores[a * nc + c] - tc));
    }
    if (!fg[a]) continue;
    positives++;
    // Box: (1 − CIoU) · t, with the target in this anchor's grid units.
    const st = stride[a];
    const [gx1, gy1, gx2, gy2] = gts[gtIndex[a]].box;
    const target: Xyxy = [gx1 / st, gy1 / st, gx2 / st, gy2 / st];
    const dBox = [0, 0, 0, 0];
    box += (1 - ciou([boxes[a * 4], boxes[a * 4 + 1], boxes[a * 4 + 2], boxes[a * 4 + 3]], target, dBox, -t * gains.box)) * t;
    // x1 = ax − E_l, y1 = ay − E_t, x2 = ax + E_r, y2 = ay + E_b
    const dE = [-dBox[0], -dBox[1], dBox[2], dBox[3]];
    // DFL against the target's side distances.
    const ax = anchors[2 * a];
    const ay = anchors[2 * a + 1];
    const d = [ax - target[0], ay - target[1], target[2] - ax, target[3] - ay].map((v) => Math.min(Math.max(v, 0), DFL_MAX));
    let side = 0;
    for (let s = 0; s < 4; s++) {
      const p0 = (a * 4 + s) * REG_MAX;
      const tl = Math.floor(d[s]);
      const wl = tl + 1 - d[s];
      const wr = 1 - wl;
      side += -(Math.log(probs[p0 + tl]) * wl + Math.log(probs[p0 + tl + 1]) * wr);
      const e = dist[a * 4 + s];
      for (let b = 0; b < REG_MAX; b++) {
        const p = probs[p0 + b];
        const onehot = b === tl ? wl : b === tl + 1 ? wr : 0;
        // DFL: (p − target mix)·t/4; box: ∂E/∂logit_b = p_b·(b − E)
        put(a, s * REG_MAX + b, (gains.dfl * t * (p - onehot)) / 4 + dE[s] * p * (b - e));
      }
    }
    dfl += (side / 4) * t;
  }
  return { sums: [gains.box * box, gains.cls * cls, gains.dfl * dfl], tss, grad, positives, assignment };
}

/** Combine a batch's per-image terms as Ultralytics does. */
export function batchLoss(images: readonly ImageLoss[]): BatchLoss {
  const tss = Math.max(images.reduce((s, i) => s + i.tss, 0), 1);
  const items = [0, 1, 2].map((k) => images.reduce((s, i) => s + i.sums[k], 0) / tss) as [number, number, number];
  const bs = images.length;
  return { total: (items[0] + items[1] + items[2]) * bs, items, gradScale: bs / tss };
}
