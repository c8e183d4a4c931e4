/**
 * Letterbox geometry (Ultralytics LetterBox, auto=False, center=True) computed on the CPU, and the
 * planner of the GPU letterbox (shaders/letterbox-bytes.wgsl: grey, RGB or RGBA bytes in a storage buffer;
 * shaders/letterbox-texture.wgsl: an rgba8unorm texture). Both write the 3 × H × W f32 input View,
 * resized with cv2.resize(INTER_LINEAR) semantics bit for bit, padded with 114, RGB, /255. cv2's
 * source pixels and fixed-point weights per input column and row (`letterboxAxes`) are computed here,
 * once per image size, and read by the kernels from a small table.
 */
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;
/** INTER_RESIZE_COEF_SCALE: cv2's interpolation weights are integers out of 2048 (11 bits). */
const ONE = 2048;

/** Python's round(): halves go to the even neighbour. */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * cv2's INTER_LINEAR source index and weights (s, w0, w1), out of 2048, for destination index d of an
 * nSrc → nDst axis. `clampWeights` true for x (fraction zeroed outside [0, n−1]), false for y (s may be
 * −1 or n−1 with a non-zero fraction; rows are clamped when read). The f32 source coordinate matters:
 * exact rational coordinates give a different weight for ~2.6 % of d.
 */
export function cv2Linear(d: number, nSrc: number, nDst: number, clampWeights: boolean): [number, number, number] {
  // cv::resize: inv_scale = dsize/ssize (double), scale = 1/inv_scale; f = (float)((d+0.5)·scale − 0.5).
  const scale = 1 / (nDst / nSrc);
  let f = Math.fround((d + 0.5) * scale - 0.5);
  let s = Math.floor(f);
  f = Math.fround(f - s);
  // Horizontally cv2 zeroes the fraction outside [0, n−1]; vertically it keeps the fraction and
  // only clamps the row indices (both rows are then the same edge row).
  if (clampWeights && s < 0) (s = 0), (f = 0);
  if (clampWeights && s >= nSrc - 1) (s = nSrc - 1), (f = 0);
  // saturate_cast<short>(float · 2048): round half to even.
  return [s, pyRound(Math.fround(1 - f) * ONE), pyRound(f * ONE)];
}

/** `cv2Linear` for every destination index of an axis (the CPU reference resize's tables). */
export function cv2LinearTable(nSrc: number, nDst: number, clampWeights: boolean): { ofs: Int32Array; w0: Int32Array; w1: Int32Array } {
  const ofs = new Int32Array(nDst);
  const w0 = new Int32Array(nDst);
  const w1 = new Int32Array(nDst);
  for (let d = 0; d < nDst; d++) [ofs[d], w0[d], w1[d]] = cv2Linear(d, nSrc, nDst, clampWeights);
  return { ofs, w0, w1 };
}

/** Bytes of the letterbox kernels' axis table for an H × W input: a vec4<i32> per column, then per row. */
export const letterboxAxesBytes = (out: { h: number; w: number }) => 16 * (out.w + out.h);

/**
 * The letterbox kernels' table (binding `axes`): per input column x, (x0, x1, w0, w1), then per input
 * row y, (y0, y1, w0, w1): the two source pixels (clamped to the image) and cv2's weights of the
 * resized image's column x − left (row y − top). Padding columns and rows (outside the resized image)
 * hold zeros; the kernels never read them. Computed per image size: a per-pixel kernel re-deriving
 * cv2's f32 coordinates cost more than the rest of the letterbox.
 */
