/**
 * The YOLO11 network as a program of dispatches, one builder per Ultralytics module, following
 * src/model/spec.ts (which mirrors yolo11.yaml row by row; the heads are built by heads-build.ts). Concat is free: every layer that feeds a
 * Concat writes straight into its channel slice of the concat tensor; Split/chunk are slices too.
 */
import type { BlockSpec, ConvSpec, LayerSpec, ModelSpec, PSABlockSpec } from './spec.js';
import { GraphBuilder, slice, type Slice, type TensorRef } from '../plan/graph.js';
import type { WeightPacker } from '../plan/weight-packer.js';
import { packConvWeights, packSplitKWeights, planConvSteps } from '../ops/conv.js';
import { packWinogradWeights, winogradShapes, type WinogradParts } from '../ops/winograd.js';
import { im2colRows, type ConvPicker } from '../ops/conv-variants.js';
import { planSppfPool } from '../ops/sppf-pool.js';
import { planUpsample } from '../ops/upsample.js';
import { attentionKernelFor, attentionScratchElements, planAttention, type AttentionKernel } from '../ops/attention.js';
import { buildClassifyHead, buildDetectHead } from './heads-build.js';

type Out = Slice | TensorRef;
const asSlice = (o: Out): Slice => ('t' in o ? o : slice(o, 0, o.c));

export interface NetworkOutputs {
  /** Detect's per-level head tensors, (64 + nc + nm | nk) × H/s × W/s for s = 8, 16, 32 ([] for classify). */
  levels: TensorRef[];
  /** Segment: the mask prototypes, nm × H/4 × W/4 (ONNX's output1). */
  protos?: TensorRef;
  /** Classify: the class probabilities, nc × 1 × 1 (ONNX's output0). */
  probs?: TensorRef;
  /** Where each Ultralytics layer's output lives (`model.N`), for layer-by-layer parity. */
  layers: Map<string, Out>;
}

export class Yolo11Builder {
  /** Inner tensors worth checking on their own (C2PSA's qkv and attention output). */
  readonly inner = new Map<string, Out>();
  constructor(
    readonly g: GraphBuilder,
    readonly w: WeightPacker,
    private readonly pick?: ConvPicker,
    private readonly attention: AttentionKernel = 'loop',
    private readonly pool: 'loop' | 'rt' = 'loop',
  ) {}

  /** One Conv (folded BN, optional SiLU) from `x` into `out`, optionally adding `residual` after the activation. */
  conv(c: ConvSpec, x: Out, out: Out, residual?: Out) {
    this.convWith(c, this.w.get(c.weight), this.w.get(c.bias), x, out, residual);
  }

  /** A convolution with the given OIHW weights and bias (a layer that is a conv in disguise: Proto's upsample, Classify's linear). */
  convWith(c: ConvSpec, weight: Float32Array, bias: Float32Array, x: Out, out: Out, residual?: Out) {
    const [xs, ys] = [asSlice(x), asSlice(out)];
    const variant = this.pick?.({ k: c.k, stride: c.stride, cin: xs.c, cout: ys.c, outH: ys.t.h, outW: ys.t.w });
    const wino = c.groups === 1 && c.k === 3 && c.stride === 1 ? variant?.winograd : undefined;
    // Winograd's transformed weights replace the packed ones (src/ops/winograd.ts).
    const split = c.groups === 1 && variant?.im2col && variant.splitK;
    const weightOffset = this.w.add(wino ? packWinogradWeights(weight, xs.c, ys.c, wino) : split ? packSplitKWeights(weight, c) : packConvWeights(weight, c));
    const biasOffset = this.w.add(bias);
    // An im2col kernel's unfolded input (and a split-K one's partial sums), Winograd's transformed input and GEMM results: tensors of their own, alive for this step only.
    const cols = variant?.im2col && c.groups === 1 ? this.g.tensor(`${c.name}.cols`, im2colRows(variant, xs.c, ys.c), ys.t.h, ys.t.w) : undefined;
    const ws = wino ? winogradShapes(xs.c, ys.c, ys.t.h, ys.t.w, wino) : undefined;
    const wv = ws ? this.g.tensor(`${c.name}.wino-v`, ws.v.c, ws.v.h, ws.v.w) : undefined;
    const wm = ws ? this.g.tensor(`${c.name}.wino-m`, ws.m.c, ws.m.h, ws.m.w) : undefined;
    const reads = residual ? [x, residual] : [x];
    const scratch = [cols, wv, wm].filter((t): t is TensorRef => !!t);
    this.g.step(c.name, reads, [out, ...scratch], (v) => planConvSteps({
      label: c.name, input: v(x), output: v(out), k: c.k, stride: c.stride, groups: c.groups, act: c.act,
      weightOffset, biasOffset, residual: residual ? v(residual) : undefined, cols: cols && v(cols),
      wino: wv && wm ? { weightOffset, v: v(wv), m: v(wm) } satisfies WinogradParts : undefined,
    }, variant));
  }

