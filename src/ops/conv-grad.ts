/**
 * Planners for the convolution backward kernels (training): the gradient w.r.t. the input
 * (shaders/conv-grad-input.wgsl, shaders/dwconv-grad-input.wgsl) and w.r.t. the weights and bias
 * (shaders/conv-grad-weight-{1x1,3x3,reduce}.wgsl, the one-pass shaders/conv-grad-weight.wgsl for other
 * shapes, shaders/dwconv-grad-weight.wgsl). They read the forward's packed
 * weights (src/ops/conv.ts `packConvWeights`) and write weight gradients in the same packed layout,
 * so one element-wise optimiser step serves both. Every gradient is accumulated (+=).
 */
import { coutPad, grid1d, type Dispatch, type View } from './types.js';

export interface ConvGradParams {
  label: string;
  /** The forward's input X (c × h × w). */
  input: View;
  /** dZ: the gradient of the pre-activation output (cout × oh × ow). */
  dz: View;
  k: number;
  stride: number;
  groups: number;
}

const LANES = 64;
const MAX_GROUPS = 65535;
/**
 * Lanes per workgroup of the weight-gradient kernels, each owning whole output tiles (no cross-lane
 * reduction): small workgroups give a CPU adapter's threads enough of them.
 */
const W_LANES = 16;


function check(p: ConvGradParams) {
  const { input: x, dz, k, stride } = p;
  const pad = Math.floor(k / 2);
  const oh = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  if (dz.h !== oh || dz.w !== ow) throw new Error(`${p.label}: dZ ${dz.h}×${dz.w} ≠ conv output ${oh}×${ow} of input ${x.h}×${x.w} (k ${k}, stride ${stride})`);
  if (p.groups !== 1 && (p.groups !== x.c || p.groups !== dz.c)) throw new Error(`${p.label}: groups ${p.groups} must be 1 or equal Cin = Cout`);
  if (p.groups !== 1 && k !== 3) throw new Error(`${p.label}: depthwise gradients are implemented for 3×3 kernels only`);
}

/** dX += convᵀ(dZ): `dx` has the input's shape; `weightOffset` is the packed forward weights' offset. */
export function planConvGradInput(p: ConvGradParams & { dx: View; weightOffset: number }): Dispatch {
  check(p);
  const { dx, dz, k, stride } = p;
  if (dx.c !== p.input.c || dx.h !== p.input.h || dx.w !== p.input.w) throw new Error(`${p.label}: dX shape differs from the input's`);
  if (p.groups !== 1) {
    return {
      label: `${p.label}.dx`,
      shader: 'dwconv-grad-input',
      constants: { KS: k, STRIDE: stride, WG: LANES },
      uniforms: { dz_off: dz.offset, out_h: dz.h, out_w: dz.w, dx_off: dx.offset, in_h: dx.h, in_w: dx.w, c: dx.c, w_off: p.weightOffset },
      workgroups: grid1d(dx.c * dx.h * dx.w, LANES),
      flops: 2 * dz.c * k * k * dz.h * dz.w,
    };
  }
  if (p.weightOffset % 4) throw new Error(`${p.label}: weight offset must be a multiple of 4`);
  const tiles = Math.ceil((dx.h * dx.w) / LANES);
  const z = Math.ceil(tiles / MAX_GROUPS);
  return {
    label: `${p.label}.dx`,
    shader: 'conv-grad-input',
    constants: { KS: k, STRIDE: stride },
    uniforms: {
      dz_off: dz.offset, out_c: dz.c, out_h: dz.h, out_w: dz.w, dx_off: dx.offset, in_c: dx.c, in_h: dx.h, in_w: dx.w,
      w_off: p.weightOffset, cout_pad: coutPad(dz.c),
    },
    workgroups: [Math.ceil(tiles / z), Math.ceil(dx.c / 4), z],
    flops: 2 * dz.c * dx.c * k * k * dz.h * dz.w,
  };
}

/**
 * Lanes per workgroup of the two-pass weight gradient's first pass: 8 along pixels for 1×1; along
 * columns for 3×3, 16 where that wastes no more lanes than 8 (fewer, longer workgroups: 80 columns
 * 70 ms with 16 vs 77 with 8 for model.23.cv2.0.0, while 20 columns take 40 vs 29 ms).
 */
const sumLanes = (k: number, w: number) => (k === 1 || Math.ceil(w / 16) * 16 > Math.ceil(w / 8) * 8 ? 8 : 16);
/** Pixel slices are added (each one more partial tile per lane) until this many workgroups run. */
const MIN_WORKGROUPS = 128;

export interface ConvGradWeightParams extends ConvGradParams {
  gradOffset: number;
  biasGradOffset: number;
  /** The buffer holding the gradients (binding `grads`). */
  buffer: string;
  /** The two-pass kernels' scratch buffer (binding `sums`), `convGradWeightSums` elements from offset 0. */
  sums: string;
}

/** The two-pass kernels compute 1×1 stride 1 and 3×3 stride 1 or 2; others take the one-pass kernel. */
const twoPass = (p: ConvGradParams) => p.groups === 1 && ((p.k === 1 && p.stride === 1) || (p.k === 3 && p.stride <= 2));

function sumsGrid(p: ConvGradParams) {
  const { input: x, dz } = p;
  const wgs = (p.k === 1 ? Math.ceil(x.c / 8) : x.c) * Math.ceil(dz.c / 8);
  const most = p.k === 1 ? Math.ceil((dz.h * dz.w) / 8) : dz.h;
  const slices = Math.max(1, Math.min(most, Math.ceil(MIN_WORKGROUPS / wgs)));
  const K = x.c * p.k * p.k;
  const lanes = sumLanes(p.k, dz.w);
  return { lanes, slices, K, parts: slices * lanes, elements: slices * lanes * (K + 1) * coutPad(dz.c) };
}

