/**
 * Editing an Ultralytics ONNX detect graph for reference runs:
 *  - expose every layer output (`model.N`: the tensor made inside the `/model.N/` scope and used
 *    outside it; Detect's is output0) and a few inner tensors as extra graph outputs;
 *  - rewrite the static input size: the `images` shape, the shape constants of C2PSA's attention
 *    reshapes, and Detect's anchor/stride tables and DFL reshapes (recomputed as make_anchors does).
 */
import { onnx } from '../convert/onnx-tensors.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface ExposedOutputs {
  /** Runtime name (`model.4`, `model.23.level0`, …) → ONNX tensor name. */
  names: Map<string, string>;
}

const STRIDES = [8, 16, 32];

function int64Tensor(t: any, values: number[]) {
  t.rawData = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
  t.int64Data = [];
}
function floatTensor(t: any, values: Float32Array, dims: number[]) {
  t.rawData = new Uint8Array(values.buffer.slice(0));
  t.floatData = [];
  t.dims = dims;
}
const i64 = (t: any): number[] => {
  const r = t.rawData;
  if (r?.length) return Array.from(new BigInt64Array(r.buffer.slice(r.byteOffset, r.byteOffset + r.byteLength)), Number);
  return t.int64Data.map(Number);
};

/** Decode, edit and re-encode. Returns the new model bytes and the exposed tensor names. */
export function editGraph(bytes: Uint8Array, size: [number, number] | undefined): { bytes: Uint8Array; exposed: ExposedOutputs; inputSize: [number, number] } {
  const model: any = onnx.ModelProto.decode(bytes);
  const g = model.graph;
  const dim = g.input[0].type.tensorType.shape.dim;
  const orig: [number, number] = [Number(dim[2].dimValue), Number(dim[3].dimValue)];
  const [H, W] = size ?? orig;
  if (size) rewriteSize(g, orig, [H, W]);
  const names = new Map<string, string>();
  const scopeOf = (n: any) => /^\/(model\.\d+)\//.exec(n.name)?.[1];
  const producedIn = new Map<string, string>();
  for (const n of g.node) for (const o of n.output) producedIn.set(o, scopeOf(n) ?? '');
  for (const n of g.node) {
    const here = scopeOf(n);
    for (const i of n.input) {
      const from = producedIn.get(i);
      if (from && from !== here && !names.has(from)) names.set(from, i);
    }
  }
  names.set('model.23', g.output[0].name);
  // Detect's per-level head tensors (box ‖ class logits) and C2PSA internals.
  for (const n of g.node) {
    const m = /^\/model\.23\/Concat(?:_(\d))?$/.exec(n.name);
    if (m && Number(m[1] ?? 0) <= 2) names.set(`model.23.level${m[1] ?? 0}`, n.output[0]);
    if (/^\/model\.10\/m\/m\.0\/attn\/Add$/.test(n.name)) names.set('model.10.m.0.attn', n.output[0]);
    if (/^\/model\.10\/m\/m\.0\/attn\/qkv\/conv\/Conv$/.test(n.name)) names.set('model.10.m.0.attn.qkv', n.output[0]);
  }
  const existing = new Set(g.output.map((o: any) => o.name));
  for (const t of names.values()) if (!existing.has(t)) g.output.push(onnx.ValueInfoProto.create({ name: t }));
  if (size) for (const o of g.output) o.type = undefined;
  return { bytes: onnx.ModelProto.encode(model).finish(), exposed: { names }, inputSize: [H, W] };
}

function rewriteSize(g: any, [h0, w0]: [number, number], [H, W]: [number, number]) {
  const dim = g.input[0].type.tensorType.shape.dim;
  dim[2].dimValue = H;
  dim[3].dimValue = W;
  g.valueInfo = [];
  const A0 = STRIDES.reduce((s, st) => s + (h0 / st) * (w0 / st), 0);
  const A = STRIDES.reduce((s, st) => s + (H / st) * (W / st), 0);
  const n0 = (h0 / 32) * (w0 / 32);
  const inits = new Map<string, any>(g.initializer.map((t: any) => [t.name, t]));
  // Anchor points (1, 2, A) and strides (1, A), as ultralytics.utils.tal.make_anchors.
  const ax = new Float32Array(2 * A);
  const st = new Float32Array(A);
  let k = 0;
  for (const s of STRIDES) {
    for (let y = 0; y < H / s; y++) {
      for (let x = 0; x < W / s; x++) {
        ax[k] = x + 0.5;
        ax[A + k] = y + 0.5;
        st[k++] = s;
      }
    }
  }
  for (const t of g.initializer) {
    const d = t.dims.map(Number);
    if (t.dataType === 1 && d.length === 3 && d[0] === 1 && d[1] === 2 && d[2] === A0) floatTensor(t, ax, [1, 2, A]);
    else if (t.dataType === 1 && d.length === 2 && d[0] === 1 && d[1] === A0) floatTensor(t, st, [1, A]);
  }
  // Int64 shape constants: Detect/DFL reshapes (… A0) and attention reshapes (N0, or h0/32, w0/32).
  for (const n of g.node) {
    if (n.opType !== 'Reshape') continue;
    const t = inits.get(n.input[1]);
    if (!t) continue;
    const v = i64(t);
    const scope = n.name;
    if (scope.startsWith('/model.23/')) int64Tensor(t, v.map((x) => (x === A0 ? A : x)));
    else if (scope.startsWith('/model.10/')) {
      let seenH = false;
      int64Tensor(t, v.map((x, i) => {
        if (x === n0 && i === v.length - 1) return (H / 32) * (W / 32);
        if (v.length === 4 && i >= 2 && x === h0 / 32 && !seenH) {
          seenH = true;
          return H / 32;
        }
        if (v.length === 4 && i === 3 && x === w0 / 32) return W / 32;
        return x;
      }));
    }
  }
}
