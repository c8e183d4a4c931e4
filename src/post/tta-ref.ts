/**
 * Plain-TS reference of Ultralytics' test-time augmentation (ultralytics/nn/tasks.py,
 * DetectionModel._predict_augment): scale_img (flip, bilinear resize without antialias, 0.447 pad),
 * _descale_pred (xywh / scale, x mirrored for the flipped pass) and _clip_augmented (the scale-1 pass
 * loses its stride-32 anchors, the 0.67 pass its stride-8 ones), concatenated along the anchors; then
 * postprocessRef (src/post/nms-ref.ts) gives the boxes. The test reference of the GPU path (src/infer/).
 */
import { STRIDES } from '../model/spec.js';
import { TTA_FLIPS, TTA_SCALES, scaledSize } from '../ops/scale-img.js';

/** scale_img on a 3 × H × W input: the 3 × H' × W' input of one scaled pass (f64 arithmetic). */
export function scaleImgRef(input: Float32Array, h: number, w: number, ratio: number, flip: boolean): { data: Float32Array; h: number; w: number } {
  const { resized, padded } = scaledSize([h, w], ratio);
  const [nh, nw] = resized;
  const [ph, pw] = padded;
  const out = new Float32Array(3 * ph * pw).fill(0.447);
  const axis = (d: number, nIn: number, nOut: number) => {
    const s = Math.max((nIn / nOut) * (d + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(s), nIn - 1);
    return [i0, Math.min(i0 + 1, nIn - 1), s - i0];
  };
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < nh; y++) {
      const [y0, y1, ly] = axis(y, h, nh);
      for (let x = 0; x < nw; x++) {
        let [x0, x1, lx] = axis(x, w, nw);
        if (flip) [x0, x1] = [w - 1 - x0, w - 1 - x1];
        const at = (yy: number, xx: number) => input[c * h * w + yy * w + xx];
        out[c * ph * pw + y * pw + x] = (1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1));
      }
    }
  }
  return { data: out, h: ph, w: pw };
}

/** The three passes' output0s ((4 + nc) × A_k, inputs sizes[k]) de-augmented and concatenated, as _predict_augment returns them. */
export function deaugmentRef(outs: Float32Array[], nc: number, sizes: [number, number][]): Float32Array {
  const rows = 4 + nc;
  const parts = outs.map((o, k) => {
    const A = o.length / rows;
    const levels = STRIDES.map((s) => (sizes[k][0] / s) * (sizes[k][1] / s));
    const [lo, hi] = k === 0 ? [0, A - levels[2]] : k === outs.length - 1 ? [levels[0], A] : [0, A];
    return { o, A, lo, hi, scale: TTA_SCALES[k], flip: TTA_FLIPS[k] };
  });
  const total = parts.reduce((s, p) => s + p.hi - p.lo, 0);
  const out = new Float32Array(rows * total);
  let at = 0;
  for (const p of parts) {
    for (let a = p.lo; a < p.hi; a++, at++) {
      for (let r = 0; r < rows; r++) {
        let v = p.o[r * p.A + a];
        if (r < 4) v = Math.fround(v / p.scale);
        if (r === 0 && p.flip) v = Math.fround(sizes[0][1] - v);
        out[r * total + at] = v;
      }
    }
  }
  return out;
}
