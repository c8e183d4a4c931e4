/**
 * Convolution planner: groups = 1 → the kernel variant chosen for it (conv-variants.ts: unrolled
 * register tiles or workgroup-memory tiles, each an implicit GEMM with bias, SiLU and residual
 * fused), groups = Cin = Cout → shaders/dwconv.wgsl. Also packs weights for those kernels.
 */
import type { ConvSpec } from '../model/spec.js';
import { coutPad, grid1d, type ConvDims, type Dispatch, type View } from './types.js';
import { GENERIC, IM2COL_SHADER, RT_LANES, SPLITK_SHADER, im2colRows, k3LaneSplit, laneRows, packedRows, type ConvVariant } from './conv-variants.js';
import { winogradElements, winogradTransforms, type WinogradParts } from './winograd.js';

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
  /**
   * Scratch for an im2col variant, `im2colRows` (conv-variants.ts) rows of the output plane, alive only
   * during this convolution. A split-K variant also needs its weights packed by `packSplitKWeights`.
   */
  cols?: View;
  /** A Winograd variant's transformed weights and scratch (src/ops/winograd.ts). */
  wino?: WinogradParts;
}

const DW_WG = 64;
/** shaders/dwconv-rt-3x3s1-n8.wgsl: 8 rows of one column per lane, workgroup 16 columns × 4 channels. */
const DW_RT = { shader: 'dwconv-rt-3x3s1-n8', tn: 8, wx: 16, wy: 4 };
/** Workgroups per grid dimension every adapter allows (maxComputeWorkgroupsPerDimension's minimum). */
const MAX_GROUPS = 65535;


/** Elements `packConvWeights` produces for a conv. */
export function packedConvWeightLength(c: Pick<ConvSpec, 'cin' | 'cout' | 'k' | 'groups'>): number {
  return c.groups === 1 ? c.cin * c.k * c.k * coutPad(c.cout) : c.cout * c.k * c.k;
}

/**
 * OIHW weights → the kernel's layout: groups = 1: [K = Cin·k·k][Cout padded to 16] (zeros in the
 * padding), so a lane's channels at one k are aligned vec4s; depthwise: raw [C][k][k].
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

/**
 * Plan one convolution with kernel `variant`: one dispatch, or for an im2col variant two (the input
 * unfolded into `p.cols`, then the 1×1 kernel over it; the first is marked `prologue`, its time the
 * convolution's in profiles).
 */
export function planConvSteps(p: ConvParams, variant: ConvVariant = GENERIC): Dispatch[] {
  if (variant.winograd && p.groups === 1) return planWinograd(p, variant);
  if (!variant.im2col || p.groups !== 1) return [planConv(p, variant)];
  if (p.k !== 3 || variant.kind !== `3x3s${p.stride}`) return [planConv(p, GENERIC)];
  const { input: x, output: y } = p;
  const { conv, flops } = convDims(p);
  const cols = p.cols;
  const rows = im2colRows(variant, x.c, y.c);
  if (!cols || cols.c !== rows || cols.h !== y.h || cols.w !== y.w) throw new Error(`${p.label}: ${variant.id} needs a ${rows}×${y.h}×${y.w} im2col scratch view`);
  const npix = y.h * y.w;
  const tiles = Math.ceil(npix / RT_LANES);
  const z = Math.ceil(tiles / MAX_GROUPS);
  const unfold: Dispatch = {
    label: p.label, shader: IM2COL_SHADER, constants: {}, prologue: true, variant: variant.id,
    uniforms: { in_off: x.offset, in_c: x.c, in_h: x.h, in_w: x.w, out_off: cols.offset, out_h: y.h, out_w: y.w, stride: p.stride },
    workgroups: [Math.ceil(tiles / z), x.c, z],
  };
  const unfolded = { offset: cols.offset, c: 9 * x.c, h: y.h, w: y.w };
  if (variant.splitK) return [unfold, ...planSplitK(p, variant, unfolded, conv, flops)];
  const gemm = planConv({ ...p, input: unfolded, k: 1, stride: 1 }, { ...variant, kind: 'pw', im2col: false });
  return [unfold, { ...gemm, variant: variant.id, flops, conv }];
}

