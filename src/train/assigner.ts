/**
 * Ultralytics' TaskAlignedAssigner (ultralytics/utils/tal.py, 8.3: topk 10, alpha 0.5, beta 6.0 as
 * v8DetectionLoss builds it) for one image, in f64. A batch in Ultralytics pads every image to the
 * batch's largest box count with masked-out boxes; those never become positives, so assigning each
 * image on its own gives the same targets.
 *
 *   in-gt mask:  anchor centre strictly inside the box (min of the 4 distances > 1e-9)
 *   overlaps:    CIoU(gt, predicted box).clamp(0) for in-gt anchors, 0 elsewhere
 *   align:       score[label]^alpha · overlap^beta for in-gt anchors, 0 elsewhere
 *   top-k:       per box, the topk anchors by align (ties: the lower anchor index), ∧ in-gt
 *   conflicts:   an anchor positive for several boxes keeps only argmax over ALL boxes of overlaps
 *   targets:     the assigned box and label; score = max over boxes of align·maxOverlap/(maxAlign + 1e-9)
 */
import { ciou, type Xyxy } from './ciou.js';

export interface AssignerOptions {
  topk: number;
  alpha: number;
  beta: number;
}

export const TAL_DEFAULTS: AssignerOptions = { topk: 10, alpha: 0.5, beta: 6.0 };

export interface GtBox {
  cls: number;
  /** x1, y1, x2, y2 in network-input pixels. */
  box: Xyxy;
}

export interface Assignment {
  /** 1 for positive anchors. */
  fg: Uint8Array;
  /** The box each positive anchor is assigned to (0 for the others, as Ultralytics' argmax gives). */
  gtIndex: Int32Array;
  /** Target score of each anchor for its assigned label (0 for negatives): the one-hot's value. */
  score: Float64Array;
}

const EPS = 1e-9;

/**
 * @param scores A × nc sigmoid scores (anchor-major), @param boxes A × 4 predicted xyxy in pixels,
 * @param anchors A × 2 anchor centres in pixels.
 */
export function assign(scores: Float64Array, nc: number, boxes: Float64Array, anchors: Float64Array, gts: readonly GtBox[], o: AssignerOptions = TAL_DEFAULTS): Assignment {
  const A = anchors.length / 2;
  const G = gts.length;
  const fg = new Uint8Array(A);
  const gtIndex = new Int32Array(A);
  const score = new Float64Array(A);
  if (!G) return { fg, gtIndex, score };
  const overlaps = new Float64Array(G * A);
  const align = new Float64Array(G * A);
  const maskPos = new Uint8Array(G * A);
  for (let g = 0; g < G; g++) {
    const [gx1, gy1, gx2, gy2] = gts[g].box;
    const inGt = new Uint8Array(A);
    for (let a = 0; a < A; a++) {
      const ax = anchors[2 * a];
      const ay = anchors[2 * a + 1];
      if (Math.min(ax - gx1, ay - gy1, gx2 - ax, gy2 - ay) <= EPS) continue;
      inGt[a] = 1;
      const pb: Xyxy = [boxes[4 * a], boxes[4 * a + 1], boxes[4 * a + 2], boxes[4 * a + 3]];
      const ov = Math.max(ciou(gts[g].box, pb), 0);
      overlaps[g * A + a] = ov;
      align[g * A + a] = scores[a * nc + gts[g].cls] ** o.alpha * ov ** o.beta;
    }
    // torch.topk over all A anchors: anchors outside the box (align 0) can fill the k slots but are
    // masked out afterwards, so only in-gt anchors ranked within the top k matter.
    const ranked = Array.from({ length: A }, (_, a) => a).sort((p, q) => align[g * A + q] - align[g * A + p] || p - q);
    for (const a of ranked.slice(0, Math.min(o.topk, A))) if (inGt[a]) maskPos[g * A + a] = 1;
  }
  // select_highest_overlaps
  for (let a = 0; a < A; a++) {
    let n = 0;
    for (let g = 0; g < G; g++) n += maskPos[g * A + a];
    if (n > 1) {
      let best = 0;
      for (let g = 1; g < G; g++) if (overlaps[g * A + a] > overlaps[best * A + a]) best = g;
      for (let g = 0; g < G; g++) maskPos[g * A + a] = g === best ? 1 : 0;
    }
    let idx = 0;
    for (let g = 0; g < G; g++) if (maskPos[g * A + a]) {
      idx = g;
      fg[a] = 1;
      break;
    }
    gtIndex[a] = idx;
  }
  // Normalise: per box the largest positive align metric and overlap.
  const maxAlign = new Float64Array(G);
  const maxOverlap = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    for (let a = 0; a < A; a++) {
      if (!maskPos[g * A + a]) continue;
      maxAlign[g] = Math.max(maxAlign[g], align[g * A + a]);
      maxOverlap[g] = Math.max(maxOverlap[g], overlaps[g * A + a]);
    }
  }
  for (let a = 0; a < A; a++) {
    if (!fg[a]) continue;
    let m = 0;
    for (let g = 0; g < G; g++) {
      if (maskPos[g * A + a]) m = Math.max(m, (align[g * A + a] * maxOverlap[g]) / (maxAlign[g] + EPS));
    }
    score[a] = m;
  }
  return { fg, gtIndex, score };
}
