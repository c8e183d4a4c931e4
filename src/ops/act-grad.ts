/**
 * Element-wise training kernels: the SiLU applied to a kept pre-activation (shaders/silu-act.wgsl),
 * its backward fused with the Bottleneck residual (shaders/silu-grad.wgsl), and the nearest 2×
 * upsample's backward (shaders/upsample2x-grad.wgsl).
 */
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;
const numel = (v: View) => v.c * v.h * v.w;

function same(label: string, a: View, b: View, what: string) {
  if (a.c !== b.c || a.h !== b.h || a.w !== b.w) throw new Error(`${label}: ${what} ${b.c}×${b.h}×${b.w} differs from ${a.c}×${a.h}×${a.w}`);
}

/** y = silu(z) (+ residual). */
export function planSiluAct(p: { label: string; z: View; y: View; residual?: View }): Dispatch {
  same(p.label, p.z, p.y, 'output');
  if (p.residual) same(p.label, p.z, p.residual, 'residual');
  return {
    label: `${p.label}.act`,
    shader: 'silu-act',
    constants: { RES: p.residual ? 1 : 0, WG },
    uniforms: { z_off: p.z.offset, y_off: p.y.offset, res_off: p.residual?.offset ?? 0, n: numel(p.z) },
    workgroups: grid1d(numel(p.z), WG),
  };
}

/** dz = dy · silu'(z), written over z; dResidual += dy. */
export function planSiluGrad(p: { label: string; z: View; dy: View; dResidual?: View }): Dispatch {
  same(p.label, p.z, p.dy, 'dy');
  if (p.dResidual) same(p.label, p.z, p.dResidual, 'residual gradient');
  return {
    label: `${p.label}.dact`,
    shader: 'silu-grad',
    constants: { RES: p.dResidual ? 1 : 0, WG },
    uniforms: { z_off: p.z.offset, dy_off: p.dy.offset, dr_off: p.dResidual?.offset ?? 0, n: numel(p.z) },
    workgroups: grid1d(numel(p.z), WG),
  };
}

/** dX += the 2×2 sums of dY. */
export function planUpsampleGrad(p: { label: string; dy: View; dx: View }): Dispatch {
  const { dx, dy } = p;
  if (dy.c !== dx.c || dy.h !== 2 * dx.h || dy.w !== 2 * dx.w) throw new Error(`${p.label}: dY ${dy.c}×${dy.h}×${dy.w} is not 2× of dX ${dx.c}×${dx.h}×${dx.w}`);
  return {
    label: `${p.label}.dx`,
    shader: 'upsample2x-grad',
    constants: { WG },
    uniforms: { dy_off: dy.offset, dx_off: dx.offset, c: dx.c, h: dx.h, w: dx.w },
    workgroups: grid1d(numel(dx), WG),
  };
}

/** dZ spread over the even positions of an out_h × out_w plane, zeros elsewhere (stride-2 input gradients). */
export function planZeroInsert(p: { label: string; input: View; output: View }): Dispatch {
  const { input: x, output: y } = p;
  if (y.c !== x.c || Math.ceil(y.h / 2) !== x.h || Math.ceil(y.w / 2) !== x.w) throw new Error(`${p.label}: ${y.c}×${y.h}×${y.w} cannot hold ${x.c}×${x.h}×${x.w} at its even positions`);
  return {
    label: `${p.label}.zeros`,
    shader: 'zero-insert2x',
    constants: { WG },
    uniforms: { in_off: x.offset, c: x.c, h: x.h, w: x.w, out_off: y.offset, out_h: y.h, out_w: y.w },
    workgroups: grid1d(numel(y), WG),
  };
}