/**
 * A split-K im2col convolution's GEMM and sum: the 1×1 kernel batched over S equal slices of the 9·Cin
 * unfolded rows (with the zero bias packed after the weights as every slice's bias), writing S
 * partial outputs after the unfolded rows in the scratch; then shaders/splitk-reduce.wgsl adds them up
 * with the bias, SiLU and residual (an epilogue, its time the convolution's in profiles).
 */
function planSplitK(p: ConvParams, variant: ConvVariant, unfolded: View, conv: ConvDims, flops: number): Dispatch[] {
  const { output: y } = p;
  const S = variant.splitK!;
  const npix = y.h * y.w;
  if (unfolded.c % S) throw new Error(`${p.label}: ${variant.id} needs 9·Cin in multiples of ${S}`);
  const slice = unfolded.c / S;
  const partials = unfolded.offset + unfolded.c * npix;
  const mp = coutPad(y.c);
  const gemm = planConv({
    label: p.label, input: { ...unfolded, c: slice }, output: { offset: partials, c: y.c, h: y.h, w: y.w },
    k: 1, stride: 1, groups: 1, act: false, weightOffset: p.weightOffset, biasOffset: p.weightOffset + unfolded.c * mp,
  }, { ...variant, kind: 'pw', im2col: false, splitK: undefined });
  const [gx, gy, gz] = gemm.workgroups;
  const sum: Dispatch = {
    label: p.label, shader: SPLITK_SHADER, constants: { RES: p.residual ? 1 : 0 }, epilogue: true, variant: variant.id,
    uniforms: { in_off: partials, parts: S, out_off: y.offset, out_c: y.c, npix, res_off: p.residual?.offset ?? 0, b_off: p.biasOffset, act: p.act ? 1 : 0 },
    workgroups: [Math.ceil(npix / RT_LANES), y.c, 1],
  };
  return [{
    ...gemm, variant: variant.id, flops, conv,
    uniforms: { ...gemm.uniforms, bat_in: slice * npix, bat_w: slice * mp, bat_out: y.c * npix },
    workgroups: [gx, gy, gz * S],
  }, sum];
}

/** Packed weights of a split-K variant: `packConvWeights`' then `coutPad` zeros (its GEMMs' bias). */
export function packSplitKWeights(w: Float32Array, c: Pick<ConvSpec, 'cin' | 'cout' | 'k' | 'groups'>): Float32Array {
  const packed = packConvWeights(w, c);
  const out = new Float32Array(packed.length + coutPad(c.cout));
  out.set(packed);
  return out;
}

/**
 * A 3×3 stride-1 convolution as Winograd F(m×m, 3×3): the input transform (a prologue), the (m+2)² GEMMs
 * as one batched dispatch of the variant's 1×1 kernel (carrying the convolution's FLOPs — the direct
 * count, so its GFLOP/s is the effective rate — geometry and variant), the output transform (an epilogue).
 */
function planWinograd(p: ConvParams, variant: ConvVariant): Dispatch[] {
  if (p.k !== 3 || p.stride !== 1) return [planConv(p, GENERIC)];
  const { conv, flops } = convDims(p);
  const parts = p.wino;
  if (!parts) throw new Error(`${p.label}: ${variant.id} needs its transformed weights and scratch`);
  const m = variant.winograd!;
  const n = winogradElements(m);
  const { before, after } = winogradTransforms(p, parts, m, variant.id);
  const tiles = parts.v.h * parts.v.w;
  const [x, y] = [p.input, p.output];
  const gemm = planConv({
    label: p.label, input: { offset: parts.v.offset, c: x.c, h: 1, w: tiles }, output: { offset: parts.m.offset, c: y.c, h: 1, w: tiles },
    k: 1, stride: 1, groups: 1, act: false, weightOffset: parts.weightOffset, biasOffset: parts.weightOffset + n * x.c * coutPad(y.c),
  }, { ...variant, kind: 'pw', winograd: undefined });
  const [gx, gy, gz] = gemm.workgroups;
  const batched = { ...gemm, variant: variant.id, flops, conv, uniforms: { ...gemm.uniforms, bat_in: x.c * tiles, bat_w: x.c * coutPad(y.c), bat_out: y.c * tiles } };
  const rows = packedRows(variant, y.c);
  if (rows) {
    // The n GEMMs packed along rows of wx lanes (the kernel's bat_rows): rows / wy workgroups along y.
    const wx = variant.wx;
    const xTiles = Math.ceil(tiles / (variant.tn * wx));
    const z = Math.ceil(xTiles / MAX_GROUPS);
    return [before, {
      ...batched, uniforms: { ...batched.uniforms, wx, zfold: z, bat_rows: rows / n },
      workgroups: [Math.ceil(xTiles / z), rows / (RT_LANES / wx), z],
    }, after];
  }
  return [before, { ...batched, workgroups: [gx, gy, gz * n] }, after];
}

