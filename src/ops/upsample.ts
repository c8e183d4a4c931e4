/**
 * Planner for nn.Upsample(scale_factor=2, mode='nearest') (shaders/upsample2x.wgsl):
 * out[c, y, x] = in[c, y/2, x/2], input c × h × w → output c × 2h × 2w. The output may be a
 * channel slice of a concat tensor (the neck's Concat after each Upsample).
 */
import { grid1d, type Dispatch, type View } from './types.js';

/** Invocations per workgroup; one invocation per output element. */
const WG = 64;

export interface UpsampleParams {
  label: string;
  /** c × h × w. */
  input: View;
  /** c × 2h × 2w. */
  output: View;
}

export function planUpsample(p: UpsampleParams): Dispatch {
  const { input: x, output: y, label } = p;
  if (x.c < 1 || x.h < 1 || x.w < 1) throw new Error(`${label}: empty input ${x.c}×${x.h}×${x.w}`);
  if (y.c !== x.c || y.h !== 2 * x.h || y.w !== 2 * x.w) throw new Error(`${label}: output ${y.c}×${y.h}×${y.w} is not 2× of input ${x.c}×${x.h}×${x.w}`);
  const xn = x.c * x.h * x.w;
  const yn = y.c * y.h * y.w;
  if (x.offset < y.offset + yn && y.offset < x.offset + xn) throw new Error(`${label}: output overlaps the input`);
  return {
    label,
    shader: 'upsample2x',
    constants: { WG },
    uniforms: { in_off: x.offset, c: x.c, h: x.h, w: x.w, out_off: y.offset },
    workgroups: grid1d(xn, WG), // one invocation per input element, writing its 2×2 block
  };
}
