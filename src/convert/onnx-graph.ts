/**
 * Recovering one float Conv (weight OIHW, bias [O]) from the forms an ONNX export can take:
 *   Conv(x, W, B)                                  plain fp32 / fp16 (W, B initializers)
 *   Conv(x, DequantizeLinear(Wq, s, zp), DQ(Bq…))   QDQ (static quantization), per-tensor or per-axis
 *   ConvInteger(xq, Wq, xzp, wzp) → Cast → Mul → Add(Reshape(B))
 *                                                  onnxruntime dynamic quantization; Wq is
 *                                                  `<name>_quantized`, its scale `<name>_scale`
 *   … → BatchNormalization                         an unfused export: folded into W and B here
 */
import { ModelImportError } from '../errors.js';
import { dims, tensorValues, type TensorProto } from './onnx-tensors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NodeProto = any;

export interface FloatConv {
  /** (O, I/groups, kH, kW) */
  shape: number[];
  weight: Float32Array;
  /** (O) */
  bias: Float32Array;
}

export class OnnxGraph {
  readonly inits: Map<string, TensorProto>;
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();

  constructor(readonly graph: { node: NodeProto[]; initializer: TensorProto[] }) {
    this.inits = new Map(graph.initializer.map((t) => [t.name, t]));
    for (const n of graph.node) {
      for (const o of n.output) this.producer.set(o, n);
      for (const i of n.input) if (i) this.consumers.set(i, [...(this.consumers.get(i) ?? []), n]);
    }
  }

  init(name: string, why: string): TensorProto {
    const t = this.inits.get(name);
    if (!t) throw new ModelImportError(`${why}: ${name || '(empty input)'} is not an initializer`);
    return t;
  }

  /** The single consumer of `output` with op type `op`, if that is its only consumer. */
  next(output: string, op: string): NodeProto | undefined {
    const c = this.consumers.get(output);
    return c?.length === 1 && c[0].opType === op ? c[0] : undefined;
  }

