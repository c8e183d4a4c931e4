/**
 * Plain-TS reference of Detect's inference tail (ultralytics/nn/modules/head.py Detect._inference with
 * DFL, utils/tal.py make_anchors + dist2bbox(xywh=True)): the three raw head tensors → output0.
 * The test reference of shaders/detect-decode.wgsl; f64 inside, f32 out.
 *
 *   level j: (64 + nc) × h_j × w_j, channels 0..63 = box DFL logits (side·16 + bin, sides l, t, r, b),
 *            64.. = class logits; anchors: level 0 row-major, then levels 1, 2; anchor point (x + 0.5, y + 0.5)
 *   DFL:     softmax over the 16 bins, then Σ bin·p
 *   box:     x1y1 = anchor − lt, x2y2 = anchor + rb; (cx, cy) = (x1y1 + x2y2) / 2, (w, h) = x2y2 − x1y1; × stride
 *   scores:  sigmoid(class logits)
 *   output0: (4 + nc) × A, row r = [cx, cy, w, h, score_0 .. score_nc-1][r]
 */
import { REG_MAX, STRIDES } from '../model/spec.js';

export interface LevelTensor {
  data: Float32Array;
  h: number;
  w: number;
}

export function decodeRef(levels: readonly LevelTensor[], nc: number, strides: readonly number[] = STRIDES): Float32Array {
  const A = levels.reduce((s, l) => s + l.h * l.w, 0);
  const out = new Float32Array((4 + nc) * A);
  const p = new Float64Array(REG_MAX);
  let a = 0;
  levels.forEach((l, j) => {
    const hw = l.h * l.w;
    if (l.data.length !== (4 * REG_MAX + nc) * hw) throw new Error(`level ${j}: ${l.data.length} values, expected (64 + ${nc}) × ${l.h} × ${l.w}`);
    for (let i = 0; i < hw; i++, a++) {
      const dist = [0, 0, 0, 0].map((_, s) => {
        let mx = -Infinity;
        for (let b = 0; b < REG_MAX; b++) mx = Math.max(mx, l.data[(s * REG_MAX + b) * hw + i]);
        let sum = 0;
        for (let b = 0; b < REG_MAX; b++) sum += p[b] = Math.exp(l.data[(s * REG_MAX + b) * hw + i] - mx);
        let ev = 0;
        for (let b = 0; b < REG_MAX; b++) ev += b * (p[b] / sum);
        return ev;
      });
      const ax = (i % l.w) + 0.5;
      const ay = Math.floor(i / l.w) + 0.5;
      const [x1, y1, x2, y2] = [ax - dist[0], ay - dist[1], ax + dist[2], ay + dist[3]];
      const st = strides[j];
      const row = [((x1 + x2) / 2) * st, ((y1 + y2) / 2) * st, (x2 - x1) * st, (y2 - y1) * st];
      for (let c = 0; c < nc; c++) row.push(1 / (1 + Math.exp(-l.data[(4 * REG_MAX + c) * hw + i])));
      row.forEach((v, r) => (out[r * A + a] = v));
    }
  });
  return out;
}
