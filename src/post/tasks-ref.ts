/**
 * Plain-TS Segment and Pose post-processing, transcribed from Ultralytics' ultralytics/utils/ops.py
 * (process_mask_native, scale_masks, crop_mask, scale_coords) and the segment/pose predictors: the
 * references the GPU kernels (mask-logits/mask-pack, pose-gather) are tested against. f32 where
 * torch computes in f32 (Math.fround at each rounding step of F.interpolate's CPU kernel).
 */
import { pyRound } from '../ops/letterbox.js';

const f = Math.fround;

/**
 * process_mask_native(protos, masks_in, bboxes, shape) → n masks of srcH × srcW bytes (1 = object):
 *   masks = (masks_in @ protos.view(c, -1)).view(-1, mh, mw)
 *   masks = scale_masks(masks[None], shape)[0]      crop the letterbox pad, bilinear to the image
 *   masks = crop_mask(masks, bboxes)                 zero outside x1 ≤ x < x2, y1 ≤ y < y2
 *   return masks.gt_(0.0)
 * `protos` is nm × mh × mw, `coeffs` n × nm, `boxes` n × [x1, y1, x2, y2] in source pixels.
 */
export function processMaskNative(protos: Float32Array, [nm, mh, mw]: [number, number, number], coeffs: Float32Array, boxes: readonly (readonly number[])[], srcH: number, srcW: number): Uint8Array[] {
  // scale_masks: gain = min(mh / h, mw / w); pad = (mw − w·gain) / 2, (mh − h·gain) / 2 (unrounded);
  // top, left = round(pad_h − 0.1), round(pad_w − 0.1); bottom, right = mh − round(pad_h + 0.1), mw − round(pad_w + 0.1).
  const gain = Math.min(mh / srcH, mw / srcW);
  const padW = (mw - srcW * gain) / 2;
  const padH = (mh - srcH * gain) / 2;
  const top = pyRound(padH - 0.1);
  const left = pyRound(padW - 0.1);
  const ch = mh - pyRound(padH + 0.1) - top;
  const cw = mw - pyRound(padW + 0.1) - left;
  // F.interpolate(size=(h, w), mode='bilinear', align_corners=False), PyTorch's CPU kernel:
  // scale = in / out (f32); src = max(scale·(dst + 0.5) − 0.5, 0); i0 = ⌊src⌋; i1 = i0 + (i0 < in − 1);
  // λ1 = src − i0, λ0 = 1 − λ1; out = (v00·λx0 + v01·λx1)·λy0 + (v10·λx0 + v11·λx1)·λy1.
  const axis = (n: number, inSize: number) => {
    const scale = f(inSize / n);
    return Array.from({ length: n }, (_, d) => {
      const src = Math.max(f(f(scale * f(d + 0.5)) - 0.5), 0);
      const i0 = Math.floor(src);
      const l1 = Math.min(Math.max(f(src - i0), 0), 1);
      return { i0, i1: i0 + (i0 < inSize - 1 ? 1 : 0), l0: f(1 - l1), l1 };
    });
  };
  const ys = axis(srcH, ch);
  const xs = axis(srcW, cw);
  return boxes.map((b, i) => {
    const logit = new Float32Array(ch * cw);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        let s = 0;
        for (let k = 0; k < nm; k++) s += coeffs[i * nm + k] * protos[(k * mh + top + y) * mw + left + x];
        logit[y * cw + x] = s;
      }
    }
    const out = new Uint8Array(srcH * srcW);
    const [x1, y1, x2, y2] = b;
    for (let y = 0; y < srcH; y++) {
      if (!(y >= y1 && y < y2)) continue;
      const { i0: r0, i1: r1, l0: ly0, l1: ly1 } = ys[y];
      for (let x = 0; x < srcW; x++) {
        if (!(x >= x1 && x < x2)) continue;
        const { i0: c0, i1: c1, l0: lx0, l1: lx1 } = xs[x];
        const top0 = f(f(logit[r0 * cw + c0] * lx0) + f(logit[r0 * cw + c1] * lx1));
        const bot0 = f(f(logit[r1 * cw + c0] * lx0) + f(logit[r1 * cw + c1] * lx1));
        const v = f(f(top0 * ly0) + f(bot0 * ly1));
        out[y * srcW + x] = v > 0 ? 1 : 0;
      }
    }
    return out;
  });
}

/**
 * Pose.kpts_decode (the non-export path) for one anchor: raw K·D values of cv4 → decoded
 * x = (v·2 + (anchor_x − 0.5))·stride, y likewise, visibility = sigmoid(v) when D = 3. `anchor` is
 * make_anchors' cell centre (cell + 0.5).
 */
export function kptsDecode(raw: ArrayLike<number>, [k, d]: readonly [number, number], anchor: readonly [number, number], stride: number): Float32Array {
  const y = Float32Array.from(raw);
  for (let j = 0; j < k; j++) {
    if (d === 3) y[j * d + 2] = 1 / (1 + Math.exp(-raw[j * d + 2]));
    y[j * d] = (raw[j * d] * 2 + (anchor[0] - 0.5)) * stride;
    y[j * d + 1] = (raw[j * d + 1] * 2 + (anchor[1] - 0.5)) * stride;
  }
  return y;
}

/**
 * ops.scale_coords(img1_shape, coords, img0_shape) with ratio_pad=None, as the pose predictor calls
 * it on (K, D) keypoints: gain = min(H / h, W / w), pad = ((W − w·gain) / 2, (H − h·gain) / 2)
 * unrounded; x = (x − pad_x) / gain, y likewise; clip to [0, w] × [0, h]; other columns unchanged.
 */
export function scaleCoords(kpts: Float32Array, d: number, [H, W]: readonly [number, number], srcH: number, srcW: number): Float32Array {
  const gain = Math.min(H / srcH, W / srcW);
  const padX = (W - srcW * gain) / 2;
  const padY = (H - srcH * gain) / 2;
  const out = Float32Array.from(kpts);
  for (let j = 0; j < kpts.length; j += d) {
    out[j] = Math.min(Math.max((kpts[j] - padX) / gain, 0), srcW);
    out[j + 1] = Math.min(Math.max((kpts[j + 1] - padY) / gain, 0), srcH);
  }
  return out;
}
