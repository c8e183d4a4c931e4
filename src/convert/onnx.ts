/**
 * Ultralytics ONNX detect export → weight tensors under Ultralytics state_dict names.
 * Handles float32/float16 Conv weights, onnxruntime dynamic quantization (ConvInteger with
 * `<name>_quantized`, `_scale`, `_zero_point`), QDQ (DequantizeLinear feeding Conv), and folds a
 * BatchNormalization that follows a Conv. Scale, nc, names and imgsz come from the graph and metadata.
 */
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import type { WriteTensor } from '../weights/format.js';
import { sha256Hex } from '../weights/format.js';
import type { WeightsFields } from '../weights/weights.js';
import { dims, onnx, tensorValues, type TensorProto } from './onnx-tensors.js';
import { identifyModel, parseNames } from './identify.js';

// onnx-proto's generated typings mark every field optional; the decoder fills defaults, so read loosely.
/* eslint-disable @typescript-eslint/no-explicit-any */
type NodeProto = any;

/** `/model.10/m/m.0/attn/qkv/conv/Conv` → `model.10.m.0.attn.qkv.conv` (drops nn.Sequential's repeated scope). */
export function scopeToName(nodeName: string): string {
  const parts = nodeName.split('/').filter(Boolean).slice(0, -1);
  const kept = parts.filter((p, i) => !(i + 1 < parts.length && parts[i + 1].startsWith(`${p}.`)));
  return kept.join('.');
}

export async function importOnnx(bytes: Uint8Array, fileName: string): Promise<{ fields: WeightsFields; tensors: WriteTensor[] }> {
  let model: any;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelImportError(`${fileName} is not a readable ONNX model: ${(e as Error).message}`);
  }
  const g = model.graph;
  if (!g || !g.node?.length) throw new ModelImportError(`${fileName} has no graph`);
  const inits = new Map<string, TensorProto>(g.initializer.map((t: TensorProto) => [t.name, t]));
  const producer = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) producer.set(o, n);
  const consumers = new Map<string, NodeProto[]>();
  for (const n of g.node) for (const i of n.input) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const meta = new Map<string, string>(model.metadataProps.map((p: any) => [p.key, p.value]));

  /** A weight input as float: an initializer, or DequantizeLinear(initializer, scale, zp). */
  const weightOf = (name: string, node: NodeProto): Float32Array => {
    const t = inits.get(name);
    if (t) return tensorValues(t);
    const dq = producer.get(name);
    if (dq?.opType === 'DequantizeLinear') return dequantize(dq.input[0], dq.input[1], dq.input[2], axisOf(dq));
    throw new ModelImportError(`${node.name}: weight ${name} is neither an initializer nor a DequantizeLinear output`);
  };
  const axisOf = (n: NodeProto) => Number(n.attribute.find((a: any) => a.name === 'axis')?.i ?? 1);
  const dequantize = (q: string, s: string, zp: string | undefined, axis: number): Float32Array => {
    const qt = inits.get(q);
    const st = inits.get(s);
    if (!qt || !st) throw new ModelImportError(`quantized weight ${q} has no initializer or scale`);
    const w = tensorValues(qt);
    const scale = tensorValues(st);
    const zero = zp && inits.get(zp) ? tensorValues(inits.get(zp)!) : new Float32Array(scale.length);
    const shape = dims(qt);
    const perChannel = scale.length > 1;
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const out = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const c = perChannel ? Math.floor(i / inner) % shape[axis] : 0;
      out[i] = (w[i] - zero[c]) * scale[c];
    }
    return out;
  };

  const tensors: WriteTensor[] = [];
  const seen = new Set<string>();
  for (const n of g.node) {
    if (n.opType !== 'Conv' && n.opType !== 'ConvInteger') continue;
    let wName = n.input[1];
    let w: Float32Array;
    let shape: number[];
    if (n.opType === 'ConvInteger') {
      const base = wName.replace(/_quantized$/, '');
      const qt = inits.get(wName);
      if (!qt) throw new ModelImportError(`${n.name}: ConvInteger weight ${wName} is not an initializer`);
      w = dequantize(wName, `${base}_scale`, n.input[3] || `${base}_zero_point`, 0);
      shape = dims(qt);
      wName = base;
    } else {
      w = weightOf(wName, n);
      const t = inits.get(wName) ?? inits.get(producer.get(wName)?.input[0] ?? '');
      shape = t ? dims(t) : [];
      if (producer.get(wName)?.opType === 'DequantizeLinear') wName = producer.get(wName)!.input[0].replace(/_quantized$|_quant$/, '');
    }
    const prefix = /^model\.\d+.*\.weight$/.test(wName) ? wName.slice(0, -'.weight'.length) : scopeToName(n.name);
    if (!prefix.startsWith('model.')) continue;
    if (prefix === 'model.23.dfl.conv') continue; // the fixed arange of DFL: not a learned weight
    const cout = shape[0];
    let bias = biasOf(n, inits, producer, consumers, cout);
    ({ w, bias } = foldBatchNorm(n, w, bias, shape, inits, consumers));
    if (seen.has(prefix)) throw new ModelImportError(`two Conv nodes map to ${prefix}`);
    seen.add(prefix);
    tensors.push({ name: `${prefix}.weight`, shape, data: w }, { name: `${prefix}.bias`, shape: [cout], data: bias });
  }
  if (!tensors.length) throw new UnsupportedModelError(`${fileName} has no Ultralytics \`model.N\` convolutions: not a YOLO detect export`);
  const shapes = new Map(tensors.map((t) => [t.name, t.shape]));
  const task = meta.get('task');
  const names = meta.has('names') ? parseNames(meta.get('names')!) : undefined;
  const { scale, nc } = identifyModel(shapes, task, names?.length, fileName);
  const imgsz = parseImgsz(meta.get('imgsz'), g);
  return {
    fields: {
      scale, nc, names: names && names.length === nc ? names : Array.from({ length: nc }, (_, i) => `class${i}`), imgsz,
      source: { file: fileName.split(/[\\/]/).pop()!, sha256: await sha256Hex(bytes), format: 'onnx' },
    },
    tensors,
  };
}

