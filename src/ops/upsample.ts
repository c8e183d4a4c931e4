/** Planner for the nearest 2× upsample (shaders/upsample2x.wgsl). */
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;

export function planUpsample(p: { label: string; input: View; output: View }): Dispatch {
  const { input: x, output: y } = p;
  if (y.c !== x.c || y.h !== 2 * x.h || y.w !== 2 * x.w) throw new Error(`${p.label}: output ${y.c}×${y.h}×${y.w} is not 2× of ${x.c}×${x.h}×${x.w}`);
  return {
    label: p.label,
    shader: 'upsample2x',
    constants: { WG },
    uniforms: { in_off: x.offset, c: x.c, h: x.h, w: x.w, out_off: y.offset },
    workgroups: grid1d(y.c * y.h * y.w, WG),
  };
}
