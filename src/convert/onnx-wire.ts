/**
 * ONNX's protobuf messages (onnx/onnx.proto), read and written by a small schema-driven codec of the
 * protobuf wire format (https://protobuf.dev/programming-guides/encoding/), in place of protobufjs +
 * onnx-proto (22 MB installed). SCHEMA holds only the fields the importer (onnx*.ts) and the reference
 * tool (src/reference/) read or write; every other field is kept as its raw bytes and written back
 * unchanged, so decode → edit → encode keeps what it did not edit (opset imports, doc strings,
 * subgraph attributes, fields newer than this schema).
 *
 * Decoded messages read like protobufjs's: camelCase names; an absent scalar reads as its default
 * (0, '', empty bytes) from the prototype, an absent message as null, an absent oneof member as
 * undefined, an absent repeated field as []; int64 is a JS number (exact below 2^53); bytes are views
 * into the input. encode() writes a singular field that is an own property and not null/undefined, and
 * a repeated field that is non-empty, so plain object literals encode too. Malformed input (a length
 * or value past the end, an over-long varint, wire type 3, 4, 6 or 7, a known field with the wrong
 * wire type) throws an Error saying where.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Message = Record<string, any>;

type Scalar = 'int64' | 'int32' | 'float' | 'double' | 'string' | 'bytes';
/** How a field repeats: not at all, one record per value, or packed into one length-delimited record. */
type Mode = 'one' | 'oneof' | 'repeated' | 'packed';
type Field = [num: number, name: string, type: Scalar | string, mode?: Mode];

const SCHEMA: Record<string, Field[]> = {
  ModelProto: [[7, 'graph', 'GraphProto'], [14, 'metadataProps', 'StringStringEntryProto', 'repeated']],
  StringStringEntryProto: [[1, 'key', 'string'], [2, 'value', 'string']],
  GraphProto: [
    [1, 'node', 'NodeProto', 'repeated'], [5, 'initializer', 'TensorProto', 'repeated'], [11, 'input', 'ValueInfoProto', 'repeated'],
    [12, 'output', 'ValueInfoProto', 'repeated'], [13, 'valueInfo', 'ValueInfoProto', 'repeated'],
  ],
  NodeProto: [[1, 'input', 'string', 'repeated'], [2, 'output', 'string', 'repeated'], [3, 'name', 'string'], [4, 'opType', 'string'], [5, 'attribute', 'AttributeProto', 'repeated']],
  AttributeProto: [[1, 'name', 'string'], [2, 'f', 'float'], [3, 'i', 'int64'], [20, 'type', 'int32']],
  TensorProto: [
    [1, 'dims', 'int64', 'repeated'], [2, 'dataType', 'int32'], [4, 'floatData', 'float', 'packed'], [5, 'int32Data', 'int32', 'packed'],
    [7, 'int64Data', 'int64', 'packed'], [8, 'name', 'string'], [9, 'rawData', 'bytes'], [10, 'doubleData', 'double', 'packed'], [14, 'dataLocation', 'int32'],
  ],
  ValueInfoProto: [[1, 'name', 'string'], [2, 'type', 'TypeProto']],
  TypeProto: [[1, 'tensorType', 'TypeProto.Tensor', 'oneof']],
  'TypeProto.Tensor': [[1, 'elemType', 'int32'], [2, 'shape', 'TensorShapeProto']],
  TensorShapeProto: [[1, 'dim', 'TensorShapeProto.Dimension', 'repeated']],
  'TensorShapeProto.Dimension': [[1, 'dimValue', 'int64', 'oneof'], [2, 'dimParam', 'string', 'oneof']],
};

const WIRE: Record<Scalar, number> = { int64: 0, int32: 0, float: 5, double: 1, string: 2, bytes: 2 };
const DEFAULT: Record<Scalar, unknown> = { int64: 0, int32: 0, float: 0, double: 0, string: '', bytes: new Uint8Array(0) };
const isScalar = (t: string): t is Scalar => t in WIRE;
/** Per decoded message, its fields that are not in SCHEMA: raw records (tag + value), written back as read. */
const UNKNOWN = new WeakMap<object, Uint8Array[]>();

