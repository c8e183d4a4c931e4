/**
 * CPU letterbox, the reference preprocessing: Ultralytics `LetterBox(auto=False, scaleFill=False,
 * scaleup=True, center=True)` as used for static ONNX models, then BGR→RGB, HWC→CHW, /255 in f32.
 *
 *   r = min(H/h, W/w); newUnpad = (round(w·r), round(h·r))      (Python round: halves to even)
 *   dw = (W − newW)/2, dh = (H − newH)/2; left = round(dw − 0.1), top = round(dh − 0.1)
 *   resize with cv2.INTER_LINEAR on uint8 (bit-exact, see `resizeLinearU8`), pad with 114
 *
 * The GPU letterbox kernels (shaders/letterbox-*.wgsl) are checked against this. A plain f32 bilinear
 * with rounding is within 1/255 of it (cv2 quantises the weights to 1/2048 and truncates vertically).
 */
import { InvalidArgumentError } from '../errors.js';
import { centerCropGeometry, cv2LinearTable, letterboxGeometry, pyRound, type LetterboxGeometry, type Preprocess } from '../ops/letterbox.js';
import type { RGBAImage } from '../draw/draw-boxes.js';

const PAD = 114;

export interface LetterboxResult {
  /** 1×3×H×W float32, RGB, (pixel)/255, pad value 114/255. */
  tensor: Float32Array;
  /** Scale from source to network pixels, r = min(H/h, W/w). */
  gain: number;
  /** [left, top] padding in network pixels. */
  pad: [number, number];
  /** [w, h] of the resized image inside the letterbox. */
  newUnpad: [number, number];
  /** The same numbers in the GPU planner's form (src/ops/letterbox.ts). */
  geometry: LetterboxGeometry;
}

function checkImage(img: RGBAImage) {
  const { width: w, height: h, data } = img;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new InvalidArgumentError(`image size ${w}×${h} is not a positive integer size`);
  if (data.length !== w * h * 4) throw new InvalidArgumentError(`image data has ${data.length} bytes, ${w}×${h} RGBA needs ${w * h * 4}`);
}

/**
 * cv2.resize(img, (dw, dh), interpolation=cv2.INTER_LINEAR) on the RGB channels of an RGBA image,
 * bit-exact with OpenCV 4.x on x86 (checked against cv2 4.6 on random and real images):
 *  - exactly 2× down in both axes: cv2 switches to INTER_AREA, (a + b + c + d + 2) >> 2;
 *  - otherwise the fixed-point path: horizontal pass H = S[x0]·a0 + S[x1]·a1 (int32, weights /2048),
 *    vertical pass v = ((((H0 >> 4)·b0) >> 16) + (((H1 >> 4)·b1) >> 16) + 2) >> 2 (cv2's
 *    VResizeLinear<uchar> specialisation: its SIMD and scalar code both truncate this way), ≤ 255.
 *    Horizontal weights are zeroed outside [0, w−1]; vertical ones are not (edge rows repeat).
 * Returns dw×dh RGB bytes, row-major.
 */