  /** A fresh tensor for conv `c` applied to `x` (stride taken into account). */
  private outFor(c: ConvSpec, x: Out): TensorRef {
    const s = asSlice(x);
    return this.g.tensor(c.name, c.cout, Math.ceil(s.t.h / c.stride), Math.ceil(s.t.w / c.stride));
  }

  /** Bottleneck: out = [x +] cv2(cv1(x)). */
  private bottleneck(b: Extract<BlockSpec, { type: 'Bottleneck' }>, x: Out, out: Out) {
    const t = this.outFor(b.cv1, x);
    this.conv(b.cv1, x, t);
    this.conv(b.cv2, t, out, b.add ? x : undefined);
  }

  /** C3k: cv3(cat(m(cv1(x)), cv2(x))). */
  private c3k(b: Extract<BlockSpec, { type: 'C3k' }>, x: Out, out: Out) {
    const s = asSlice(x);
    const c = b.cv1.cout;
    const cat = this.g.tensor(`${b.cv1.name.slice(0, -4)}.cat`, 2 * c, s.t.h, s.t.w);
    let y: Out = this.outFor(b.cv1, x);
    this.conv(b.cv1, x, y);
    b.m.forEach((m, j) => {
      const target = j === b.m.length - 1 ? slice(cat, 0, c) : this.g.tensor(`${m.type}.${j}`, c, s.t.h, s.t.w);
      this.block(m, y, target);
      y = target;
    });
    this.conv(b.cv2, x, slice(cat, c, c));
    this.conv(b.cv3, cat, out);
  }

  private block(b: BlockSpec, x: Out, out: Out) {
    if (b.type === 'Bottleneck') this.bottleneck(b, x, out);
    else this.c3k(b, x, out);
  }

  /** C3k2 (a C2f): cv2(cat(chunk(cv1(x), 2), m0(…), m1(…), …)); the cat tensor holds cv1's output in place. */
  c3k2(l: Extract<LayerSpec, { type: 'C3k2' }>, x: Out, out: Out) {
    const s = asSlice(x);
    const c = l.c;
    const cat = this.g.tensor(`model.${l.i}.cat`, (2 + l.m.length) * c, s.t.h, s.t.w);
    this.conv(l.cv1, x, slice(cat, 0, 2 * c));
    l.m.forEach((m, j) => this.block(m, slice(cat, (1 + j) * c, c), slice(cat, (2 + j) * c, c)));
    this.conv(l.cv2, cat, out);
  }

  /** SPPF: cv2(cat(y, m(y), m(m(y)), m(m(m(y))))) with y = cv1(x); the three pools are one dispatch. */
  sppf(l: Extract<LayerSpec, { type: 'SPPF' }>, x: Out, out: Out) {
    const s = asSlice(x);
    const c = l.cv1.cout;
    const cat = this.g.tensor(`model.${l.i}.cat`, 4 * c, s.t.h, s.t.w);
    this.conv(l.cv1, x, slice(cat, 0, c));
    const ys = [1, 2, 3].map((j) => slice(cat, j * c, c));
    this.g.step(`model.${l.i}.m`, [slice(cat, 0, c)], ys, (v) => [
      planSppfPool({ label: `model.${l.i}.m`, input: v(slice(cat, 0, c)), outputs: [v(ys[0]), v(ys[1]), v(ys[2])], k: l.k }, this.pool),
    ]);
    this.conv(l.cv2, cat, out);
  }

  /** PSABlock: x = x + proj(attn(qkv(x)) + pe(v)); x = x + ffn(x). */
  private psaBlock(b: PSABlockSpec, x: Out, out: Out) {
    const s = asSlice(x);
    const { h, w } = s.t;
    const qkv = this.outFor(b.qkv, x);
    this.conv(b.qkv, x, qkv);
    const att = this.g.tensor(`${b.name}.attn`, b.pe.cout, h, w);
    this.inner.set(`${b.name}.attn.qkv`, qkv);
    this.inner.set(`${b.name}.attn`, att);
    const kernel = attentionKernelFor(this.attention, b.heads, h * w);
    const scratch = this.g.tensor(`${b.name}.attn.scratch`, 1, 1, Math.max(1, attentionScratchElements(b.heads, h * w, kernel)));
    const peWeightOffset = this.w.add(this.w.get(b.pe.weight));
    const peBiasOffset = this.w.add(this.w.get(b.pe.bias));
    this.g.step(`${b.name}.attn`, [qkv], [att, scratch], (v) =>
      planAttention({
        label: `${b.name}.attn`, qkv: v(qkv), output: v(att), heads: b.heads, keyDim: b.keyDim, headDim: b.headDim,
        peWeightOffset, peBiasOffset, scratch: v(scratch),
      }, kernel),
    );
    const x1 = this.outFor(b.proj, att);
    this.conv(b.proj, att, x1, x);
    const f = this.outFor(b.ffn[0], x1);
    this.conv(b.ffn[0], x1, f);
    this.conv(b.ffn[1], f, out, x1);
  }