function biasOf(n: NodeProto, inits: Map<string, TensorProto>, producer: Map<string, NodeProto>, consumers: Map<string, NodeProto[]>, cout: number): Float32Array {
  if (n.opType === 'Conv' && n.input[2]) {
    const t = inits.get(n.input[2]);
    if (t) return tensorValues(t);
    const dq = producer.get(n.input[2]);
    if (dq?.opType === 'DequantizeLinear' && inits.get(dq.input[0])) {
      const v = tensorValues(inits.get(dq.input[0])!);
      const s = tensorValues(inits.get(dq.input[1])!);
      const zp = dq.input[2] && inits.get(dq.input[2]) ? tensorValues(inits.get(dq.input[2])!) : new Float32Array(s.length);
      return v.map((x, i) => (x - zp[s.length > 1 ? i : 0]) * s[s.length > 1 ? i : 0]);
    }
  }
  if (n.opType === 'ConvInteger') {
    // ConvInteger → Cast → Mul(scale) → Add(bias reshaped): follow the chain to the Add.
    let out = n.output[0];
    for (let hop = 0; hop < 4; hop++) {
      const next = consumers.get(out)?.[0];
      if (!next) break;
      if (next.opType === 'Add') {
        const other = next.input.find((i: string) => i !== out)!;
        const t = inits.get(other) ?? inits.get(producer.get(other)?.input[0] ?? '');
        if (t) return tensorValues(t);
      }
      out = next.output[0];
    }
  }
  return new Float32Array(cout);
}

function foldBatchNorm(n: NodeProto, w: Float32Array, bias: Float32Array, shape: number[], inits: Map<string, TensorProto>, consumers: Map<string, NodeProto[]>) {
  const next = consumers.get(n.output[0]);
  if (next?.length !== 1 || next[0].opType !== 'BatchNormalization') return { w, bias };
  const bn = next[0];
  const [gamma, beta, mean, variance] = bn.input.slice(1).map((i: string) => tensorValues(inits.get(i)!));
  const eps = Number(bn.attribute.find((a: any) => a.name === 'epsilon')?.f ?? 1e-5);
  const per = w.length / shape[0];
  const w2 = new Float32Array(w.length);
  const b2 = new Float32Array(shape[0]);
  for (let o = 0; o < shape[0]; o++) {
    const k = gamma[o] / Math.sqrt(variance[o] + eps);
    for (let i = 0; i < per; i++) w2[o * per + i] = w[o * per + i] * k;
    b2[o] = (bias[o] - mean[o]) * k + beta[o];
  }
  return { w: w2, bias: b2 };
}

function parseImgsz(meta: string | undefined, g: any): [number, number] {
  const m = meta?.match(/(\d+)\D+(\d+)/);
  if (m) return [Number(m[1]), Number(m[2])];
  const d = g.input[0]?.type?.tensorType?.shape?.dim;
  const h = Number(d?.[2]?.dimValue ?? 640);
  const w = Number(d?.[3]?.dimValue ?? 640);
  return [h > 0 ? h : 640, w > 0 ? w : 640];
}