/** A convolution's checked geometry and FLOPs (throws where the views do not fit together). */
function convDims(p: ConvParams): { conv: ConvDims; flops: number } {
  const { input: x, output: y, k, stride } = p;
  const pad = Math.floor(k / 2);
  const oh = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  if (y.h !== oh || y.w !== ow) throw new Error(`${p.label}: output ${y.h}×${y.w} ≠ conv output ${oh}×${ow} of input ${x.h}×${x.w} (k ${k}, stride ${stride})`);
  if (p.residual && (p.residual.c !== y.c || p.residual.h !== y.h || p.residual.w !== y.w)) throw new Error(`${p.label}: residual shape differs from output`);
  if (p.weightOffset % 4 || p.biasOffset % 4) throw new Error(`${p.label}: weight offsets must be multiples of 4`);
  const conv = { k, stride, cin: x.c, cout: y.c, inH: x.h, inW: x.w, outH: oh, outW: ow, act: p.act, res: !!p.residual };
  return { conv, flops: 2 * y.c * (x.c / p.groups) * k * k * oh * ow };
}

/** Plan one convolution with a one-dispatch kernel `variant` (the generic one when the variant does not compute this k and stride). */
export function planConv(p: ConvParams, variant: ConvVariant = GENERIC): Dispatch {
  const { input: x, output: y, k, stride } = p;
  const { conv, flops } = convDims(p);
  const { outH: oh, outW: ow } = conv;
  const flags = { ACT: p.act ? 1 : 0, RES: p.residual ? 1 : 0 };
  // Register kernels let lanes past the plane's end store a clamped copy again, unless that would add
  // an in-place residual twice.
  const IN_PLACE = p.residual?.offset === y.offset ? 1 : 0;
  if (p.groups !== 1) {
    if (p.groups !== x.c || p.groups !== y.c) throw new Error(`${p.label}: groups ${p.groups} must be 1 or equal Cin = Cout (${x.c}, ${y.c})`);
    if (variant.family === 'register' && k === 3 && stride === 1) {
      // Row-reusing register kernel (CPU adapters): DW_RT.tn rows × 1 channel per lane.
      return {
        label: p.label,
        shader: DW_RT.shader,
        constants: { WX: DW_RT.wx, WY: DW_RT.wy, RES: flags.RES, IN_PLACE, FULL_N: oh % DW_RT.tn === 0 ? 1 : 0 },
        uniforms: {
          in_off: x.offset, in_h: x.h, in_w: x.w, c: x.c, out_off: y.offset, out_h: y.h, out_w: y.w,
          res_off: p.residual?.offset ?? 0, w_off: p.weightOffset, b_off: p.biasOffset, act: flags.ACT,
        },
        workgroups: [Math.ceil(ow / DW_RT.wx), Math.ceil(oh / DW_RT.tn), Math.ceil(y.c / DW_RT.wy)],
        flops,
      };
    }
    return {
      label: p.label,
      shader: 'dwconv',
      constants: { KS: k, STRIDE: stride, ...flags, WG: DW_WG },
      uniforms: {
        in_off: x.offset, in_h: x.h, in_w: x.w, c: x.c, out_off: y.offset, out_h: y.h, out_w: y.w,
        res_off: p.residual?.offset ?? 0, w_off: p.weightOffset, b_off: p.biasOffset,
      },
      workgroups: grid1d(y.c * oh * ow, DW_WG),
      flops,
    };
  }
  if (variant.im2col || variant.winograd) throw new Error(`${p.label}: ${variant.id} is ${variant.winograd ? 'three' : 'two'} dispatches (planConvSteps)`);
  const uniforms = {
    in_off: x.offset, in_c: x.c, in_h: x.h, in_w: x.w, out_off: y.offset, out_c: y.c, out_h: y.h, out_w: y.w,
    w_off: p.weightOffset, b_off: p.biasOffset, res_off: p.residual?.offset ?? 0, cout_pad: coutPad(y.c),
  };
  // Register kernels read SiLU from a uniform and the residual as an override (a pipeline per kernel
  // with and without one); conv-tiled has both as uniforms, the generic kernel both as overrides.
  const rtUniforms = { ...uniforms, act: flags.ACT, res: flags.RES };
  const kind = k === 1 && stride === 1 ? 'pw' : k === 3 && stride <= 2 ? `3x3s${stride}` : 'any';
  const v = variant.kind === kind || variant.kind === 'any' ? variant : GENERIC;
  const base = { label: p.label, shader: v.shader, uniforms, flops, variant: v.id, conv };
  if (v.family === 'register') {
    // RT_LANES lanes: wy rows along channels, wx = 64 / wy along pixels (u.wx: a uniform, one pipeline
    // for every split), split to leave the fewest lanes idle.
    const flat = v.kind === 'pw' || v.pixels === true;
    const wy = laneRows(Math.ceil(y.c / v.tm), flat ? oh * ow : ow, flat ? v.tn : 1, v.wx);
    const wx = RT_LANES / wy;
    const mGroups = Math.ceil(y.c / (v.tm * wy));
    const uniforms = { ...base.uniforms, act: flags.ACT, wx };
    // FULL_M: Cout fills whole 16-channel tiles, so the epilogue needs no channel test (see the kernels).
    const constants = { RES: flags.RES, IN_PLACE, FULL_M: coutPad(y.c) === y.c ? 1 : 0 };
    if (flat) {
      // Pixel tiles along x, folded into z past the per-dimension limit (the kernel reads num_workgroups).
      const tiles = Math.ceil((oh * ow) / (v.tn * wx));
      const z = Math.ceil(tiles / MAX_GROUPS);
      // 1×1 kernels also run batched (Winograd's GEMMs): one GEMM here, z only folds pixel tiles.
      const batch: Record<string, number> = v.kind === 'pw' ? { bat_in: 0, bat_w: 0, bat_out: 0, zfold: z, bat_rows: 0 } : {};
      return { ...base, uniforms: { ...uniforms, ...batch }, constants, workgroups: [Math.ceil(tiles / z), mGroups, z] };
    }
    // 3×3 columns of rows: some rows of lanes may go along row tiles (yr, the kernel's yrows) where
    // that leaves fewer lanes idle (k3LaneSplit). FULL_N: whole tiles of v.tn rows, every row tile
    // of the grid inside the plane, so the row tests compile away too.
    const rowTiles = Math.ceil(oh / v.tn);
    const { wy: wy3, yr } = k3LaneSplit(Math.ceil(y.c / v.tm), ow, rowTiles, v.wx);
    const wx3 = RT_LANES / wy3;
    const fullN = oh % v.tn === 0 && rowTiles % yr === 0 ? 1 : 0;
    return {
      ...base, uniforms: { ...uniforms, wx: wx3, yrows: yr }, constants: { ...constants, FULL_N: fullN },
      workgroups: [Math.ceil(ow / wx3), Math.ceil(rowTiles / yr), Math.ceil(y.c / (v.tm * (wy3 / yr)))],
    };
  }
  const tiles = Math.ceil((oh * ow) / v.tn);
  const z = Math.ceil(tiles / MAX_GROUPS);
  const workgroups: [number, number, number] = [Math.ceil(tiles / z), Math.ceil(y.c / v.tm), z];
  if (v.shader === 'conv-tiled') return { ...base, uniforms: rtUniforms, constants: { KS: k, STRIDE: stride, WX: v.wx, WY: v.wy, BK: v.bk! }, workgroups };
  return { ...base, constants: { KS: k, STRIDE: stride, ...flags }, workgroups };
}
