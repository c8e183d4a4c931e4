/**
 * Planner for SPPF's three chained k×k max-pools (stride 1, pad k//2, −inf padding), fused into
 * one dispatch (shaders/sppf-pool.wgsl): y1 = m(x), y2 = m(y1), y3 = m(y2).
 */
import { grid1d, type Dispatch, type View } from './types.js';

/** Invocations per workgroup; one invocation per output pixel (c, y, x). */
const WG = 64;

const sameShape = (a: View, b: View) => a.c === b.c && a.h === b.h && a.w === b.w;
const overlaps = (a: View, b: View) => a.offset < b.offset + b.c * b.h * b.w && b.offset < a.offset + a.c * a.h * a.w;

export interface SppfPoolParams {
  label: string;
  /** x = SPPF.cv1's output (c × h × w), slice 0 of the concat tensor. */
  input: View;
  /** y1, y2, y3 (c × h × w each), slices 1, 2, 3 of the concat tensor. */
  outputs: [View, View, View];
  /** Pool kernel size (odd); 5 in YOLO11. */
  k: number;
}

/** shaders/sppf-pool-rt-n8.wgsl (generated; k = 5 only): 8 rows of one column per lane, 64 lanes per workgroup. */
const RT_ROWS = 8;

/** Lanes per workgroup row for the register kernel: the width (4, 8 or 16) leaving the fewest idle lanes. */
const rtWidth = (w: number) => [16, 8, 4].reduce((best, x) => (Math.ceil(w / x) * x - w < Math.ceil(w / best) * best - w ? x : best));

/** `rt`: the generated register kernel (CPU adapters; k = 5), `loop`: one invocation per pixel. */
export function planSppfPool(p: SppfPoolParams, kernel: 'loop' | 'rt' = 'loop'): Dispatch {
  const { input: x, outputs: o, label } = p;
  if (!Number.isInteger(p.k) || p.k < 1 || p.k % 2 !== 1) throw new Error(`${label}: pool kernel ${p.k} must be a positive odd integer`);
  if (x.c < 1 || x.h < 1 || x.w < 1) throw new Error(`${label}: empty input ${x.c}×${x.h}×${x.w}`);
  o.forEach((v, j) => {
    if (!sameShape(v, x)) throw new Error(`${label}: output ${j + 1} is ${v.c}×${v.h}×${v.w}, must have the input's shape ${x.c}×${x.h}×${x.w}`);
    if (overlaps(v, x)) throw new Error(`${label}: output ${j + 1} overlaps the input`);
    for (let i = 0; i < j; i++) if (overlaps(v, o[i])) throw new Error(`${label}: outputs ${i + 1} and ${j + 1} overlap`);
  });
  if (kernel === 'rt' && p.k === 5) {
    const wx = rtWidth(x.w);
    const wy = 64 / wx;
    return {
      label,
      shader: 'sppf-pool-rt-n8',
      constants: { WX: wx, WY: wy },
      uniforms: { in_off: x.offset, c: x.c, h: x.h, w: x.w, out1: o[0].offset, out2: o[1].offset, out3: o[2].offset },
      workgroups: [Math.ceil(x.w / wx), Math.ceil(x.h / RT_ROWS), Math.ceil(x.c / wy)],
    };
  }
  return {
    label,
    shader: 'sppf-pool',
    constants: { WG, R: (p.k - 1) / 2 },
    uniforms: { in_off: x.offset, c: x.c, h: x.h, w: x.w, out1: o[0].offset, out2: o[1].offset, out3: o[2].offset },
    workgroups: grid1d(x.c * x.h * x.w, WG),
  };
}
