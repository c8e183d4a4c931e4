/**
 * Segment's masks after NMS, Ultralytics' process_mask_native (the `retina_masks=True` path: masks in
 * source-image pixels), in two dispatches sized per call from the kept boxes:
 *   1. shaders/mask-logits.wgsl  coefficients · protos over the letterbox crop of the proto map
 *   2. shaders/mask-pack.wgsl    bilinear resize to the image (scale_masks), crop to the box
 *                                (crop_mask), > 0, one bit per pixel of the box's rectangle
 * Read back compactly: per box a bitmap of its own rectangle (`maskLayout`), so the bytes read are
 * Σ box areas / 8, whatever the image size. The geometry is computed here, on the CPU, from the boxes
 * the first readback returned (the rectangles decide the readback size).
 */
import { pyRound } from './letterbox.js';
import { grid1d, type Dispatch } from './types.js';

const WG = 64;
/** u32 per box in the `maskinfo` buffer: x0, y0, width, height, first word, 3 unused. */
export const MASK_INFO_U32 = 8;

/**
 * scale_masks' crop of the mh × mw proto map for a srcH × srcW image (ratio_pad=None): the gain
 * min(mh / h, mw / w), the unrounded pad, top/left = round(pad − 0.1), bottom/right = size − round(pad + 0.1);
 * and F.interpolate's scales (crop / image, rounded to f32 as PyTorch computes them).
 */
export function maskCrop(mh: number, mw: number, srcH: number, srcW: number) {
  const gain = Math.min(mh / srcH, mw / srcW);
  const padW = (mw - srcW * gain) / 2;
  const padH = (mh - srcH * gain) / 2;
  const top = pyRound(padH - 0.1);
  const left = pyRound(padW - 0.1);
  const ch = mh - pyRound(padH + 0.1) - top;
  const cw = mw - pyRound(padW + 0.1) - left;
  if (ch < 1 || cw < 1) throw new Error(`mask crop of a ${srcW}×${srcH} image in a ${mw}×${mh} proto map is empty`);
  return { top, left, ch, cw, scaleY: Math.fround(ch / srcH), scaleX: Math.fround(cw / srcW) };
}

export interface MaskRect {
  x: number;
  y: number;
  width: number;
  height: number;
  /** First u32 word of this box's bits. */
  word: number;
}

/**
 * Each box's rectangle of source pixels kept by crop_mask (x1 ≤ x < x2, y1 ≤ y < y2: x from ⌈x1⌉ to
 * ⌈x2⌉ − 1), clamped to the image, and where its bits start; `info` is the kernel's table.
 */
export function maskLayout(boxes: readonly (readonly number[])[], srcW: number, srcH: number) {
  const rects: MaskRect[] = [];
  let words = 0;
  for (const [x1, y1, x2, y2] of boxes) {
    const x = Math.min(Math.max(Math.ceil(x1), 0), srcW);
    const y = Math.min(Math.max(Math.ceil(y1), 0), srcH);
    const width = Math.max(0, Math.min(Math.ceil(x2), srcW) - x);
    const height = Math.max(0, Math.min(Math.ceil(y2), srcH) - y);
    rects.push({ x, y, width, height, word: words });
    words += Math.ceil((width * height) / 32);
  }
  const info = new Uint32Array(Math.max(1, rects.length) * MASK_INFO_U32);
  rects.forEach((r, i) => info.set([r.x, r.y, r.width, r.height, r.word], i * MASK_INFO_U32));
  return { rects, words, info };
}

export interface MaskPlanParams {
  /** Kept boxes (≤ the detections' count). */
  n: number;
  nm: number;
  nc: number;
  anchors: number;
  /** output0 and the protos in the arena (element offsets), the proto map's size. */
  output0Offset: number;
  protoOffset: number;
  mh: number;
  mw: number;
  srcW: number;
  srcH: number;
  words: number;
}

/** The two dispatches for one call. Buffers: arena, detections, masklogits, maskinfo, maskbits. */
export function planMasks(p: MaskPlanParams): Dispatch[] {
  const c = maskCrop(p.mh, p.mw, p.srcH, p.srcW);
  return [
    {
      label: 'masks.logits', shader: 'mask-logits', constants: { WG },
      uniforms: {
        n: p.n, nm: p.nm, mh: p.mh, mw: p.mw, proto_off: p.protoOffset, out_off: p.output0Offset, anchors: p.anchors, row0: 4 + p.nc,
        top: c.top, left: c.left, ch: c.ch, cw: c.cw,
      },
      workgroups: grid1d(p.n * c.ch * c.cw, WG),
      buffers: { detections: 'detections', logits: 'masklogits' },
    },
    {
      label: 'masks.pack', shader: 'mask-pack', constants: { WG },
      uniforms: { n: p.n, total_words: p.words, ch: c.ch, cw: c.cw, scale_y: c.scaleY, scale_x: c.scaleX },
      workgroups: grid1d(p.words, WG),
      buffers: { logits: 'masklogits', info: 'maskinfo', bits: 'maskbits' },
    },
  ];
}

/** Bytes of the per-call buffers. */
export const maskBytes = (p: Pick<MaskPlanParams, 'n' | 'mh' | 'mw' | 'srcH' | 'srcW' | 'words'>) => {
  const c = maskCrop(p.mh, p.mw, p.srcH, p.srcW);
  return { logits: Math.max(1, p.n * c.ch * c.cw) * 4, info: Math.max(1, p.n) * MASK_INFO_U32 * 4, bits: Math.max(1, p.words) * 4 };
};
