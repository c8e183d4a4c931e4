/**
 * A TFLite graph seen as its parameterised ops — convolutions, Proto's transposed convolution,
 * Classify's fully-connected layer — with their weights in PyTorch layout, float32:
 *   CONV_2D            OHWI → OIHW            DEPTHWISE_CONV_2D  1HWC → (C, 1, kH, kW)
 *   TRANSPOSE_CONV     OHWI → (I, O, kH, kW)  FULLY_CONNECTED    (O, I), its bias from a following ADD/SUB
 *   a depthwise conv split per channel (SPLIT → C × CONV_2D [1, k, k, 1] → CONCATENATION, as some
 *   full-integer exports write C2PSA's `pe`) → one depthwise op
 * Integer weights and biases are dequantized ((q − zero_point) · scale, per channel when there are
 * several scales); float16 ones widened; weights behind a DEQUANTIZE op are followed to the constant.
 */
import { ModelImportError } from '../errors.js';
import { f16ToF32 } from '../weights/format.js';
import { OP, TT, type TfModel, type TfOperator, type TfTensor } from './tflite-schema.js';

export type ParamKind = 'conv' | 'dw' | 'tconv' | 'fc';

export interface ParamOp {
  /** Position in the graph (the first op of a split depthwise group), for a stable order. */
  index: number;
  kind: ParamKind;
  /** The data input and the output tensor. */
  input: number;
  output: number;
  /** The weight's shape as the file stores it: OHWI, 1HWC, OHWI (transposed), (O, I). */
  shape: number[];
  /** Weights in PyTorch layout. */
  weight(): Float32Array;
  /** Bias, or zeros when the op has none. */
  bias(): Float32Array;
}

export function tensorValues(m: TfModel, t: TfTensor): Float32Array {
  const raw = m.buffer(t.buffer);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const size = { [TT.FLOAT32]: 4, [TT.FLOAT16]: 2, [TT.INT32]: 4, [TT.INT8]: 1, [TT.UINT8]: 1 }[t.type];
  if (!size) throw new ModelImportError(`TFLite tensor ${t.name} has unsupported type ${t.type}`);
  if (raw.length !== n * size) throw new ModelImportError(`TFLite tensor ${t.name}: ${raw.length} bytes for shape [${t.shape}]`);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = t.type === TT.FLOAT32 ? dv.getFloat32(4 * i, true) : t.type === TT.FLOAT16 ? f16ToF32(dv.getUint16(2 * i, true))
      : t.type === TT.INT32 ? dv.getInt32(4 * i, true) : t.type === TT.INT8 ? dv.getInt8(i) : dv.getUint8(i);
  }
  if (t.type === TT.FLOAT32 || t.type === TT.FLOAT16) return out;
  // (q − zero_point) · scale, per channel along quantized_dimension when there are several scales.
  if (!t.scale.length) throw new ModelImportError(`TFLite tensor ${t.name} is integer but has no quantization scale`);
  const axis = t.quantizedDimension;
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const c = t.scale.length > 1 ? Math.floor(i / inner) % t.shape[axis] : 0;
    out[i] = (out[i] - (t.zeroPoint[c] ?? 0)) * t.scale[c];
  }
  return out;
}

/** [a, b, c, d] with element (i0, i1, i2, i3) → a new array indexed by `to` applied to the same indices. */
function permute4(w: Float32Array, [a, b, c, d]: number[], to: (i0: number, i1: number, i2: number, i3: number) => number): Float32Array {
  const out = new Float32Array(w.length);
  let k = 0;
  for (let i0 = 0; i0 < a; i0++) for (let i1 = 0; i1 < b; i1++) for (let i2 = 0; i2 < c; i2++) for (let i3 = 0; i3 < d; i3++) out[to(i0, i1, i2, i3)] = w[k++];
  return out;
}

export class TfGraph {
  readonly producer = new Map<number, TfOperator>();
  readonly consumers = new Map<number, TfOperator[]>();
  readonly params: ParamOp[] = [];
  /** Param ops by data input tensor. */
  private readonly byInput = new Map<number, ParamOp[]>();
  /** Raw ops that are (part of) a param op: a search stops there. */
  private readonly absorbed = new Set<TfOperator>();

  constructor(readonly m: TfModel) {
    for (const o of m.operators) {
      for (const t of o.outputs) this.producer.set(t, o);
      for (const t of o.inputs) if (t >= 0) this.consumers.set(t, [...(this.consumers.get(t) ?? []), o]);
    }
    const split = this.splitDepthwise();
    for (const o of m.operators) {
      if (this.absorbed.has(o)) continue;
      const p = this.paramOp(o);
      if (p) this.add(p, o);
    }
    for (const p of split) this.add(p);
    this.params.sort((a, b) => a.index - b.index);
  }

  private add(p: ParamOp, raw?: TfOperator) {
    this.params.push(p);
    this.byInput.set(p.input, [...(this.byInput.get(p.input) ?? []), p]);
    if (raw) this.absorbed.add(raw);
  }

  /** A weight/bias input, looking through DEQUANTIZE (float16 and some int8 exports). */
  constant(t: number): TfTensor {
    const p = this.producer.get(t);
    return this.m.tensors[p?.opcode === OP.DEQUANTIZE ? p.inputs[0] : t];
  }

  private values(t: number) {
    return tensorValues(this.m, this.constant(t));
  }

  private optionalBias(t: number | undefined, n: number) {
    return t !== undefined && t >= 0 ? this.values(t) : new Float32Array(n);
  }

