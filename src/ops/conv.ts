/**
 * Convolution planner: groups = 1 → shaders/conv2d.wgsl (implicit GEMM, 8 channels × 8 pixels per
 * invocation), groups = Cin = Cout → shaders/dwconv.wgsl. Also packs weights for those kernels.
 */
import type { ConvSpec } from '../model/spec.js';
import { grid1d, type Dispatch, type View } from './types.js';

export interface ConvParams {
  label: string;
  input: View;
  output: View;
  k: number;
  stride: number;
  groups: number;
  act: boolean;
  /** Element offsets in the weights buffer (64-aligned): packed weights, raw bias [Cout]. */
  weightOffset: number;
  biasOffset: number;
  /** Added after the activation; same shape as the output. */
  residual?: View;
}

/**
 * Per-adapter tiling choice. `register`: 8×8 register tiles read straight from global memory
 * (shaders/conv2d.wgsl, workgroup wgx × wgy) — fastest on SwiftShader and other CPU adapters;
 * `tiled`: 32×32 workgroup-memory tiles (shaders/conv2d-tiled.wgsl) — what real GPUs reward.
 */
export interface ConvTuning {
  variant: 'register' | 'tiled';
  wgx: number;
  wgy: number;
}

const TN = 8; // output pixels per invocation (shaders/conv2d.wgsl const TN)
const TM = 8; // output channels per invocation (two vec4 accumulators)
const DW_WG = 64;

const CPU_ADAPTER = /swiftshader|llvmpipe|lavapipe|warp|cpu/i;

export const convTuning = (variant: ConvTuning['variant']): ConvTuning =>
  variant === 'register' ? { variant, wgx: 16, wgy: 4 } : { variant, wgx: 8, wgy: 8 };

/** Register tiles on CPU adapters (measured fastest on SwiftShader), workgroup-memory tiles elsewhere. */
export function chooseConvTuning(adapter: { vendor: string; architecture: string; device: string; description: string }, _features: string[]): ConvTuning {
  const cpu = CPU_ADAPTER.test(`${adapter.vendor} ${adapter.architecture} ${adapter.device} ${adapter.description}`) || !adapter.vendor;
  return convTuning(cpu ? 'register' : 'tiled');
}
/** Output tile of shaders/conv2d-tiled.wgsl: 32 channels × 32 pixels. */
const TILE = 32;

const coutPad = (cout: number) => Math.ceil(cout / TM) * TM;

/** Elements `packConvWeights` produces for a conv. */
export function packedConvWeightLength(c: Pick<ConvSpec, 'cin' | 'cout' | 'k' | 'groups'>): number {
  return c.groups === 1 ? c.cin * c.k * c.k * coutPad(c.cout) : c.cout * c.k * c.k;
}

/**
 * OIHW weights → the kernel's layout: groups = 1: [K = Cin·k·k][Cout padded to 8] (zeros in the
 * padding), so an invocation's 8 channels at one k are two aligned vec4s; depthwise: raw [C][k][k].
 */
export function packConvWeights(w: Float32Array, c: Pick<ConvSpec, 'cin' | 'cout' | 'k' | 'groups'>): Float32Array {
  if (c.groups !== 1) return w;
  const K = c.cin * c.k * c.k;
  const mp = coutPad(c.cout);
  if (w.length !== K * c.cout) throw new Error(`conv weights: expected ${K * c.cout} values, got ${w.length}`);
  const out = new Float32Array(K * mp);
  for (let m = 0; m < c.cout; m++) for (let k = 0; k < K; k++) out[k * mp + m] = w[m * K + k];
  return out;
}

export function planConv(p: ConvParams, tuning: ConvTuning = { variant: 'register', wgx: 16, wgy: 4 }): Dispatch {
  const { input: x, output: y, k, stride } = p;
  const pad = Math.floor(k / 2);
  const oh = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  if (y.h !== oh || y.w !== ow) throw new Error(`${p.label}: output ${y.h}×${y.w} ≠ conv output ${oh}×${ow} of input ${x.h}×${x.w} (k ${k}, stride ${stride})`);
  if (p.residual && (p.residual.c !== y.c || p.residual.h !== y.h || p.residual.w !== y.w)) throw new Error(`${p.label}: residual shape differs from output`);
  if (p.weightOffset % 4 || p.biasOffset % 4) throw new Error(`${p.label}: weight offsets must be multiples of 4`);
  const common = { KS: k, STRIDE: stride, ACT: p.act ? 1 : 0, RES: p.residual ? 1 : 0 };
  const uniforms = {
    in_off: x.offset, in_c: x.c, in_h: x.h, in_w: x.w, out_off: y.offset, out_c: y.c, out_h: y.h, out_w: y.w,
    w_off: p.weightOffset, b_off: p.biasOffset, res_off: p.residual?.offset ?? 0, cout_pad: coutPad(y.c),
  };
  if (p.groups === 1 && tuning.variant === 'tiled') {
    return { label: p.label, shader: 'conv2d-tiled', constants: common, uniforms, workgroups: [Math.ceil((oh * ow) / TILE), Math.ceil(y.c / TILE), 1] };
  }
  if (p.groups === 1) {
    return {
      label: p.label,
      shader: 'conv2d',
      constants: { ...common, WGX: tuning.wgx, WGY: tuning.wgy },
      uniforms,
      workgroups: [Math.ceil(Math.ceil((oh * ow) / TN) / tuning.wgx), Math.ceil(Math.ceil(y.c / TM) / tuning.wgy), 1],
    };
  }
  if (p.groups !== x.c || p.groups !== y.c) throw new Error(`${p.label}: groups ${p.groups} must be 1 or equal Cin = Cout (${x.c}, ${y.c})`);
  return {
    label: p.label,
    shader: 'dwconv',
    constants: { ...common, WG: DW_WG },
    uniforms: {
      in_off: x.offset, in_h: x.h, in_w: x.w, c: x.c, out_off: y.offset, out_h: y.h, out_w: y.w,
      res_off: p.residual?.offset ?? 0, w_off: p.weightOffset, b_off: p.biasOffset,
    },
    workgroups: grid1d(y.c * oh * ow, DW_WG),
  };
}
