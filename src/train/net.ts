/**
 * The trainable part of YOLO11 as dispatch lists over one arena, following src/model/spec.ts and the
 * forward builder src/model/yolo11.ts module by module: layers 11–23 for `neck+head`, Detect (23)
 * alone for `head`. The frozen layers' outputs that it reads are inputs, written where the forward
 * would put them (a Concat's channel slice).
 *
 * Arena: [activations | gradients]. A tensor at offset o has its gradient at o + G, so the gradient of
 * a channel slice is the same slice of the gradient tensor: Concat and Split stay views in the
 * backward, and every backward kernel accumulates (+=) into the gradients, which are cleared before
 * each image. A convolution with SiLU keeps its pre-activation z (forward: conv without activation,
 * then shaders/silu-act.wgsl); the backward turns z into dz in place (silu-grad, which also passes the
 * Bottleneck residual's gradient), then computes dW/dB (into the `gstep` buffer, through the `wsums`
 * scratch) and, if its input needs one, dX. Convolutions read the trained weights from the `params` buffer; the validation
 * forward is the same list reading the `ema` buffer. A 3×3 stride-1 convolution (forward or dX) runs as
 * Winograd where the picker says so: its transformed weights U are made on the GPU into the `wwino`
 * buffer (before each forward from `params` or `ema`; for dX after each flip, from `wflip`), its
 * transformed input and GEMM results go to one scratch after the gradients.
 */
import { REG_MAX, type BlockSpec, type ConvSpec, type LayerSpec, type ModelSpec } from '../model/spec.js';
import { planConv, planConvSteps, type ConvParams } from '../ops/conv.js';
import type { ConvPicker, ConvVariant } from '../ops/conv-variants.js';
import { planWinogradWeights, winogradShapes, winogradWeightLength } from '../ops/winograd.js';
import { convGradWeightSums, flippedLength, planConvGradInput, planConvGradWeight, planWeightFlip } from '../ops/conv-grad.js';
import { planSiluAct, planSiluGrad, planUpsampleGrad, planZeroInsert } from '../ops/act-grad.js';
import { planUpsample } from '../ops/upsample.js';
import type { Dispatch, View } from '../ops/types.js';
import { layoutParams, type ParamLayout } from './params.js';

export type TrainScope = 'head' | 'neck+head';
/** The first trainable layer of each scope. */
export const FIRST_TRAINABLE: Record<TrainScope, number> = { head: 23, 'neck+head': 11 };

/** A tensor or channel slice, and whether the loss's gradient reaches it. */
interface T {
  v: View;
  grad: boolean;
}

export interface TrainProgram {
  scope: TrainScope;
  /** The frozen layers' outputs this program reads, and where each is written. */
  inputs: { layer: number; view: View }[];
  /** Detect's raw outputs, (64 + nc) × H/s × W/s; their gradients are at offset + gradOffset. */
  levels: View[];
  forward: Dispatch[];
  forwardEma: Dispatch[];
  backward: Dispatch[];
  /** Refresh the flipped weights (buffer `wflip`) from `params`: after every change of the parameters. */
  flips: Dispatch[];
  /** Elements of the `wflip` buffer. */
  flipElements: number;
  /** Elements of the `wsums` buffer (scratch of the weight-gradient kernels). */
  sumsElements: number;
  /** Elements of the `wwino` buffer (Winograd convolutions' transformed weights). */
  winoElements: number;
  arenaElements: number;
  /** G: the gradient region is [G, 2G), cleared before each image. */
  gradOffset: number;
  params: ParamLayout;
}

const ALIGN = 64;
const withWeights = (d: Dispatch, buffer: string): Dispatch => ({ ...d, buffers: { ...d.buffers, weights: buffer } });

class Builder {
  size = 0;
  readonly convs: ConvSpec[] = [];
  layout?: ParamLayout;
  readonly fwd: (() => Dispatch[])[] = [];
  readonly bwd: ((G: number) => Dispatch[])[] = [];
  /** Convolutions whose input gradient is computed as a convolution with flipped weights (stride 1, a 3×3 stride 2 through zero-insertion, depthwise stride 1). */
  readonly flipped: { conv: number; offset: number }[] = [];
  /** The `wflip` buffer: [zero bias for every dX convolution][W' of each flipped convolution]. */
  flipSize = 0;
  /** The `wsums` buffer: the weight gradients' partial sums, the largest any convolution needs. */
  sumsSize = 0;
  /** The `wwino` buffer: each Winograd convolution's U (forward and dX), 64-aligned. */
  winoSize = 0;
  /** Dispatches that make the dX convolutions' U from `wflip` (run after the flips). */
  readonly winoFlips: Dispatch[] = [];
  /** The Winograd scratch (transformed input, then GEMM results): at `scratchAt` (after the gradients), the largest any convolution needs. */
  scratchAt = 0;
  scratchSize = 0;
  constructor(private readonly pick?: ConvPicker) {}

