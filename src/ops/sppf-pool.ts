/** Planner for SPPF's three chained 5×5 max-pools, fused into one dispatch (shaders/sppf-pool.wgsl). */
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;
const same = (a: View, b: View) => a.c === b.c && a.h === b.h && a.w === b.w;

export function planSppfPool(p: { label: string; input: View; outputs: [View, View, View]; k: number }): Dispatch {
  const { input: x, outputs: o } = p;
  if (!o.every((v) => same(v, x))) throw new Error(`${p.label}: pool outputs must have the input's shape ${x.c}×${x.h}×${x.w}`);
  if (p.k % 2 !== 1) throw new Error(`${p.label}: pool kernel ${p.k} must be odd`);
  return {
    label: p.label,
    shader: 'sppf-pool',
    constants: { WG },
    uniforms: { in_off: x.offset, c: x.c, h: x.h, w: x.w, out1: o[0].offset, out2: o[1].offset, out3: o[2].offset, r: (p.k - 1) / 2 },
    workgroups: grid1d(x.c * x.h * x.w, WG),
  };
}
