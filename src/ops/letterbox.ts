/**
 * Letterbox geometry (Ultralytics LetterBox, auto=False, center=True) computed on the CPU, and the
 * planner of the GPU letterbox (shaders/letterbox-bytes.wgsl: RGBA8 pixels in a storage buffer of u32;
 * shaders/letterbox-texture.wgsl: an rgba8unorm texture). Both write the 3 × H × W f32 input View,
 * resized with cv2.resize(INTER_LINEAR) semantics bit for bit, padded with 114, RGB, /255.
 */
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;

/** Python's round(): halves go to the even neighbour. */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface LetterboxGeometry {
  /** Scale from source to network pixels: r = min(H / h, W / w). */
  gain: number;
  /** Resized image size inside the letterbox: (round(w·r), round(h·r)). */
  newW: number;
  newH: number;
  /** Left and top padding in network pixels: round(dw − 0.1), round(dh − 0.1) (≤ 0 for a centre crop). */
  left: number;
  top: number;
}

/** Ultralytics LetterBox geometry for a srcW × srcH image into an outH × outW input (Python rounding). */
export function letterboxGeometry(srcW: number, srcH: number, outH: number, outW: number): LetterboxGeometry {
  const gain = Math.min(outH / srcH, outW / srcW);
  const newW = pyRound(srcW * gain);
  const newH = pyRound(srcH * gain);
  const left = pyRound((outW - newW) / 2 - 0.1);
  const top = pyRound((outH - newH) / 2 - 0.1);
  return { gain, newW, newH, left, top };
}

/**
 * The pad Ultralytics' scale_boxes subtracts when it maps boxes back (ratio_pad=None): it uses the
 * unrounded resized size, round((W − w·r) / 2 − 0.1), which can differ by 1 px from LetterBox's pad.
 */
export function scaleBoxesPad(srcW: number, srcH: number, outH: number, outW: number): [number, number] {
  const gain = Math.min(outH / srcH, outW / srcW);
  return [pyRound((outW - srcW * gain) / 2 - 0.1), pyRound((outH - srcH * gain) / 2 - 0.1)];
}

/**
 * Ultralytics' classify preprocessing (classify_transforms, crop_fraction 1): torchvision Resize(size)
 * scales the shorter side to the input size, the longer one to int(size · long / short); CenterCrop
 * then keeps the middle (offsets int(round((resized − size) / 2))). A non-square input size is
 * resized to exactly that size. Returned as a letterbox geometry with left/top ≤ 0.
 */
export function centerCropGeometry(srcW: number, srcH: number, outH: number, outW: number): LetterboxGeometry {
  let newW = outW;
  let newH = outH;
  if (outH === outW) {
    if (srcW <= srcH) newH = Math.floor((outW * srcH) / srcW);
    else newW = Math.floor((outH * srcW) / srcH);
  }
  return { gain: Math.max(outH / srcH, outW / srcW), newW, newH, left: 0 - pyRound((newW - outW) / 2) || 0, top: 0 - pyRound((newH - outH) / 2) || 0 };
}

export type Preprocess = 'letterbox' | 'center-crop';

/** A rectangle of the uploaded image to letterbox instead of all of it (a SAHI tile): origin and the image's row length. */
export interface Crop {
  x: number;
  y: number;
  /** Width of the whole uploaded image, in pixels (the row stride of the bytes source). */
  stride: number;
}

/**
 * The letterbox shaders' uniforms (the same struct in both), plus the geometry they encode. `mode`:
 * letterbox (detect, segment, pose) or classify's resize-and-centre-crop. `crop`: the srcW × srcH
 * rectangle at (x, y) of a larger uploaded image is letterboxed, as if it were the image (cv2 clamps
 * at the crop's edges, as it does on a sliced numpy array).
 */
export function letterboxUniforms(srcW: number, srcH: number, out: View, mode: Preprocess = 'letterbox', crop: Crop = { x: 0, y: 0, stride: srcW }) {
  for (const v of [srcW, srcH, out.w, out.h]) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`letterbox: sizes must be positive integers, got ${srcW}×${srcH} → ${out.w}×${out.h}`);
  }
  const g = mode === 'letterbox' ? letterboxGeometry(srcW, srcH, out.h, out.w) : centerCropGeometry(srcW, srcH, out.h, out.w);
  // The kernels' cv2 source coordinates are exact i32 rationals ((2·d + 1)·src − new) / (2·new).
  if ((2 * g.newW - 1) * srcW >= 2 ** 31 || (2 * g.newH - 1) * srcH >= 2 ** 31) {
    throw new Error(`letterbox: a ${srcW}×${srcH} image into ${g.newW}×${g.newH} is beyond the kernels' 32-bit coordinates`);
  }
  return {
    geometry: g,
    uniforms: {
      src_w: srcW, src_h: srcH, new_w: g.newW, new_h: g.newH, left: g.left, top: g.top, out_w: out.w, out_h: out.h, out_off: out.offset,
      crop_x: crop.x, crop_y: crop.y, stride: crop.stride,
    },
  };
}

export interface LetterboxParams {
  label: string;
  /** The network input, 3 × H × W. */
  output: View;
  source: 'bytes' | 'texture';
  /** Letterbox (detect, segment, pose) or the classify resize-and-centre-crop (default: letterbox). */
  mode?: Preprocess;
  /** Source image size; it changes per call through `letterboxUniforms` (default: the input size). */
  srcWidth?: number;
  srcHeight?: number;
}

/**
 * The letterbox plan: `dispatch` (one dispatch, one invocation per input pixel), the gain and the
 * [left, top] pad. Binding `src` ← runtime buffer 'source' (bytes: srcW·srcH u32, R in the low byte)
 * or texture 'sourceTexture' (rgba8unorm, TEXTURE_BINDING). The Dispatch fields are also spread at the
 * top level, for callers that take the plan as a Dispatch (src/image/source.ts).
 */
export type LetterboxPlan = Dispatch & { dispatch: Dispatch; gain: number; pad: [number, number] };

export function planLetterbox(p: LetterboxParams): LetterboxPlan {
  if (p.output.c !== 3) throw new Error(`${p.label}: the network input must have 3 channels, not ${p.output.c}`);
  const { uniforms, geometry: g } = letterboxUniforms(p.srcWidth ?? p.output.w, p.srcHeight ?? p.output.h, p.output, p.mode);
  const dispatch: Dispatch = {
    label: p.label,
    shader: p.source === 'bytes' ? 'letterbox-bytes' : 'letterbox-texture',
    constants: { WG },
    uniforms,
    workgroups: grid1d(p.output.h * p.output.w, WG),
    buffers: { src: p.source === 'bytes' ? 'source' : 'sourceTexture' },
  };
  return { ...dispatch, dispatch, gain: g.gain, pad: [g.left, g.top] };
}
