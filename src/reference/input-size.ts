/**
 * Rewriting the static input size of an Ultralytics YOLO11 detect ONNX export (exported at h0×w0,
 * e.g. 640×640) so ONNX Runtime runs it at H×W (multiples of 32). Everything size-dependent:
 *  - the input `images` shape [1, 3, h0, w0] → [1, 3, H, W];
 *  - C2PSA attention reshape targets (`/model.10/m/m.K/attn/Constant*_output_0`):
 *      [1, heads, dims, N0] → [1, heads, dims, N] and [1, C, h0/32, w0/32] → [1, C, H/32, W/32],
 *      N = (H/32)(W/32);
 *  - Detect reshape targets holding the anchor count A0 (DFL [1, 4, 16, A0], [1, 4, A0]) → A,
 *      A = Σ_s (H/s)(W/s) over the strides 8, 16, 32;
 *  - Detect's anchor points (1×2×A, x row then y row: cell centres x + 0.5, y + 0.5, level by level,
 *      row-major — ultralytics.utils.tal.make_anchors) and strides (1×A), recomputed;
 *  - value_info and output shapes, which are dropped (ONNX Runtime infers them).
 * Channel splits, slices and the Upsample scales do not depend on the size. Before anything is
 * rewritten the anchors and strides are recomputed for h0×w0 and must equal the graph's bit for bit,
 * so a graph that does not follow make_anchors is refused rather than silently mis-rewritten.
 */
import { InvalidArgumentError, ModelImportError } from '../errors.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const STRIDES = [8, 16, 32];

/** [H, W] of a static 1×3×H×W input, or null when H or W is symbolic. */
export function graphInputSize(input: any): [number, number] | null {
  const dim = input?.type?.tensorType?.shape?.dim;
  if (!dim || dim.length !== 4) throw new ModelImportError(`the graph input ${input?.name} is not 4-D NCHW`);
  const v = (d: any) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null);
  const [h, w] = [v(dim[2]), v(dim[3])];
  return h && w ? [h, w] : null;
}

export function checkInputSize([H, W]: [number, number]) {
  if (![H, W].every((v) => Number.isInteger(v) && v >= 32 && v <= 8192 && v % 32 === 0)) {
    throw new InvalidArgumentError(`input size ${H}×${W} must be multiples of 32 in 32…8192`);
  }
}

/** Anchor points [x row ‖ y row] (2·A) and strides (A) for an H×W input, as make_anchors(offset 0.5). */
export function makeAnchors([H, W]: [number, number], strides = STRIDES): { points: Float32Array; strides: Float32Array } {
  const A = strides.reduce((a, s) => a + (H / s) * (W / s), 0);
  const points = new Float32Array(2 * A);
  const st = new Float32Array(A);
  let k = 0;
  for (const s of strides) {
    for (let y = 0; y < H / s; y++) {
      for (let x = 0; x < W / s; x++, k++) {
        points[k] = x + 0.5;
        points[A + k] = y + 0.5;
        st[k] = s;
      }
    }
  }
  return { points, strides: st };
}

const numel = (t: any) => t.dims.reduce((a: number, d: any) => a * Number(d), 1);

function readInt64(t: any): number[] {
  if (t.dataType !== 7) throw new ModelImportError(`shape constant ${t.name} is not int64`);
  const r: Uint8Array | undefined = t.rawData;
  if (r?.length) return Array.from(new BigInt64Array(r.buffer.slice(r.byteOffset, r.byteOffset + r.byteLength) as ArrayBuffer), Number);
  return (t.int64Data ?? []).map(Number);
}
function readFloat(t: any): Float32Array {
  const r: Uint8Array | undefined = t.rawData;
  if (r?.length) return new Float32Array(r.buffer.slice(r.byteOffset, r.byteOffset + r.byteLength) as ArrayBuffer);
  return Float32Array.from(t.floatData ?? []);
}
function writeInt64(t: any, v: number[]) {
  t.rawData = new Uint8Array(new BigInt64Array(v.map(BigInt)).buffer);
  t.int64Data = [];
  t.dims = [v.length];
}
function writeFloat(t: any, v: Float32Array, dims: number[]) {
  t.rawData = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  t.floatData = [];
  t.dims = dims;
}
const equal = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Rewrite the graph (in place) from the export size h0×w0 to H×W. */
export function rewriteInputSize(g: any, input: any, [h0, w0]: [number, number], [H, W]: [number, number]) {
  checkInputSize([H, W]);
  if (h0 % 32 || w0 % 32) throw new ModelImportError(`the export size ${h0}×${w0} is not a multiple of 32`);
  const A0 = STRIDES.reduce((a, s) => a + (h0 / s) * (w0 / s), 0);
  const A = STRIDES.reduce((a, s) => a + (H / s) * (W / s), 0);
  const [n0, n] = [(h0 / 32) * (w0 / 32), (H / 32) * (W / 32)];
  const byName = new Map<string, any>(g.initializer.map((t: any) => [t.name, t]));

  // Detect's anchors (1×2×A0) and strides (1×A0): check against make_anchors, then replace.
  const old = makeAnchors([h0, w0]);
  const next = makeAnchors([H, W]);
  let anchors = 0;
  let strides = 0;
  for (const t of g.initializer) {
    const d = t.dims.map(Number);
    if (t.dataType !== 1 || numel(t) === 0) continue;
    if (d.length === 3 && d[0] === 1 && d[1] === 2 && d[2] === A0) {
      if (!equal(readFloat(t), old.points)) throw new ModelImportError(`${t.name} (1×2×${A0}) is not make_anchors' anchor points for ${h0}×${w0}`);
      writeFloat(t, next.points, [1, 2, A]);
      anchors++;
    } else if (d.length === 2 && d[0] === 1 && d[1] === A0) {
      if (!equal(readFloat(t), old.strides)) throw new ModelImportError(`${t.name} (1×${A0}) is not make_anchors' strides for ${h0}×${w0}`);
      writeFloat(t, next.strides, [1, A]);
      strides++;
    }
  }
  if (!anchors || !strides) throw new ModelImportError(`cannot rewrite the input size: no Detect anchor (1×2×${A0}) or stride (1×${A0}) constants`);

  // Reshape targets, each initializer once, by the role of the nodes that use it.
  const done = new Set<string>();
  for (const node of g.node) {
    if (node.opType !== 'Reshape' || !byName.has(node.input[1]) || done.has(node.input[1])) continue;
    const t = byName.get(node.input[1]);
    done.add(t.name);
    const v = readInt64(t);
    if (v.length === 4 && /\/attn\//.test(node.name) && v[3] === n0) writeInt64(t, [v[0], v[1], v[2], n]);
    else if (v.length === 4 && /\/attn\//.test(node.name) && v[2] === h0 / 32 && v[3] === w0 / 32) writeInt64(t, [v[0], v[1], H / 32, W / 32]);
    else if (v.includes(A0)) writeInt64(t, v.map((x) => (x === A0 ? A : x)));
  }

  // The input shape; inferred shapes are dropped so ONNX Runtime infers them for the new size.
  const dim = input.type.tensorType.shape.dim;
  dim[2] = { dimValue: H };
  dim[3] = { dimValue: W };
  g.valueInfo = [];
  for (const o of g.output) o.type = undefined;
}
