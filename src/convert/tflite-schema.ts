/**
 * The part of the TFLite flatbuffer schema (tensorflow/compiler/mlir/lite/schema/schema.fbs) that the
 * importer reads, over the `flatbuffers` library's ByteBuffer. Field ids follow the schema; every
 * position is bounds-checked so a hostile file ends in ModelImportError, never a wild read.
 */
import { ByteBuffer } from 'flatbuffers';
import { ModelImportError } from '../errors.js';

// BuiltinOperator values used here.
export const OP = {
  ADD: 0, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9, LOGISTIC: 14, MUL: 18, SUB: 41, SPLIT: 49,
  TRANSPOSE_CONV: 67, QUANTIZE: 114,
} as const;
// TensorType values.
export const TT = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, INT8: 9 } as const;

export interface TfTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  buffer: number;
  scale: Float32Array;
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TfOperator {
  index: number;
  opcode: number;
  inputs: number[];
  outputs: number[];
}

export interface TfModel {
  tensors: TfTensor[];
  operators: TfOperator[];
  inputs: number[];
  outputs: number[];
  /** Buffer index → bytes (empty when the tensor has no constant data). */
  buffer(i: number): Uint8Array;
  /** Named metadata buffers (e.g. Ultralytics' "metadata" JSON). */
  metadata: Map<string, Uint8Array>;
}

class Reader {
  readonly bb: ByteBuffer;
  constructor(private readonly bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
  }
  check(pos: number, len = 4) {
    if (!(pos >= 0 && pos + len <= this.bytes.length)) throw new ModelImportError(`TFLite file is corrupt: offset ${pos} outside its ${this.bytes.length} bytes`);
    return pos;
  }
  /** Position of field `id` of the table at `t`, or 0 when absent. */
  field(t: number, id: number): number {
    this.check(t);
    const vt = this.check(t - this.bb.readInt32(t), 4);
    const vlen = this.bb.readUint16(vt);
    const o = 4 + 2 * id;
    if (o + 2 > vlen) return 0;
    const off = this.bb.readUint16(this.check(vt + o, 2));
    return off ? this.check(t + off, 1) : 0;
  }
  table(t: number, id: number): number {
    const f = this.field(t, id);
    return f ? this.check(f + this.bb.readUint32(f)) : 0;
  }
  vector(t: number, id: number): { start: number; length: number } {
    const f = this.field(t, id);
    if (!f) return { start: 0, length: 0 };
    const v = this.check(f + this.bb.readUint32(f));
    const length = this.bb.readUint32(v);
    return { start: v + 4, length };
  }
  tables(t: number, id: number): number[] {
    const { start, length } = this.vector(t, id);
    this.check(start, length * 4);
    return Array.from({ length }, (_, i) => this.check(start + 4 * i + this.bb.readUint32(start + 4 * i)));
  }
  ints(t: number, id: number): number[] {
    const { start, length } = this.vector(t, id);
    this.check(start, length * 4);
    return Array.from({ length }, (_, i) => this.bb.readInt32(start + 4 * i));
  }
  bytesOf(t: number, id: number): Uint8Array {
    const { start, length } = this.vector(t, id);
    this.check(start, length);
    return this.bytes.subarray(start, start + length);
  }
  string(t: number, id: number): string {
    return new TextDecoder().decode(this.bytesOf(t, id));
  }
  u32(t: number, id: number, dflt = 0) {
    const f = this.field(t, id);
    return f ? this.bb.readUint32(this.check(f)) : dflt;
  }
  i32(t: number, id: number, dflt = 0) {
    const f = this.field(t, id);
    return f ? this.bb.readInt32(this.check(f)) : dflt;
  }
  i8(t: number, id: number, dflt = 0) {
    const f = this.field(t, id);
    return f ? this.bb.readInt8(this.check(f, 1)) : dflt;
  }
}

export function parseTflite(bytes: Uint8Array): TfModel {
  const r = new Reader(bytes);
  const root = r.check(r.bb.readUint32(0));
  const codes = r.tables(root, 1).map((c) => Math.max(r.i8(c, 0), r.i32(c, 3)));
  const subgraphs = r.tables(root, 2);
  if (!subgraphs.length) throw new ModelImportError('TFLite file has no subgraph');
  const g = subgraphs[0];
  const tensors = r.tables(g, 0).map((t, index): TfTensor => {
    const q = r.table(t, 4);
    let scale = new Float32Array(0);
    let zeroPoint: number[] = [];
    if (q) {
      const s = r.vector(q, 2);
      r.check(s.start, s.length * 4);
      scale = Float32Array.from({ length: s.length }, (_, i) => r.bb.readFloat32(s.start + 4 * i));
      const z = r.vector(q, 3);
      r.check(z.start, z.length * 8);
      zeroPoint = Array.from({ length: z.length }, (_, i) => Number(r.bb.readInt64(z.start + 8 * i)));
    }
    return { index, name: r.string(t, 3), shape: r.ints(t, 0), type: r.i8(t, 1), buffer: r.u32(t, 2), scale, zeroPoint, quantizedDimension: q ? r.i32(q, 6) : 0 };
  });
  const operators = r.tables(g, 3).map((o, index): TfOperator => {
    const opcode = codes[r.u32(o, 0)];
    if (opcode === undefined) throw new ModelImportError(`TFLite operator ${index} has an unknown opcode index`);
    return { index, opcode, inputs: r.ints(o, 1), outputs: r.ints(o, 2) };
  });
  const buffers = r.tables(root, 4);
  const metadata = new Map<string, Uint8Array>();
  for (const m of r.tables(root, 6)) {
    const b = buffers[r.u32(m, 1)];
    if (b) metadata.set(r.string(m, 0), r.bytesOf(b, 0));
  }
  for (const t of tensors) if (t.buffer >= buffers.length) throw new ModelImportError(`TFLite tensor ${t.name} points at buffer ${t.buffer} of ${buffers.length}`);
  return { tensors, operators, inputs: r.ints(g, 1), outputs: r.ints(g, 2), buffer: (i) => (buffers[i] ? r.bytesOf(buffers[i], 0) : new Uint8Array(0)), metadata };
}