  /** A slot for U in `wwino`. */
  private winoSlot(cin: number, cout: number, v: ConvVariant): number {
    const at = this.winoSize;
    this.winoSize = Math.ceil((at + winogradWeightLength(cin, cout, v.winograd!)) / ALIGN) * ALIGN;
    return at;
  }

  /**
   * Convolution `p` by kernel `v`: one dispatch reading `weights`, or Winograd's three over the scratch
   * (the GEMMs reading U at `u` in `wwino`, the output transform the bias from `weights`).
   */
  private planned(p: ConvParams, v: ConvVariant | undefined, weights: string, u?: number): Dispatch[] {
    if (u === undefined || !v?.winograd) return [withWeights(planConv(p, v), weights)];
    const s = winogradShapes(p.input.c, p.output.c, p.output.h, p.output.w, v.winograd);
    const vLen = Math.ceil((s.v.c * s.tiles) / ALIGN) * ALIGN;
    this.scratchSize = Math.max(this.scratchSize, vLen + s.m.c * s.tiles);
    const wino = { weightOffset: u, v: { offset: this.scratchAt, ...s.v }, m: { offset: this.scratchAt + vLen, ...s.m } };
    const steps = planConvSteps({ ...p, wino }, v);
    if (steps.length !== 3) return steps.map((d) => withWeights(d, weights)); // not a 3×3 stride-1 convolution after all
    const [before, gemm, after] = steps;
    return [before, withWeights(gemm, 'wwino'), withWeights(after, weights)];
  }

  /** Winograd's U slot for a convolution (groups 1) when kernel `v` is Winograd. */
  private winoFor(v: ConvVariant | undefined, groups: number, cin: number, cout: number): number | undefined {
    return v?.winograd && groups === 1 ? this.winoSlot(cin, cout, v) : undefined;
  }

  alloc(c: number, h: number, w: number, grad: boolean): T {
    const offset = this.size;
    this.size = Math.ceil((offset + c * h * w) / ALIGN) * ALIGN;
    return { v: { offset, c, h, w }, grad };
  }

  slice = (t: T, c0: number, c: number): T => ({ v: { ...t.v, offset: t.v.offset + c0 * t.v.h * t.v.w, c }, grad: t.grad });

  /** One Conv from x into out (+ residual after the activation). */
  conv(c: ConvSpec, x: T, out: T, residual?: T) {
    const i = this.convs.push(c) - 1;
    const e = () => this.layout!.entries[i];
    const { k, stride, groups } = c;
    const z = c.act ? this.alloc(c.cout, out.v.h, out.v.w, false) : undefined;
    if (!z && residual) throw new Error(`${c.name}: a residual without an activation is not part of the trainable layers`);
    this.fwd.push(() => {
      const y = z ? z.v : out.v;
      const v = this.pick?.({ k, stride, cin: x.v.c, cout: y.c, outH: y.h, outW: y.w });
      const u = this.winoFor(v, groups, c.cin, c.cout);
      const d: Dispatch[] = u === undefined ? [] : [planWinogradWeights({ label: c.name, cin: c.cin, cout: c.cout, m: v!.winograd!, weightOffset: e().weight, outOffset: u, src: 'params', dst: 'wwino' })];
      d.push(...this.planned({ label: c.name, input: x.v, output: y, k, stride, groups, act: false, weightOffset: e().weight, biasOffset: e().bias }, v, 'params', u));
      if (z) d.push(planSiluAct({ label: c.name, z: z.v, y: out.v, residual: residual?.v }));
      return d;
    });
    // dX of a convolution (groups 1, stride 1 or a 3×3 with stride 2): conv(dZ, W') with the inference
    // kernels, accumulated through their residual input (dX + conv, in place: each element is read
    // and written by the same invocation). Stride 2: dZ is first spread over the input's plane with
    // zeros between (the transposed convolution as a stride-1 one).
    // Depthwise (stride 1): dwconv(dZ, W') with each channel's taps reversed, the inference kernel too.
    const flips = groups === 1 ? stride === 1 || (stride === 2 && k === 3) : stride === 1;
    const flip = x.grad && flips ? this.flipped.push({ conv: i, offset: -1 }) - 1 : -1;
    if (flip >= 0) this.flipSize = Math.max(this.flipSize, Math.ceil(c.cin / 16) * 16);
    const spread = flip >= 0 && stride === 2 ? this.alloc(c.cout, x.v.h, x.v.w, false) : undefined;
    this.bwd.push((G) => {
      const g = (t: T): View => ({ ...t.v, offset: t.v.offset + G });
      const dz = z ? z.v : g(out);
      const d: Dispatch[] = [];
      if (z) d.push(planSiluGrad({ label: c.name, z: z.v, dy: g(out), dResidual: residual?.grad ? g(residual) : undefined }));
      const gw = { label: c.name, input: x.v, dz, k, stride, groups };
      this.sumsSize = Math.max(this.sumsSize, convGradWeightSums(gw));
      d.push(...planConvGradWeight({ ...gw, gradOffset: e().weight, biasGradOffset: e().bias, buffer: 'gstep', sums: 'wsums' }));
      if (flip >= 0) {
        const dx = g(x);
        if (spread) d.push(planZeroInsert({ label: c.name, input: dz, output: spread.v }));
        const v = this.pick?.({ k, stride: 1, cin: c.cout, cout: dx.c, outH: dx.h, outW: dx.w });
        const weightOffset = this.flipped[flip].offset;
        const u = this.winoFor(v, groups, c.cout, c.cin);
        if (u !== undefined) this.winoFlips.push(planWinogradWeights({ label: `${c.name}.dx`, cin: c.cout, cout: c.cin, m: v!.winograd!, weightOffset, outOffset: u, src: 'wflip', dst: 'wwino' }));
        d.push(...this.planned({ label: `${c.name}.dx`, input: spread ? spread.v : dz, output: dx, k, stride: 1, groups, act: false, weightOffset, biasOffset: 0, residual: dx }, v, 'wflip', u));
      } else if (x.grad) {
        d.push(withWeights(planConvGradInput({ label: c.name, input: x.v, dz, k, stride, groups, dx: g(x), weightOffset: e().weight }), 'params'));
      }
      return d;
    });
  }