interface Type { name: string; byNum: Map<number, Field>; fields: Field[]; proto: object }
const TYPES = new Map<string, Type>();
for (const [name, fields] of Object.entries(SCHEMA)) {
  const proto: Record<string, unknown> = {};
  for (const [, f, t, mode = 'one'] of fields) if (mode === 'one') proto[f] = isScalar(t) ? DEFAULT[t] : null;
  TYPES.set(name, { name, fields, byNum: new Map(fields.map((f) => [f[0], f])), proto });
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

class Reader {
  readonly dv: DataView;
  pos = 0;
  constructor(readonly buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  /** A varint as [low 32 bits, high 32 bits], both unsigned. */
  varint(end: number): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new Error(`truncated varint at offset ${this.pos}`);
      const b = this.buf[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) { lo |= (b & 0x0f) << 28; hi = (b & 0x7f) >> 4; }
      else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw new Error(`varint longer than 10 bytes at offset ${this.pos}`);
  }
  uint(end: number): number {
    const [lo, hi] = this.varint(end);
    return hi * 2 ** 32 + lo;
  }
  /** `n` bytes from here, as a view; checked against `end`. */
  take(n: number, end: number): Uint8Array {
    if (n > end - this.pos) throw new Error(`${n} bytes at offset ${this.pos} run past the end (${end})`);
    return this.buf.subarray(this.pos, (this.pos += n));
  }
  scalar(t: Scalar, end: number): unknown {
    switch (t) {
      case 'int32': return this.varint(end)[0] | 0;
      case 'int64': { const [lo, hi] = this.varint(end); return (hi | 0) * 2 ** 32 + lo; }
      case 'float': { const b = this.take(4, end); return this.dv.getFloat32(b.byteOffset - this.buf.byteOffset, true); }
      case 'double': { const b = this.take(8, end); return this.dv.getFloat64(b.byteOffset - this.buf.byteOffset, true); }
      case 'string': return utf8.decode(this.take(this.uint(end), end));
      case 'bytes': return this.take(this.uint(end), end);
    }
  }
  skip(wire: number, end: number) {
    if (wire === 0) this.varint(end);
    else if (wire === 1) this.take(8, end);
    else if (wire === 2) this.take(this.uint(end), end);
    else if (wire === 5) this.take(4, end);
    else throw new Error(`wire type ${wire} at offset ${this.pos}${wire === 3 || wire === 4 ? ' (groups are not used by ONNX)' : ''}`);
  }
}

function decodeMessage(type: Type, r: Reader, end: number): Message {
  const m: Message = Object.create(type.proto);
  for (const [, name, , mode] of type.fields) if (mode === 'repeated' || mode === 'packed') m[name] = [];
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.uint(end);
    const num = Math.floor(tag / 8);
    const wire = tag & 7;
    const field = type.byNum.get(num);
    if (!field) {
      r.skip(wire, end);
      const raw = r.buf.subarray(start, r.pos);
      const u = UNKNOWN.get(m);
      if (u) u.push(raw);
      else UNKNOWN.set(m, [raw]);
      continue;
    }
    const [, name, t, mode = 'one'] = field;
    const many = mode === 'repeated' || mode === 'packed';
    if (many && isScalar(t) && WIRE[t] !== 2 && wire === 2) {
      // Packed numbers (parsers accept packed and unpacked for any repeated number field).
      const len = r.uint(end);
      const stop = r.pos + len;
      if (stop > end) throw new Error(`${type.name}.${name}: ${len} bytes of packed values at offset ${r.pos} run past the end (${end})`);
      while (r.pos < stop) m[name].push(r.scalar(t, stop));
      continue;
    }
    const want = isScalar(t) ? WIRE[t] : 2;
    if (wire !== want) throw new Error(`${type.name}.${name} (field ${num}) has wire type ${wire} at offset ${start}, expected ${want}`);
    let v: unknown;
    if (isScalar(t)) v = r.scalar(t, end);
    else {
      const len = r.uint(end);
      const stop = r.pos + len;
      if (stop > end) throw new Error(`${type.name}.${name}: a message of ${len} bytes at offset ${r.pos} runs past the end (${end})`);
      v = decodeMessage(TYPES.get(t)!, r, stop);
    }
    if (many) m[name].push(v);
    else m[name] = v;
  }
  return m;
}