  /** C2PSA: cv2(cat(a, m(b))) with a, b = cv1(x).split(c). */
  c2psa(l: Extract<LayerSpec, { type: 'C2PSA' }>, x: Out, out: Out) {
    const s = asSlice(x);
    const c = l.c;
    const cat = this.g.tensor(`model.${l.i}.cat`, 2 * c, s.t.h, s.t.w);
    this.conv(l.cv1, x, cat);
    // Each block reads the previous block's output; the last writes back into the cat's second half
    // (safe: a block writes its output only in its final dispatch, after every read of its input).
    let y: Out = slice(cat, c, c);
    l.m.forEach((b, j) => {
      const target = j === l.m.length - 1 ? slice(cat, c, c) : this.g.tensor(`${b.name}.out`, c, s.t.h, s.t.w);
      this.psaBlock(b, y, target);
      y = target;
    });
    this.conv(l.cv2, cat, out);
  }

  upsample(x: Out, out: Out, label: string) {
    this.g.step(label, [x], [out], (v) => [planUpsample({ label, input: v(x), output: v(out) })]);
  }
}

/** Build the whole network on `input` (3 × H × W). */
export function buildNetwork(g: GraphBuilder, spec: ModelSpec, w: WeightPacker, input: TensorRef, pick?: ConvPicker, attention?: AttentionKernel, pool?: 'loop' | 'rt'): NetworkOutputs {
  const b = new Yolo11Builder(g, w, pick, attention, pool);
  const outs: Out[] = [];
  const layers = new Map<string, Out>();
  // Concat tensors are made when their first source is produced, so sources write straight into them.
  const concatOf = new Map<number, { t: TensorRef; at: Map<number, number> }>();
  const target = (l: LayerSpec, h: number, wd: number): Out => {
    for (const c of spec.layers) {
      if (c.type !== 'Concat' || !c.from.includes(l.i)) continue;
      let cat = concatOf.get(c.i);
      if (!cat) {
        const at = new Map<number, number>();
        let c0 = 0;
        for (const f of c.from) {
          at.set(f, c0);
          c0 += spec.layers[f].cout;
        }
        cat = { t: g.tensor(`model.${c.i}`, c.cout, h, wd), at };
        concatOf.set(c.i, cat);
      }
      return slice(cat.t, cat.at.get(l.i)!, l.cout);
    }
    return g.tensor(`model.${l.i}`, l.cout, h, wd);
  };
  let levels: TensorRef[] = [];
  let protos: TensorRef | undefined;
  let probs: TensorRef | undefined;
  for (const l of spec.layers) {
    const x = l.i === 0 ? input : outs[l.i - 1];
    const xs = asSlice(x).t;
    let out: Out;
    switch (l.type) {
      case 'Conv':
        out = target(l, Math.ceil(xs.h / l.conv.stride), Math.ceil(xs.w / l.conv.stride));
        b.conv(l.conv, x, out);
        break;
      case 'C3k2':
        out = target(l, xs.h, xs.w);
        b.c3k2(l, x, out);
        break;
      case 'SPPF':
        out = target(l, xs.h, xs.w);
        b.sppf(l, x, out);
        break;
      case 'C2PSA':
        out = target(l, xs.h, xs.w);
        b.c2psa(l, x, out);
        break;
      case 'Upsample':
        out = target(l, xs.h * 2, xs.w * 2);
        b.upsample(x, out, `model.${l.i}`);
        break;
      case 'Concat':
        out = concatOf.get(l.i)!.t;
        break;
      case 'Detect': {
        const h = buildDetectHead(b, l, (f) => outs[f]);
        levels = h.levels;
        protos = h.protos;
        out = levels[0];
        break;
      }
      case 'Classify':
        out = probs = buildClassifyHead(b, l, x);
        break;
    }
    outs.push(out);
    layers.set(`model.${l.i}`, out);
  }
  for (const [k, v] of b.inner) layers.set(k, v);
  return { levels, protos, probs, layers };
}