  fresh(c: ConvSpec, x: T): T {
    return this.alloc(c.cout, Math.ceil(x.v.h / c.stride), Math.ceil(x.v.w / c.stride), true);
  }

  block(b: BlockSpec, x: T, out: T) {
    if (b.type === 'Bottleneck') {
      const t = this.fresh(b.cv1, x);
      this.conv(b.cv1, x, t);
      this.conv(b.cv2, t, out, b.add ? x : undefined);
      return;
    }
    const c = b.cv1.cout;
    const cat = this.alloc(2 * c, x.v.h, x.v.w, true);
    let y = this.fresh(b.cv1, x);
    this.conv(b.cv1, x, y);
    b.m.forEach((m, j) => {
      const target = j === b.m.length - 1 ? this.slice(cat, 0, c) : this.alloc(c, x.v.h, x.v.w, true);
      this.block(m, y, target);
      y = target;
    });
    this.conv(b.cv2, x, this.slice(cat, c, c));
    this.conv(b.cv3, cat, out);
  }

  c3k2(l: Extract<LayerSpec, { type: 'C3k2' }>, x: T, out: T) {
    const c = l.c;
    const cat = this.alloc((2 + l.m.length) * c, x.v.h, x.v.w, true);
    this.conv(l.cv1, x, this.slice(cat, 0, 2 * c));
    l.m.forEach((m, j) => this.block(m, this.slice(cat, (1 + j) * c, c), this.slice(cat, (2 + j) * c, c)));
    this.conv(l.cv2, cat, out);
  }

  upsample(x: T, out: T, label: string) {
    this.fwd.push(() => [planUpsample({ label, input: x.v, output: out.v })]);
    if (x.grad) this.bwd.push((G) => [planUpsampleGrad({ label, dy: { ...out.v, offset: out.v.offset + G }, dx: { ...x.v, offset: x.v.offset + G } })]);
  }
}

/** Spatial size of every layer's output for an input of H × W. */
function layerSizes(spec: ModelSpec, H: number, W: number): [number, number][] {
  const hw: [number, number][] = [];
  for (const l of spec.layers) {
    const [h, w] = l.i === 0 ? [H, W] : hw[l.i - 1];
    if (l.type === 'Conv') hw.push([Math.ceil(h / l.conv.stride), Math.ceil(w / l.conv.stride)]);
    else if (l.type === 'Upsample') hw.push([2 * h, 2 * w]);
    else if (l.type === 'Concat') hw.push(hw[l.from[0]]);
    else hw.push([h, w]);
  }
  return hw;
}