  private paramOp(o: TfOperator): ParamOp | undefined {
    const w = (i: number) => this.constant(o.inputs[i]).shape;
    // Weights are constants: a FULLY_CONNECTED between two activations (attention's matmuls) is not a layer.
    const wt = o.inputs[1] >= 0 ? this.constant(o.inputs[1]) : undefined;
    if (!wt || !this.m.buffer(wt.buffer).length) return undefined;
    const base = { index: o.index, output: o.outputs[0] };
    switch (o.opcode) {
      case OP.CONV_2D: {
        const s = w(1);
        return { ...base, kind: 'conv', input: o.inputs[0], shape: s, weight: () => permute4(this.values(o.inputs[1]), s, (oo, y, x, i) => ((oo * s[3] + i) * s[1] + y) * s[2] + x), bias: () => this.optionalBias(o.inputs[2], s[0]) };
      }
      case OP.DEPTHWISE_CONV_2D: {
        const s = w(1);
        return { ...base, kind: 'dw', input: o.inputs[0], shape: s, weight: () => permute4(this.values(o.inputs[1]), s, (_, y, x, c) => (c * s[1] + y) * s[2] + x), bias: () => this.optionalBias(o.inputs[2], s[3]) };
      }
      case OP.TRANSPOSE_CONV: {
        // Inputs: output_shape, weights (O, kH, kW, I), data, optional bias.
        const s = w(1);
        return { ...base, kind: 'tconv', input: o.inputs[2], shape: s, weight: () => permute4(this.values(o.inputs[1]), s, (oo, y, x, i) => ((i * s[0] + oo) * s[1] + y) * s[2] + x), bias: () => this.optionalBias(o.inputs[3], s[0]) };
      }
      case OP.FULLY_CONNECTED: {
        const s = w(1);
        return { ...base, kind: 'fc', input: o.inputs[0], shape: s, weight: () => this.values(o.inputs[1]), bias: () => this.fcBias(o, s[0]) };
      }
      default:
        return undefined;
    }
  }

  /** FULLY_CONNECTED's bias input, or a constant added (ADD) or subtracted (SUB) right after it. */
  private fcBias(o: TfOperator, n: number): Float32Array {
    if (o.inputs[2] !== undefined && o.inputs[2] >= 0) return this.values(o.inputs[2]);
    const next = this.consumers.get(o.outputs[0]);
    const op = next?.length === 1 ? next[0] : undefined;
    if (op && (op.opcode === OP.ADD || op.opcode === OP.SUB) && op.inputs[0] === o.outputs[0]) {
      const c = this.constant(op.inputs[1]);
      if (c && this.m.buffer(c.buffer).length && c.shape.reduce((a, b) => a * b, 1) === n) {
        const v = tensorValues(this.m, c);
        return op.opcode === OP.SUB ? v.map((x) => -x) : v;
      }
    }
    return new Float32Array(n);
  }

  /** SPLIT into C single channels → C CONV_2D with [1, k, k, 1] weights → one CONCATENATION: a depthwise conv. */
  private splitDepthwise(): ParamOp[] {
    const out: ParamOp[] = [];
    for (const sp of this.m.operators) {
      if (sp.opcode !== OP.SPLIT || sp.outputs.length < 2) continue;
      const convs = sp.outputs.map((t) => this.consumers.get(t));
      if (!convs.every((c) => c?.length === 1 && c[0].opcode === OP.CONV_2D)) continue;
      const ops = convs.map((c) => c![0]);
      const s = this.constant(ops[0].inputs[1]).shape;
      if (s.length !== 4 || s[0] !== 1 || s[3] !== 1 || !ops.every((o) => this.constant(o.inputs[1]).shape.join() === s.join())) continue;
      const cats = new Set(ops.map((o) => this.consumers.get(o.outputs[0])).map((c) => (c?.length === 1 && c[0].opcode === OP.CONCATENATION ? c[0] : undefined)));
      const cat = [...cats][0];
      if (cats.size !== 1 || !cat || cat.inputs.length !== ops.length) continue;
      // Channel c of the depthwise conv is the concat's input c.
      const ordered = cat.inputs.map((t) => ops.find((o) => o.outputs[0] === t));
      if (ordered.some((o) => !o)) continue;
      const C = ordered.length;
      const [, kh, kw] = s;
      ordered.forEach((o) => this.absorbed.add(o!));
      out.push({
        index: Math.min(...ops.map((o) => o.index)), kind: 'dw', input: sp.inputs[1], output: cat.outputs[0], shape: [1, kh, kw, C],
        weight: () => {
          const w = new Float32Array(C * kh * kw);
          ordered.forEach((o, c) => w.set(this.values(o!.inputs[1]), c * kh * kw));
          return w;
        },
        bias: () => Float32Array.from(ordered, (o) => this.optionalBias(o!.inputs[2], 1)[0]),
      });
    }
    return out;
  }

  /** Param ops that consume `start` (a tensor) through parameter-free ops, in graph order. */
  reach(start: number): ParamOp[] {
    const seen = new Set<number>([start]);
    const found = new Set<ParamOp>();
    const queue = [start];
    while (queue.length) {
      const t = queue.pop()!;
      for (const p of this.byInput.get(t) ?? []) found.add(p);
      for (const o of this.consumers.get(t) ?? []) {
        if (this.absorbed.has(o)) continue;
        for (const u of o.outputs) if (!seen.has(u)) (seen.add(u), queue.push(u));
      }
    }
    return [...found].sort((a, b) => a.index - b.index);
  }
}