/** Elements of the `sums` scratch that `planConvGradWeight` needs (0 for the one-pass kernels). */
export const convGradWeightSums = (p: ConvGradParams): number => (twoPass(p) ? sumsGrid(p).elements : 0);

/**
 * dW += dZ ⋆ X and dB += Σ dZ into the `grads` binding (mapped to `buffer`), at `gradOffset` (packed
 * like the weights) and `biasGradOffset`. 1×1 and 3×3 convolutions take two passes (lanes along
 * pixels write partial sums to `sums`, then one pass adds them up); depthwise and other shapes one.
 */
export function planConvGradWeight(p: ConvGradWeightParams): Dispatch[] {
  check(p);
  const { input: x, dz, k, stride } = p;
  const buffers = { grads: p.buffer };
  if (p.groups !== 1) {
    return [{
      label: `${p.label}.dw`,
      shader: 'dwconv-grad-weight',
      constants: { STRIDE: stride, WG: W_LANES },
      uniforms: { x_off: x.offset, in_h: x.h, in_w: x.w, dz_off: dz.offset, out_h: dz.h, out_w: dz.w, c: x.c, g_off: p.gradOffset, gb_off: p.biasGradOffset },
      workgroups: grid1d(x.c, W_LANES),
      buffers,
      flops: 2 * x.c * k * k * dz.h * dz.w,
    }];
  }
  const flops = 2 * dz.c * x.c * k * k * dz.h * dz.w;
  const cout_pad = coutPad(dz.c);
  if (!twoPass(p)) {
    return [{
      label: `${p.label}.dw`,
      shader: 'conv-grad-weight',
      constants: { KS: k, STRIDE: stride, LANES: W_LANES },
      uniforms: {
        x_off: x.offset, in_c: x.c, in_h: x.h, in_w: x.w, dz_off: dz.offset, out_c: dz.c, out_h: dz.h, out_w: dz.w,
        g_off: p.gradOffset, gb_off: p.biasGradOffset, cout_pad,
      },
      workgroups: [Math.ceil((x.c * k * k) / (4 * W_LANES)), Math.ceil(dz.c / 16), 1],
      buffers,
      flops,
    }];
  }
  const g = sumsGrid(p);
  const groupsM = Math.ceil(dz.c / 8);
  const npix = dz.h * dz.w;
  const first: Dispatch = k === 1
    ? {
      label: `${p.label}.dw`,
      shader: 'conv-grad-weight-1x1',
      constants: { WX: g.lanes },
      uniforms: { x_off: x.offset, in_c: x.c, dz_off: dz.offset, out_c: dz.c, npix, p_off: 0, cout_pad, span: Math.ceil(npix / g.slices) },
      workgroups: [Math.ceil(x.c / 8), groupsM, g.slices],
      buffers: { sums: p.sums },
      flops,
    }
    : {
      label: `${p.label}.dw`,
      shader: 'conv-grad-weight-3x3',
      constants: { STRIDE: stride, WX: g.lanes },
      uniforms: {
        x_off: x.offset, in_c: x.c, in_h: x.h, in_w: x.w, dz_off: dz.offset, out_c: dz.c, out_h: dz.h, out_w: dz.w,
        p_off: 0, cout_pad, rows: Math.ceil(dz.h / g.slices),
      },
      workgroups: [x.c, groupsM, g.slices],
      buffers: { sums: p.sums },
      flops,
    };
  return [first, {
    label: `${p.label}.dw.sum`,
    shader: 'conv-grad-weight-reduce',
    constants: { WG: LANES },
    uniforms: { p_off: 0, parts: g.parts, k: g.K, out_c: dz.c, cout_pad, g_off: p.gradOffset, gb_off: p.biasGradOffset },
    workgroups: grid1d(((g.K + 1) * cout_pad) / 4, LANES),
    buffers: { sums: p.sums, grads: p.buffer },
  }];
}

/** Elements of the flipped weights W' of a convolution (src/ops/conv.ts layout with Cin as the output axis; depthwise: C·k·k). */
export const flippedLength = (cin: number, cout: number, k: number, groups = 1) => (groups === 1 ? cout * k * k * coutPad(cin) : cout * k * k);

/**
 * W'[ci, co, ky, kx] = W[co, ci, KS−1−ky, KS−1−kx] in the packed layout (shaders/conv-weight-flip.wgsl):
 * the input gradient of a stride-1 convolution is then the convolution of dZ with W', which the
 * inference kernels compute (src/train/net.ts); for a depthwise one (groups = C), each channel's k×k
 * taps reversed. Reads `params` at `weightOffset`, writes `buffer` at `flipOffset`.
 */
export function planWeightFlip(p: { label: string; cin: number; cout: number; k: number; groups?: number; weightOffset: number; flipOffset: number; buffer: string }): Dispatch {
  const dw = (p.groups ?? 1) !== 1;
  const n = flippedLength(p.cin, p.cout, p.k, p.groups);
  return {
    label: `${p.label}.flip`,
    shader: 'conv-weight-flip',
    constants: { KS: p.k, WG: LANES, DEPTHWISE: dw ? 1 : 0 },
    uniforms: { w_off: p.weightOffset, f_off: p.flipOffset, cin: p.cin, cout: p.cout, cin_pad: coutPad(p.cin), cout_pad: coutPad(p.cout) },
    workgroups: grid1d(n, LANES),
    buffers: { src: 'params', dst: p.buffer },
  };
}
