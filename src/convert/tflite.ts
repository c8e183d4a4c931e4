/**
 * Ultralytics TFLite detect export (float32, float16, dynamic-range "hybrid" int8, full-integer int8)
 * → weight tensors under Ultralytics state_dict names. TFLite tensors carry converter names
 * (`tf.nn.convolution_81`), so names are reconstructed from the graph: the spec's convs are matched,
 * in dataflow order, to CONV_2D / DEPTHWISE_CONV_2D ops reachable from their parent's output through
 * non-conv ops and with the right weight shape (backtracking on the rare ties). Weights go back from
 * OHWI / 1HWC to OIHW and are dequantized per channel; biases likewise.
 */
import { unzipSync, strFromU8 } from 'fflate';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { buildSpec, SCALES, type ConvSpec, type Scale } from '../model/spec.js';
import { f16ToF32, sha256Hex, type WriteTensor } from '../weights/format.js';
import type { WeightsFields } from '../weights/weights.js';
import { convLinks } from './conv-order.js';
import { identifyModel } from './identify.js';
import { OP, TT, parseTflite, type TfModel, type TfOperator, type TfTensor } from './tflite-schema.js';

/** Ultralytics appends a zip holding metadata.json to its TFLite exports. */
function ultralyticsMetadata(bytes: Uint8Array): Record<string, unknown> | undefined {
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (bytes[i] !== 0x50 || bytes[i + 1] !== 0x4b || bytes[i + 2] !== 0x05 || bytes[i + 3] !== 0x06) continue;
    const dv = new DataView(bytes.buffer, bytes.byteOffset + i);
    const cdSize = dv.getUint32(12, true);
    const cdOffset = dv.getUint32(16, true);
    // The zip was appended: its offsets are relative to where it starts.
    const start = i - cdSize - cdOffset;
    try {
      const files = unzipSync(bytes.subarray(Math.max(0, start), i + 22));
      const m = files['metadata.json'];
      return m ? JSON.parse(strFromU8(m)) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function values(m: TfModel, t: TfTensor): Float32Array {
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

export async function importTflite(bytes: Uint8Array, fileName: string): Promise<{ fields: WeightsFields; tensors: WriteTensor[] }> {
  let m: TfModel;
  try {
    m = parseTflite(bytes);
  } catch (e) {
    if (e instanceof ModelImportError) throw e;
    throw new ModelImportError(`${fileName} is not a readable TFLite model: ${(e as Error).message}`);
  }
  const meta = ultralyticsMetadata(bytes) ?? {};
  if (meta.task && meta.task !== 'detect') throw new UnsupportedModelError(`${fileName} is a YOLO "${String(meta.task)}" model; only detect models are supported`);
  const producer = new Map<number, TfOperator>();
  const consumers = new Map<number, TfOperator[]>();
  for (const o of m.operators) {
    for (const t of o.outputs) producer.set(t, o);
    for (const t of o.inputs) if (t >= 0) consumers.set(t, [...(consumers.get(t) ?? []), o]);
  }
  const isConv = (o: TfOperator) => o.opcode === OP.CONV_2D || o.opcode === OP.DEPTHWISE_CONV_2D;
  const convs = m.operators.filter(isConv);
  if (convs.length < 50) throw new UnsupportedModelError(`${fileName} has ${convs.length} convolutions: not a YOLO11 detect export`);
  /** A weight/bias input, looking through DEQUANTIZE (float16 and some int8 exports). */
  const constant = (t: number) => {
    const p = producer.get(t);
    return m.tensors[p?.opcode === OP.DEQUANTIZE ? p.inputs[0] : t];
  };
  /** Convs consuming `t` through non-conv ops. */
  const reach = (start: number): TfOperator[] => {
    const seen = new Set<number>([start]);
    const found = new Set<TfOperator>();
    const queue = [start];
    while (queue.length) {
      for (const o of consumers.get(queue.pop()!) ?? []) {
        if (isConv(o)) {
          if (o.inputs[0] !== undefined && seen.has(o.inputs[0])) found.add(o);
          continue;
        }
        for (const t of o.outputs) if (!seen.has(t)) (seen.add(t), queue.push(t));
      }
    }
    return [...found].sort((a, b) => a.index - b.index);
  };
  const shapeOf = (o: TfOperator) => constant(o.inputs[1]).shape;
  const matches = (c: ConvSpec, o: TfOperator) => {
    const s = shapeOf(o);
    // A depthwise conv may be exported as DEPTHWISE_CONV_2D (1HWC) or as a grouped CONV_2D (OHWI, I = 1).
    return o.opcode === OP.CONV_2D
      ? s.join() === [c.cout, c.k, c.k, c.cin / c.groups].join()
      : c.groups === c.cout && s.join() === [1, c.k, c.k, c.cout].join();
  };
  // nc from the class branch's last conv (1×1, input = Detect's c3): try every scale's layer table.
  const nc = Array.isArray(meta.names) ? meta.names.length : meta.names && typeof meta.names === 'object' ? Object.keys(meta.names).length : undefined;
  const scales = Object.keys(SCALES) as Scale[];
  let assigned: Map<ConvSpec, TfOperator> | undefined;
  let scale: Scale | undefined;
  let ncFound = nc;
  const ncCandidates = nc ? [nc] : [...new Set(convs.filter((o) => shapeOf(o)[1] === 1 && o.opcode === OP.CONV_2D).map((o) => shapeOf(o)[0]))];
  for (const s of scales) {
    for (const k of ncCandidates) {
      const links = convLinks(buildSpec(s, k));
      // The export may also hold DFL's fixed 1×1 conv, which is not a learned weight.
      if (links.length > convs.length || convs.length > links.length + 1) continue;
      const got = new Map<ConvSpec, TfOperator>();
      const used = new Set<TfOperator>();
      const solve = (i: number, budget: { n: number }): boolean => {
        if (i === links.length) return true;
        if (budget.n-- <= 0) return false;
        const { conv, parent } = links[i];
        const from = parent ? got.get(parent)!.outputs[0] : m.inputs[0];
        for (const o of reach(from)) {
          if (used.has(o) || !matches(conv, o)) continue;
          got.set(conv, o);
          used.add(o);
          if (solve(i + 1, budget)) return true;
          got.delete(conv);
          used.delete(o);
        }
        return false;
      };
      if (solve(0, { n: 100_000 })) {
        assigned = got;
        scale = s;
        ncFound = k;
        break;
      }
    }
    if (assigned) break;
  }
  if (!assigned || !scale || !ncFound) throw new UnsupportedModelError(`${fileName}: its ${convs.length} convolutions do not match any YOLO11 detect layer table`);
  const tensors: WriteTensor[] = [];
  for (const [c, o] of assigned) {
    const wt = constant(o.inputs[1]);
    const w = values(m, wt);
    const [a, kh, kw, b] = wt.shape;
    const oihw = new Float32Array(w.length);
    // OHWI (CONV_2D) or 1HWC (DEPTHWISE_CONV_2D) → OIHW.
    const conv2d = o.opcode === OP.CONV_2D;
    const O = conv2d ? a : b;
    const I = conv2d ? b : 1;
    for (let oo = 0; oo < O; oo++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let ii = 0; ii < I; ii++) {
      oihw[((oo * I + ii) * kh + y) * kw + x] = conv2d ? w[((oo * kh + y) * kw + x) * I + ii] : w[(y * kw + x) * O + oo];
    }
    const bias = o.inputs[2] !== undefined && o.inputs[2] >= 0 ? values(m, constant(o.inputs[2])) : new Float32Array(c.cout);
    tensors.push({ name: c.weight, shape: [c.cout, c.cin / c.groups, c.k, c.k], data: oihw }, { name: c.bias, shape: [c.cout], data: bias });
  }
  const shapes = new Map(tensors.map((t) => [t.name, t.shape]));
  identifyModel({ file: fileName, shapes, allNames: [...shapes.keys()] });
  const inShape = m.tensors[m.inputs[0]]?.shape ?? [1, 640, 640, 3];
  const imgsz = Array.isArray(meta.imgsz) ? (meta.imgsz as number[]) : [inShape[1], inShape[2]];
  const namesObj = (meta.names ?? {}) as Record<string, string> | string[];
  const names = Array.from({ length: ncFound }, (_, i) => (Array.isArray(namesObj) ? namesObj[i] : namesObj[String(i)]) ?? `class${i}`);
  return {
    fields: { scale, nc: ncFound, names, imgsz: [imgsz[0], imgsz[1]], source: { file: fileName.split(/[\\/]/).pop()!, sha256: await sha256Hex(bytes), format: 'tflite' } },
    tensors,
  };
}