export function buildTrainProgram(spec: ModelSpec, scope: TrainScope, [H, W]: [number, number], pick?: ConvPicker): TrainProgram {
  const first = FIRST_TRAINABLE[scope];
  const b = new Builder(pick);
  const sizes = layerSizes(spec, H, W);
  const from = (l: LayerSpec) => (Array.isArray(l.from) ? l.from : [l.from < 0 ? l.i + l.from : l.from]);
  // Whether the loss's gradient reaches each layer's output (it does not below the trainable layers).
  const grad: boolean[] = [];
  for (const l of spec.layers) {
    grad[l.i] = l.i >= first && (l.type === 'Upsample' || l.type === 'Concat' ? from(l).some((f) => grad[f]) : true);
  }
  const needed = new Set(spec.layers.filter((l) => l.i >= first).flatMap(from).filter((f) => f < first));
  const concats = new Map<number, T>();
  const target = (l: LayerSpec): T => {
    const [h, w] = sizes[l.i];
    for (const c of spec.layers) {
      if (c.type !== 'Concat' || !c.from.includes(l.i)) continue;
      let cat = concats.get(c.i);
      if (!cat) concats.set(c.i, (cat = b.alloc(c.cout, h, w, grad[c.i])));
      const c0 = c.from.slice(0, c.from.indexOf(l.i)).reduce((s, f) => s + spec.layers[f].cout, 0);
      return b.slice(cat, c0, l.cout);
    }
    return b.alloc(l.cout, h, w, grad[l.i]);
  };
  const outs: T[] = [];
  const inputs: { layer: number; t: T }[] = [];
  let levels: T[] = [];
  for (const l of spec.layers) {
    if (l.i < first) {
      if (needed.has(l.i)) {
        outs[l.i] = { ...target(l), grad: false }; // frozen: no gradient flows into it
        inputs.push({ layer: l.i, t: outs[l.i] });
      }
      continue;
    }
    const x = outs[l.i - 1];
    switch (l.type) {
      case 'Conv':
        b.conv(l.conv, x, (outs[l.i] = target(l)));
        break;
      case 'C3k2':
        b.c3k2(l, x, (outs[l.i] = target(l)));
        break;
      case 'Upsample':
        b.upsample(x, (outs[l.i] = target(l)), `model.${l.i}`);
        break;
      case 'Concat':
        outs[l.i] = concats.get(l.i)!;
        break;
      case 'Detect':
        levels = l.from.map((f, j) => {
          const [h, w] = sizes[f];
          const level = b.alloc(4 * REG_MAX + l.nc, h, w, true);
          const [b0, b1, b2] = l.box[j];
          const t0 = b.fresh(b0, outs[f]);
          const t1 = b.fresh(b1, t0);
          b.conv(b0, outs[f], t0);
          b.conv(b1, t0, t1);
          b.conv(b2, t1, b.slice(level, 0, 4 * REG_MAX));
          let u = outs[f];
          for (const c of l.cls[j].slice(0, 4)) {
            const next = b.fresh(c, u);
            b.conv(c, u, next);
            u = next;
          }
          b.conv(l.cls[j][4], u, b.slice(level, 4 * REG_MAX, l.nc));
          return level;
        });
        break;
      default:
        throw new Error(`layer ${l.i} (${l.type}) is not trainable here: the trainable scopes are head and neck+head`);
    }
  }
  b.layout = layoutParams(b.convs);
  // wflip: a zero bias as long as the widest dX convolution's channels, then each W', 64-aligned.
  let at = Math.ceil(Math.max(b.flipSize, 64) / 64) * 64;
  for (const f of b.flipped) {
    const c = b.convs[f.conv];
    f.offset = at;
    at = Math.ceil((at + flippedLength(c.cin, c.cout, c.k, c.groups)) / 64) * 64;
  }
  const G = b.size;
  b.scratchAt = 2 * G;
  const forward = b.fwd.flatMap((f) => f());
  // The validation forward: every binding of `params` (weights, Winograd's source) reads `ema` instead.
  const ema = (d: Dispatch): Dispatch => ({ ...d, label: `${d.label}.ema`, ...(d.buffers ? { buffers: Object.fromEntries(Object.entries(d.buffers).map(([k, v]) => [k, v === 'params' ? 'ema' : v])) } : {}) });
  const forwardEma = forward.map(ema);
  const backward = [...b.bwd].reverse().flatMap((f) => f(G));
  const flips = b.flipped.map((f) => {
    const c = b.convs[f.conv];
    return planWeightFlip({ label: c.name, cin: c.cin, cout: c.cout, k: c.k, groups: c.groups, weightOffset: b.layout!.entries[f.conv].weight, flipOffset: f.offset, buffer: 'wflip' });
  });
  return {
    scope, inputs: inputs.map((i) => ({ layer: i.layer, view: i.t.v })), levels: levels.map((t) => t.v),
    forward, forwardEma, backward, flips: [...flips, ...b.winoFlips], flipElements: at, sumsElements: Math.max(b.sumsSize, 4),
    winoElements: Math.max(b.winoSize, 4), arenaElements: 2 * G + b.scratchSize, gradOffset: G, params: b.layout,
  };
}