/** Bytes written so far: chunks (large byte fields are referenced, not copied) and a scratch buffer. */
class Writer {
  private chunks: Uint8Array[] = [];
  private done = 0; // bytes in chunks
  private buf = new Uint8Array(256);
  private pos = 0;
  get length() {
    return this.done + this.pos;
  }
  private room(n: number) {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (this.buf.length < n) this.buf = new Uint8Array(Math.max(n, 4096));
  }
  private flush() {
    if (!this.pos) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.done += this.pos;
    this.buf = this.buf.length - this.pos >= 64 ? this.buf.subarray(this.pos) : new Uint8Array(4096);
    this.pos = 0;
  }
  /** A non-negative integer below 2^53. */
  varint(v: number) {
    this.room(10);
    for (; v >= 0x80; v = Math.floor(v / 128)) this.buf[this.pos++] = (v % 128) | 0x80;
    this.buf[this.pos++] = v;
  }
  /** A signed 64-bit integer; negative ones as protobuf's 10-byte two's complement. */
  signed(v: number | bigint) {
    if (typeof v === 'number' && v >= 0) return this.varint(v);
    let b = BigInt.asUintN(64, BigInt(v));
    this.room(10);
    for (; b >= 0x80n; b >>= 7n) this.buf[this.pos++] = Number(b & 0x7fn) | 0x80;
    this.buf[this.pos++] = Number(b);
  }
  fixed(bytes: 4 | 8, v: number) {
    this.room(bytes);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, bytes);
    if (bytes === 4) dv.setFloat32(0, v, true);
    else dv.setFloat64(0, v, true);
    this.pos += bytes;
  }
  bytes(b: Uint8Array) {
    if (b.length <= 256) {
      this.room(b.length);
      this.buf.set(b, this.pos);
      this.pos += b.length;
      return;
    }
    this.flush();
    this.chunks.push(b);
    this.done += b.length;
  }
  /** Another writer's bytes, moved (not copied). */
  append(w: Writer) {
    this.flush();
    w.flush();
    this.chunks.push(...w.chunks);
    this.done += w.done;
  }
  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.done);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function writeScalar(w: Writer, t: Scalar, v: any) {
  switch (t) {
    case 'int32': case 'int64': return w.signed(typeof v === 'bigint' ? v : Math.trunc(Number(v)));
    case 'float': return w.fixed(4, Number(v));
    case 'double': return w.fixed(8, Number(v));
    case 'string': { const b = utf8Encoder.encode(String(v)); w.varint(b.length); return w.bytes(b); }
    case 'bytes': { const b = v instanceof Uint8Array ? v : Uint8Array.from(v); w.varint(b.length); return w.bytes(b); }
  }
}

function encodeMessage(type: Type, m: Message, w: Writer) {
  for (const [num, name, t, mode = 'one'] of type.fields) {
    const v = m[name];
    const values: unknown[] = mode === 'repeated' || mode === 'packed' ? (v ?? []) : Object.prototype.hasOwnProperty.call(m, name) && v != null ? [v] : [];
    if (!values.length) continue;
    if (mode === 'packed') {
      const inner = new Writer();
      for (const x of values) writeScalar(inner, t as Scalar, x);
      w.varint(num * 8 + 2);
      w.varint(inner.length);
      w.append(inner);
      continue;
    }
    for (const x of values) {
      if (isScalar(t)) {
        w.varint(num * 8 + WIRE[t]);
        writeScalar(w, t, x);
      } else {
        const inner = new Writer();
        encodeMessage(TYPES.get(t)!, x as Message, inner);
        w.varint(num * 8 + 2);
        w.varint(inner.length);
        w.append(inner);
      }
    }
  }
  for (const raw of UNKNOWN.get(m) ?? []) w.bytes(raw);
}

/** Decode an ONNX ModelProto (the whole .onnx file). */
export function decodeModelProto(bytes: Uint8Array): Message {
  const r = new Reader(bytes);
  return decodeMessage(TYPES.get('ModelProto')!, r, bytes.length);
}

/** Encode a ModelProto, decoded here or built from object literals with the same field names. */
export function encodeModelProto(model: Message): Uint8Array {
  const w = new Writer();
  encodeMessage(TYPES.get('ModelProto')!, model, w);
  return w.finish();
}