  /** (q − zp)·scale over `axis` (per-tensor when scale has one element). */
  dequantize(q: string, scale: string, zp: string | undefined, axis: number, why: string): { values: Float32Array; shape: number[] } {
    const qt = this.init(q, why);
    const shape = dims(qt);
    const w = tensorValues(qt);
    const s = tensorValues(this.init(scale, why));
    const z = zp ? tensorValues(this.init(zp, why)) : new Float32Array(1);
    const ax = axis < 0 ? axis + shape.length : axis;
    const inner = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const index = (v: Float32Array, what: string) => {
      if (v.length === 1) return () => 0;
      if (ax < 0 || ax >= shape.length || v.length !== shape[ax]) throw new ModelImportError(`${why}: ${what} has ${v.length} values for [${shape}] on axis ${axis}`);
      return (i: number) => Math.floor(i / inner) % shape[ax];
    };
    const si = index(s, 'scale');
    const zi = index(z, 'zero point');
    const values = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) values[i] = (w[i] - z[zi(i)]) * s[si(i)];
    return { values, shape };
  }

  /** A Conv input as float: an initializer, or DequantizeLinear(initializer, scale, zero point). */
  floatInput(name: string, why: string, axisDefault: number): { values: Float32Array; shape: number[] } {
    const t = this.inits.get(name);
    if (t) return { values: tensorValues(t), shape: dims(t) };
    const dq = this.producer.get(name);
    if (dq?.opType !== 'DequantizeLinear') throw new ModelImportError(`${why}: ${name} is neither an initializer nor a DequantizeLinear output`);
    const axis = Number(attr(dq, 'axis')?.i ?? axisDefault);
    return this.dequantize(dq.input[0], dq.input[1], dq.input[2] || undefined, axis, why);
  }

  /**
   * The name of a Conv/ConvInteger weight's initializer with any quantization suffix removed, e.g.
   * `model.2.cv1.conv.weight` (from `model.2.cv1.conv.weight_quantized` too), or `onnx::Conv_123`.
   */
  weightName(n: NodeProto): string {
    const w: string = n.input[1] ?? '';
    const dq = this.inits.has(w) ? undefined : this.producer.get(w);
    const name: string = dq?.opType === 'DequantizeLinear' ? dq.input[0] : w;
    return name.replace(/_(quantized|quant)$/, '');
  }

  /** Weight and bias of a Conv or ConvInteger node, with a following BatchNormalization folded in. */
  floatConv(n: NodeProto): FloatConv {
    const why = `${n.opType} ${n.name || n.output[0]}`;
    let weight: Float32Array;
    let shape: number[];
    let out = n.output[0];
    let bias: Float32Array | undefined;
    if (n.opType === 'ConvInteger') {
      // Inputs: x_q, W_q, x_zero_point, W_zero_point. W's scale is not an input: it is `<name>_scale`.
      const base = n.input[1].replace(/_quantized$/, '');
      const zp = n.input[3] || (this.inits.has(`${base}_zero_point`) ? `${base}_zero_point` : undefined);
      ({ values: weight, shape } = this.dequantize(n.input[1], `${base}_scale`, zp, 0, why));
      // ConvInteger → Cast → Mul(x_scale·w_scale) → Add(bias, reshaped to (O, 1, 1)).
      const cast = this.next(out, 'Cast');
      const mul = cast && this.next(cast.output[0], 'Mul');
      const add = mul && this.next(mul.output[0], 'Add');
      if (!mul) throw new ModelImportError(`${why}: expected ConvInteger → Cast → Mul (onnxruntime dynamic quantization)`);
      out = mul.output[0];
      if (add) {
        const other = add.input.find((i: string) => i !== out);
        const src = this.inits.has(other) ? other : this.producer.get(other)?.opType === 'Reshape' ? this.producer.get(other).input[0] : undefined;
        if (src && this.inits.has(src)) {
          bias = tensorValues(this.inits.get(src));
          out = add.output[0];
        }
      }
    } else {
      ({ values: weight, shape } = this.floatInput(n.input[1], why, 1));
      // A per-channel quantized bias is dequantized along its only axis.
      if (n.input[2]) bias = this.floatInput(n.input[2], why, 0).values;
    }
    if (shape.length !== 4 || weight.length === 0) throw new ModelImportError(`${why}: weight has shape [${shape}], expected (O, I, kH, kW)`);
    const cout = shape[0];
    bias ??= new Float32Array(cout);
    if (bias.length !== cout) throw new ModelImportError(`${why}: bias has ${bias.length} values, the weight has ${cout} output channels`);
    const bn = this.next(out, 'BatchNormalization');
    if (bn) ({ weight, bias } = foldBatchNorm(this, bn, weight, bias, cout));
    return { shape, weight, bias };
  }
}

export const attr = (n: NodeProto, name: string) => n.attribute?.find((a: { name: string }) => a.name === name);

/** W' = W·k, B' = (B − mean)·k + beta with k = gamma / sqrt(var + eps), per output channel. */
function foldBatchNorm(g: OnnxGraph, bn: NodeProto, w: Float32Array, b: Float32Array, cout: number) {
  const why = `BatchNormalization ${bn.name || bn.output[0]}`;
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => {
    const v = tensorValues(g.init(bn.input[i], why));
    if (v.length !== cout) throw new ModelImportError(`${why}: input ${i} has ${v.length} values, expected ${cout}`);
    return v;
  });
  const eps = Number(attr(bn, 'epsilon')?.f ?? 1e-5);
  const per = w.length / cout;
  const w2 = new Float32Array(w.length);
  const b2 = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const k = gamma[o] / Math.sqrt(variance[o] + eps);
    for (let i = 0; i < per; i++) w2[o * per + i] = w[o * per + i] * k;
    b2[o] = (b[o] - mean[o]) * k + beta[o];
  }
  return { weight: w2, bias: b2 };
}
