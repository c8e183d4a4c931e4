/**
 * Letterbox geometry (Ultralytics LetterBox, auto=False, center=True) and its planner
 * (shaders/letterbox-bytes.wgsl, shaders/letterbox-texture.wgsl).
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
  /** Scale from source to network pixels. */
  gain: number;
  /** Resized image size inside the letterbox. */
  newW: number;
  newH: number;
  /** Left and top padding in network pixels. */
  left: number;
  top: number;
}

/** Geometry for a srcW × srcH image into an outH × outW input. */
export function letterboxGeometry(srcW: number, srcH: number, outH: number, outW: number): LetterboxGeometry {
  const gain = Math.min(outH / srcH, outW / srcW);
  const newW = pyRound(srcW * gain);
  const newH = pyRound(srcH * gain);
  const left = pyRound((outW - newW) / 2 - 0.1);
  const top = pyRound((outH - newH) / 2 - 0.1);
  return { gain, newW, newH, left, top };
}

export function letterboxUniforms(srcW: number, srcH: number, out: View) {
  const g = letterboxGeometry(srcW, srcH, out.h, out.w);
  return {
    geometry: g,
    uniforms: { src_w: srcW, src_h: srcH, new_w: g.newW, new_h: g.newH, left: g.left, top: g.top, out_w: out.w, out_h: out.h, out_off: out.offset },
  };
}

/** One dispatch writing the 3 × H × W input View; the source size goes in the uniforms per call. */
export function planLetterbox(p: { label: string; output: View; source: 'bytes' | 'texture'; srcWidth?: number; srcHeight?: number }): Dispatch {
  if (p.output.c !== 3) throw new Error(`${p.label}: the network input must have 3 channels`);
  const { uniforms } = letterboxUniforms(p.srcWidth ?? p.output.w, p.srcHeight ?? p.output.h, p.output);
  return {
    label: p.label,
    shader: p.source === 'bytes' ? 'letterbox-bytes' : 'letterbox-texture',
    constants: { WG },
    uniforms,
    workgroups: grid1d(p.output.h * p.output.w, WG),
    buffers: { src: p.source === 'bytes' ? 'source' : 'sourceTexture' },
  };
}
