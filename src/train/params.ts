/**
 * The trainable parameters in one buffer, in the forward kernels' packed layout (src/ops/conv.ts):
 * every weight first (the group with weight decay), then every bias (no decay), each 256-byte
 * aligned — so the optimiser is two element-wise dispatches, one per group, as Ultralytics' two
 * parameter groups (folded BatchNorm leaves no third, BN-weight group).
 *
 * Re-initialising the class branch (a new class list, or `reinitCls`) follows Ultralytics for a
 * tensor that does not transfer: nn.Conv2d's default init (kaiming_uniform, a = √5: U(±1/√fan_in))
 * folded with a fresh BatchNorm (γ 1, β 0, mean 0, var 1, eps 1e-3), and Detect.bias_init() for the
 * last class conv: bias = log(5 / nc / (640 / stride)²).
 */
import type { ConvSpec, ModelSpec } from '../model/spec.js';
import { packConvWeights, packedConvWeightLength } from '../ops/conv.js';
import { WEIGHT_ALIGN } from '../ops/types.js';
import { toFloat32, type TensorFile } from '../weights/format.js';

export interface ParamEntry {
  spec: ConvSpec;
  /** Element offsets in the params buffer. */
  weight: number;
  bias: number;
}

export interface ParamLayout {
  entries: ParamEntry[];
  /** Elements [0, decayEnd) are weights (decay), [decayEnd, total) biases. */
  decayEnd: number;
  total: number;
}

const up = (n: number) => Math.ceil(n / WEIGHT_ALIGN) * WEIGHT_ALIGN;

/** Offsets for the given convolutions, weights first. */
export function layoutParams(convs: readonly ConvSpec[]): ParamLayout {
  let at = 0;
  const w = convs.map((c) => {
    const o = at;
    at = up(at + packedConvWeightLength(c));
    return o;
  });
  const decayEnd = at;
  const entries = convs.map((spec, i) => {
    const bias = at;
    at = up(at + spec.cout);
    return { spec, weight: w[i], bias };
  });
  return { entries, decayEnd, total: Math.max(at, WEIGHT_ALIGN) };
}

/** Seeded uniform floats in [lo, hi) (mulberry32). */
export function mulberry32(seed: number) {
  let s = seed >>> 0;
  return (lo: number, hi: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

/** Fresh OIHW weight and bias of a convolution, as Ultralytics initialises a tensor it cannot transfer. */
export function initConv(c: ConvSpec, rnd: (lo: number, hi: number) => number, finalClsStride?: number, nc = 1): { weight: Float32Array; bias: Float32Array } {
  const fanIn = (c.cin / c.groups) * c.k * c.k;
  const bound = 1 / Math.sqrt(fanIn);
  const plain = !c.weight.endsWith('.conv.weight'); // nn.Conv2d with a bias, no BatchNorm
  const bnScale = plain ? 1 : 1 / Math.sqrt(1 + 1e-3);
  const weight = Float32Array.from({ length: c.cout * fanIn }, () => rnd(-bound, bound) * bnScale);
  const bias = new Float32Array(c.cout);
  if (finalClsStride) bias.fill(Math.log(5 / nc / (640 / finalClsStride) ** 2));
  else if (plain) for (let i = 0; i < bias.length; i++) bias[i] = rnd(-bound, bound);
  return { weight, bias };
}

/** The params buffer's initial contents from OIHW tensors (`get` returns the weight and bias of a conv). */
export function packParams(layout: ParamLayout, get: (c: ConvSpec) => { weight: Float32Array; bias: Float32Array }): Float32Array {
  const out = new Float32Array(layout.total);
  for (const e of layout.entries) {
    const { weight, bias } = get(e.spec);
    out.set(packConvWeights(weight, e.spec), e.weight);
    out.set(bias, e.bias);
  }
  return out;
}

/** OIHW tensors back from a params buffer (the packing's padding columns dropped). */
export function unpackParams(layout: ParamLayout, data: Float32Array): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const { spec: c, weight, bias } of layout.entries) {
    const K = (c.cin / c.groups) * c.k * c.k;
    let w: Float32Array;
    if (c.groups === 1) {
      const mp = packedConvWeightLength(c) / K;
      w = new Float32Array(c.cout * K);
      for (let m = 0; m < c.cout; m++) for (let k = 0; k < K; k++) w[m * K + k] = data[weight + k * mp + m];
    } else {
      w = data.slice(weight, weight + c.cout * K);
    }
    out.set(c.weight, { shape: [c.cout, c.cin / c.groups, c.k, c.k], data: w });
    out.set(c.bias, { shape: [c.cout], data: data.slice(bias, bias + c.cout) });
  }
  return out;
}

/**
 * The params buffer's initial contents for `spec` (the target class count) from a source file:
 * Ultralytics transfers every tensor whose shape matches and initialises the others; with `reinitCls`
 * the class branch (Detect's cv3) is initialised whatever its shape. Returns the names initialised.
 */
export function initialParams(file: TensorFile, spec: ModelSpec, layout: ParamLayout, reinitCls: boolean, seed: number) {
  const rnd = mulberry32(seed ^ 0x5eed);
  const reinitialised: string[] = [];
  const detect = spec.layers[spec.layers.length - 1];
  const cls = detect.type === 'Detect' ? detect.cls : [];
  const clsConvs = new Set(cls.flat().map((c) => c.name));
  const finalCls = new Map(cls.map((br, j) => [br[4].name, 8 * 2 ** j] as const));
  const params = packParams(layout, (c) => {
    const w = file.tensors.get(c.weight);
    const want = [c.cout, c.cin / c.groups, c.k, c.k];
    const same = !!w && w.shape.length === 4 && w.shape.every((v, i) => v === want[i]);
    if (same && !(reinitCls && clsConvs.has(c.name))) return { weight: toFloat32(w), bias: toFloat32(file.tensors.get(c.bias)!) };
    reinitialised.push(c.name);
    return initConv(c, rnd, finalCls.get(c.name), spec.nc);
  });
  return { params, reinitialised };
}
