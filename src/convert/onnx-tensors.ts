/**
 * Reading ONNX initializers (TensorProto) into Float32Arrays: float32, float16, bfloat16, double,
 * and the integer types quantized weights use (uint8, int8, int32, int64), stored either in
 * `raw_data` (little-endian bytes) or in the typed repeated fields (`float_data`, `int32_data`, …).
 * Every length is checked against the shape before anything is allocated from it.
 */
import { ModelImportError } from '../errors.js';
import { f16ToF32 } from '../weights/format.js';

/** A decoded TensorProto (onnx-wire.ts: camelCase fields, defaults for absent ones); read loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TensorProto = any;

/** onnx.TensorProto.DataType values. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const;
/** Bytes per element in raw_data, and which typed field holds the values otherwise. */
const LAYOUT: Record<number, [bytes: number, field: string]> = {
  [DT.FLOAT]: [4, 'floatData'], [DT.UINT8]: [1, 'int32Data'], [DT.INT8]: [1, 'int32Data'], [DT.INT32]: [4, 'int32Data'],
  [DT.INT64]: [8, 'int64Data'], [DT.FLOAT16]: [2, 'int32Data'], [DT.DOUBLE]: [8, 'doubleData'], [DT.BFLOAT16]: [2, 'int32Data'],
};
/** 2^28 elements (1 GiB of f32): far beyond any YOLO11 tensor; refuses absurd dims before allocating. */
const MAX_ELEMENTS = 2 ** 28;

export function dims(t: TensorProto): number[] {
  const d = (t.dims ?? []).map((v: unknown) => Number(v));
  if (!d.every((v: number) => Number.isSafeInteger(v) && v >= 0)) throw new ModelImportError(`initializer ${t.name}: bad dims [${d}]`);
  return d;
}

/** The values of an initializer, widened or narrowed to float32. */
export function tensorValues(t: TensorProto): Float32Array {
  const shape = dims(t);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > MAX_ELEMENTS) throw new ModelImportError(`initializer ${t.name}: shape [${shape}] is too large`);
  if (t.dataLocation === 1) throw new ModelImportError(`initializer ${t.name} is stored in an external data file, which is not supported (export with the weights inside the .onnx)`);
  const layout = LAYOUT[t.dataType];
  if (!layout) throw new ModelImportError(`initializer ${t.name} has unsupported data type ${t.dataType}`);
  const [bytes, field] = layout;
  const raw: Uint8Array | undefined = t.rawData?.length ? t.rawData : undefined;
  const typed: ArrayLike<unknown> = t[field] ?? [];
  const have = raw ? raw.length : typed.length;
  const need = raw ? n * bytes : n;
  if (have !== need) {
    throw new ModelImportError(`initializer ${t.name}: ${raw ? 'raw_data' : field} holds ${have} ${raw ? 'bytes' : 'values'}, shape [${shape}] needs ${need}`);
  }
  const out = new Float32Array(n);
  if (!raw) {
    const half = t.dataType === DT.FLOAT16 ? f16ToF32 : t.dataType === DT.BFLOAT16 ? bf16ToF32 : undefined;
    for (let i = 0; i < n; i++) out[i] = half ? half(Number(typed[i])) : Number(typed[i]);
    return out;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read: (i: number) => number = {
    [DT.FLOAT]: (i: number) => dv.getFloat32(i * 4, true),
    [DT.UINT8]: (i: number) => dv.getUint8(i),
    [DT.INT8]: (i: number) => dv.getInt8(i),
    [DT.INT32]: (i: number) => dv.getInt32(i * 4, true),
    [DT.INT64]: (i: number) => Number(dv.getBigInt64(i * 8, true)),
    [DT.FLOAT16]: (i: number) => f16ToF32(dv.getUint16(i * 2, true)),
    [DT.DOUBLE]: (i: number) => dv.getFloat64(i * 8, true),
    [DT.BFLOAT16]: (i: number) => bf16ToF32(dv.getUint16(i * 2, true)),
  }[t.dataType as number]!;
  for (let i = 0; i < n; i++) out[i] = read(i);
  return out;
}

const bf = new Float32Array(1);
const bfBits = new Uint32Array(bf.buffer);
function bf16ToF32(h: number): number {
  bfBits[0] = (h & 0xffff) << 16;
  return bf[0];
}
