/**
 * Reading ONNX initializers into Float32Arrays: float32, float16, int8/uint8 (for quantized
 * weights), int32/int64, in raw_data or the typed repeated fields.
 */
import pkg from 'onnx-proto';
import { ModelImportError } from '../errors.js';
import { f16ToF32 } from '../weights/format.js';

const { onnx } = pkg;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TensorProto = any;
export { onnx };

const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;

export const dims = (t: TensorProto): number[] => t.dims.map((d: unknown) => Number(d));
const numel = (t: TensorProto) => dims(t).reduce((a, b) => a * b, 1);

/** Numeric values of an initializer, as float64-safe numbers in a Float32Array (weights) or Float64Array. */
export function tensorValues(t: TensorProto): Float32Array {
  const n = numel(t);
  const raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  const need = (bytes: number) => {
    if (raw && raw.length !== n * bytes) throw new ModelImportError(`initializer ${t.name}: raw_data has ${raw.length} bytes, shape [${dims(t)}] needs ${n * bytes}`);
  };
  const dv = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const out = new Float32Array(n);
  switch (t.dataType) {
    case DT.FLOAT:
      need(4);
      if (dv) for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      else out.set(t.floatData.slice(0, n));
      break;
    case DT.FLOAT16:
      need(2);
      if (dv) for (let i = 0; i < n; i++) out[i] = f16ToF32(dv.getUint16(i * 2, true));
      else for (let i = 0; i < n; i++) out[i] = f16ToF32(t.int32Data[i]);
      break;
    case DT.UINT8:
      need(1);
      for (let i = 0; i < n; i++) out[i] = raw ? raw[i] : t.int32Data[i];
      break;
    case DT.INT8:
      need(1);
      for (let i = 0; i < n; i++) out[i] = raw ? dv!.getInt8(i) : t.int32Data[i];
      break;
    case DT.INT32:
      need(4);
      for (let i = 0; i < n; i++) out[i] = dv ? dv.getInt32(i * 4, true) : t.int32Data[i];
      break;
    case DT.INT64:
      need(8);
      for (let i = 0; i < n; i++) out[i] = dv ? Number(dv.getBigInt64(i * 8, true)) : Number(t.int64Data[i]);
      break;
    case DT.DOUBLE:
      need(8);
      for (let i = 0; i < n; i++) out[i] = dv ? dv.getFloat64(i * 8, true) : t.doubleData[i];
      break;
    default:
      throw new ModelImportError(`initializer ${t.name} has unsupported data type ${t.dataType}`);
  }
  if (!dv && t.dataType !== DT.INT64 && n > 0 && out.length !== n) throw new ModelImportError(`initializer ${t.name} holds too few values`);
  return out;
}