export function resizeLinearU8(img: RGBAImage, dw: number, dh: number): Uint8Array {
  checkImage(img);
  const { width: sw, height: sh, data: src } = img;
  if (!Number.isInteger(dw) || !Number.isInteger(dh) || dw < 1 || dh < 1) throw new InvalidArgumentError(`resize target ${dw}×${dh} is not a positive integer size`);
  const out = new Uint8Array(dw * dh * 3);
  if (sw === dw && sh === dh) {
    for (let i = 0, n = sw * sh; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = src[i * 4 + c];
    return out;
  }
  const scaleX = 1 / (dw / sw);
  const scaleY = 1 / (dh / sh);
  const isAreaFast = Math.abs(scaleX - pyRound(scaleX)) < Number.EPSILON && Math.abs(scaleY - pyRound(scaleY)) < Number.EPSILON;
  if (isAreaFast && pyRound(scaleX) === 2 && pyRound(scaleY) === 2) {
    for (let y = 0; y < dh; y++) {
      for (let x = 0; x < dw; x++) {
        const p = ((2 * y) * sw + 2 * x) * 4;
        const q = p + sw * 4;
        for (let c = 0; c < 3; c++) out[(y * dw + x) * 3 + c] = (src[p + c] + src[p + 4 + c] + src[q + c] + src[q + 4 + c] + 2) >> 2;
      }
    }
    return out;
  }
  const tx = cv2LinearTable(sw, dw, true);
  const ty = cv2LinearTable(sh, dh, false);
  // Horizontal pass of one source row → dw×3 int32 (RGB order), cached for the two rows in use.
  const rowCache = new Map<number, Int32Array>();
  const hrow = (sy: number): Int32Array => {
    let r = rowCache.get(sy);
    if (r) return r;
    r = new Int32Array(dw * 3);
    const base = sy * sw * 4;
    for (let x = 0; x < dw; x++) {
      const i0 = base + tx.ofs[x] * 4;
      const a0 = tx.w0[x];
      const a1 = tx.w1[x];
      const i1 = a1 === 0 ? i0 : i0 + 4; // a1 = 0 at the clamped edges: S[x0]·2048
      for (let c = 0; c < 3; c++) r[x * 3 + c] = src[i0 + c] * a0 + src[i1 + c] * a1;
    }
    if (rowCache.size > 4) rowCache.clear();
    rowCache.set(sy, r);
    return r;
  };
  for (let y = 0; y < dh; y++) {
    const sy = ty.ofs[y];
    const r0 = hrow(Math.min(Math.max(sy, 0), sh - 1));
    const r1 = hrow(Math.min(Math.max(sy + 1, 0), sh - 1));
    const b0 = ty.w0[y];
    const b1 = ty.w1[y];
    const o = y * dw * 3;
    for (let x = 0; x < dw; x++) {
      for (let c = 0; c < 3; c++) {
        const k = x * 3 + c;
        const h0 = r0[k];
        const h1 = r1[k];
        const v = (((h0 >> 4) * b0 >> 16) + ((h1 >> 4) * b1 >> 16) + 2) >> 2;
        out[o + k] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/**
 * Letterbox an RGBA image into a 1×3×H×W f32 tensor (RGB, /255), exactly as Ultralytics does; with
 * 'center-crop', classify's resize-the-shorter-side and centre crop (with cv2's bilinear, as the GPU).
 */
export function letterbox(img: RGBAImage, size: [number, number] | number, mode: Preprocess = 'letterbox'): LetterboxResult {
  checkImage(img);
  const [H, W] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(H) || !Number.isInteger(W) || H < 1 || W < 1) throw new InvalidArgumentError(`letterbox size ${H}×${W} is not a positive integer size`);
  const g = mode === 'letterbox' ? letterboxGeometry(img.width, img.height, H, W) : centerCropGeometry(img.width, img.height, H, W);
  if (g.newW < 1 || g.newH < 1) throw new InvalidArgumentError(`image ${img.width}×${img.height} shrinks to nothing in ${H}×${W}`);
  const rgb = resizeLinearU8(img, g.newW, g.newH);
  const plane = H * W;
  const t = new Float32Array(3 * plane).fill(Math.fround(PAD / 255));
  for (let y = Math.max(0, -g.top); y < Math.min(g.newH, H - g.top); y++) {
    for (let x = Math.max(0, -g.left); x < Math.min(g.newW, W - g.left); x++) {
      const o = (y + g.top) * W + x + g.left;
      const i = (y * g.newW + x) * 3;
      // float32(v) / 255 in f32, as torch's `im.float() / 255`; f64 division then rounding is identical.
      t[o] = Math.fround(rgb[i] / 255);
      t[plane + o] = Math.fround(rgb[i + 1] / 255);
      t[2 * plane + o] = Math.fround(rgb[i + 2] / 255);
    }
  }
  return { tensor: t, gain: g.gain, pad: [g.left, g.top], newUnpad: [g.newW, g.newH], geometry: g };
}

/**
 * Map xyxy boxes (flat, 4 numbers per box, or `stride` numbers with the box first) from letterboxed
 * input coordinates back to the source image: Ultralytics `scale_boxes(img1_shape, boxes, img0_shape)`.
 * Without `ratioPad`, gain and pad are recomputed from the shapes as Ultralytics' predictor does:
 * gain = min(H/h, W/w), pad = (round((W − w·gain)/2 − 0.1), round((H − h·gain)/2 − 0.1)).
 * Boxes are then clipped to [0, w] × [0, h]. Returns a new Float32Array.
 */
export function scaleBoxes(
  boxes: ArrayLike<number>,
  inputShape: [number, number],
  sourceShape: [number, number],
  opts: { ratioPad?: { gain: number; pad: [number, number] }; stride?: number } = {},
): Float32Array {
  const [H, W] = inputShape;
  const [h, w] = sourceShape;
  const stride = opts.stride ?? 4;
  if (stride < 4 || boxes.length % stride !== 0) throw new InvalidArgumentError(`boxes length ${boxes.length} is not a multiple of the stride ${stride} (≥ 4)`);
  const gain = opts.ratioPad?.gain ?? Math.min(H / h, W / w);
  const [px, py] = opts.ratioPad?.pad ?? [pyRound((W - w * gain) / 2 - 0.1), pyRound((H - h * gain) / 2 - 0.1)];
  const out = Float32Array.from(boxes);
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  for (let i = 0; i < out.length; i += stride) {
    out[i] = clip((out[i] - px) / gain, w);
    out[i + 1] = clip((out[i + 1] - py) / gain, h);
    out[i + 2] = clip((out[i + 2] - px) / gain, w);
    out[i + 3] = clip((out[i + 3] - py) / gain, h);
  }
  return out;
}