export function letterboxAxes(srcW: number, srcH: number, g: LetterboxGeometry, out: { h: number; w: number }): Int32Array {
  const t = new Int32Array(4 * (out.w + out.h));
  const put = (k: number, d: number, n: number, nNew: number, clamp: boolean) => {
    const [s, w0, w1] = cv2Linear(d, n, nNew, clamp);
    t.set([Math.min(Math.max(s, 0), n - 1), Math.min(Math.max(s + 1, 0), n - 1), w0, w1], 4 * k);
  };
  for (let x = 0; x < out.w; x++) if (x - g.left >= 0 && x - g.left < g.newW) put(x, x - g.left, srcW, g.newW, true);
  for (let y = 0; y < out.h; y++) if (y - g.top >= 0 && y - g.top < g.newH) put(out.w + y, y - g.top, srcH, g.newH, false);
  return t;
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
  const call = letterboxCall(srcW, srcH, out, mode, crop);
  return { ...call, axes: letterboxAxes(srcW, srcH, call.geometry, out) };
}

/** `letterboxUniforms` without the axis table (which depends on the source size only: callers that keep it skip rebuilding it). */
export function letterboxCall(srcW: number, srcH: number, out: View, mode: Preprocess = 'letterbox', crop: Crop = { x: 0, y: 0, stride: srcW }) {
  for (const v of [srcW, srcH, out.w, out.h]) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`letterbox: sizes must be positive integers, got ${srcW}×${srcH} → ${out.w}×${out.h}`);
  }
  const g = mode === 'letterbox' ? letterboxGeometry(srcW, srcH, out.h, out.w) : centerCropGeometry(srcW, srcH, out.h, out.w);
  return {
    geometry: g,
    uniforms: {
      src_w: srcW, src_h: srcH, new_w: g.newW, new_h: g.newH, left: g.left, top: g.top, out_w: out.w, out_h: out.h, out_off: out.offset,
      crop_x: crop.x, crop_y: crop.y, stride: crop.stride,
    },
  };
}

/** The letterbox dispatch's workgroups: one invocation per network-input pixel. */
export const letterboxWorkgroups = (out: View) => grid1d(out.h * out.w, WG);

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
  /** Bytes per pixel of a 'bytes' source: 1 (grey), 3 (RGB) or 4 (RGBA, the default); the uniform `channels`. */
  channels?: BytesChannels;
}

export type BytesChannels = 1 | 3 | 4;

/** The bytes source's buffer for a w × h image of `channels` bytes per pixel: whole words, plus the spare word the shader may read after the last pixel. */
export const sourceBytes = (w: number, h: number, channels: BytesChannels) => Math.ceil((w * h * channels) / 4) * 4 + 4;

/**
 * The letterbox plan: `dispatch` (one dispatch, one invocation per input pixel), the gain and the
 * [left, top] pad. Binding `src` ← runtime buffer 'source' (bytes: the pixels' bytes as u32 words, sourceBytes long)
 * or texture 'sourceTexture' (rgba8unorm, TEXTURE_BINDING); `axes` ← 'letterboxAxes' (`axes`, this source
 * size's `letterboxAxes`, letterboxAxesBytes(output) bytes). The Dispatch fields are also spread at the
 * top level, for callers that take the plan as a Dispatch (src/image/source.ts).
 */
export type LetterboxPlan = Dispatch & { dispatch: Dispatch; gain: number; pad: [number, number]; axes: Int32Array };

export function planLetterbox(p: LetterboxParams): LetterboxPlan {
  if (p.output.c !== 3) throw new Error(`${p.label}: the network input must have 3 channels, not ${p.output.c}`);
  const { uniforms, geometry: g, axes } = letterboxUniforms(p.srcWidth ?? p.output.w, p.srcHeight ?? p.output.h, p.output, p.mode);
  const dispatch: Dispatch = {
    label: p.label,
    shader: p.source === 'bytes' ? 'letterbox-bytes' : 'letterbox-texture',
    constants: { WG },
    uniforms: p.source === 'bytes' ? { ...uniforms, channels: p.channels ?? 4 } : uniforms,
    workgroups: letterboxWorkgroups(p.output),
    buffers: { src: p.source === 'bytes' ? 'source' : 'sourceTexture', axes: 'letterboxAxes' },
  };
  return { ...dispatch, dispatch, gain: g.gain, pad: [g.left, g.top], axes };
}
