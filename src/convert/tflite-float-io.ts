/**
 * A full-integer TFLite model with float32 inputs and outputs, for runtimes that take no int8
 * tensors (LiteRT.js 2.5: "Element type INT8 is not supported"): a QUANTIZE op in front of each int8
 * input and a DEQUANTIZE op behind each int8 output, with the model's own scales and zero points, so
 * the model runs exactly as before between them.
 *
 * The flatbuffer is patched, not rebuilt: a block inserted right after the 8-byte header holds a new
 * root Model table, new operator_codes/subgraphs vectors, a new SubGraph (its tensors, inputs, outputs
 * and operators vectors with the original tables plus the new ones) and the new tables. Everything
 * after the header moves by the block's size, so the original objects' relative offsets still hold,
 * and every offset from the block points forward, as flatbuffers require. signature_defs are left
 * out (they name the int8 tensors); the runtime then uses the subgraph's inputs and outputs.
 */
const BLOCK_ALIGN = 64;
const TT_FLOAT32 = 0;
const TT_INT8 = 9;
const OP_DEQUANTIZE = 6;
const OP_QUANTIZE = 114;

class Orig {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u32 = (p: number) => this.dv.getUint32(p, true);
  /** Position of field `id` of table `t`, or 0. */
  field(t: number, id: number) {
    const vt = t - this.dv.getInt32(t, true);
    const o = 4 + 2 * id;
    if (o + 2 > this.dv.getUint16(vt, true)) return 0;
    const off = this.dv.getUint16(vt + o, true);
    return off ? t + off : 0;
  }
  /** Target of the uoffset stored at `p`. */
  deref = (p: number) => p + this.u32(p);
  /** Elements (targets) of the vector of tables referenced by field `id` of `t`. */
  tables(t: number, id: number): number[] {
    const f = this.field(t, id);
    if (!f) return [];
    const v = this.deref(f);
    return Array.from({ length: this.u32(v) }, (_, i) => this.deref(v + 4 + 4 * i));
  }
  ints(t: number, id: number): number[] {
    const f = this.field(t, id);
    if (!f) return [];
    const v = this.deref(f);
    return Array.from({ length: this.u32(v) }, (_, i) => this.dv.getInt32(v + 8 + 4 * i - 4, true));
  }
}

/** Forward-only flatbuffer writer into a growing block; positions are absolute in the final file. */
class Block {
  private bytes = new Uint8Array(4096);
  private dv = new DataView(this.bytes.buffer);
  size = 0;
  constructor(readonly base: number) {}
  alloc(n: number, align = 4): number {
    this.size = Math.ceil(this.size / align) * align;
    const p = this.size;
    this.size += n;
    while (this.size > this.bytes.length) {
      const b = new Uint8Array(this.bytes.length * 2);
      b.set(this.bytes);
      this.bytes = b;
      this.dv = new DataView(b.buffer);
    }
    return this.base + p;
  }
  u8(p: number, v: number) { this.dv.setUint8(p - this.base, v); }
  u16(p: number, v: number) { this.dv.setUint16(p - this.base, v, true); }
  i32(p: number, v: number) { this.dv.setInt32(p - this.base, v, true); }
  /** A uoffset at `p` to `target` (which must lie after it). */
  ref(p: number, target: number) {
    if (target <= p) throw new Error('flatbuffer offsets point forward');
    this.dv.setUint32(p - this.base, target - p, true);
  }
  /** A table with fields [id, bytes (1 | 4), write(fieldPos)], its vtable right before it. */
  table(fields: [number, 1 | 4, (p: number) => void][]): number {
    const maxId = Math.max(-1, ...fields.map((f) => f[0]));
    const vtSize = 4 + 2 * (maxId + 1);
    const vt = this.alloc(vtSize, 2);
    const t = this.alloc(4 + 4 * fields.length, 4);
    this.i32(t, t - vt);
    this.u16(vt, vtSize);
    this.u16(vt + 2, 4 + 4 * fields.length);
    fields.forEach(([id, , write], k) => {
      this.u16(vt + 4 + 2 * id, 4 + 4 * k);
      write(t + 4 + 4 * k);
    });
    return t;
  }
  /** A vector of uoffsets (to tables written later or already placed after the block). */
  refVector(n: number): { pos: number; at: (i: number) => number } {
    const v = this.alloc(4 + 4 * n, 4);
    this.i32(v, n);
    return { pos: v, at: (i) => v + 4 + 4 * i };
  }
  intVector(values: number[]): number {
    const v = this.alloc(4 + 4 * values.length, 4);
    this.i32(v, values.length);
    values.forEach((x, i) => this.i32(v + 4 + 4 * i, x));
    return v;
  }
  string(s: string): number {
    const b = new TextEncoder().encode(s);
    const v = this.alloc(4 + b.length + 1, 4);
    this.i32(v, b.length);
    b.forEach((x, i) => this.u8(v + 4 + i, x));
    return v;
  }
  out(): Uint8Array {
    return this.bytes.subarray(0, Math.ceil(this.size / BLOCK_ALIGN) * BLOCK_ALIGN);
  }
}

/** The model with float32 I/O; a model whose inputs and outputs are not int8 is returned unchanged. */
export function floatIoTflite(model: Uint8Array): Uint8Array {
  const o = new Orig(model);
  const root = o.u32(0);
  const sub = o.tables(root, 2)[0];
  const tensors = o.tables(sub, 0);
  const type = (t: number) => (o.field(t, 1) ? o.dv.getInt8(o.field(t, 1)) : TT_FLOAT32);
  const inputs = o.ints(sub, 1);
  const outputs = o.ints(sub, 2);
  if (![...inputs, ...outputs].some((i) => type(tensors[i]) === TT_INT8)) return model;
  const codes = o.tables(root, 1);
  const ops = o.tables(sub, 3);
  const shape = (t: number) => o.ints(t, 0);
  // Sizes are only known once written: lay the block out twice, the first time to measure it.
  const build = (N: number) => {
    const blk = new Block(8);
    const moved = (p: number) => p + N; // an original object's position in the new file
    const fieldsOf = (t: number, ids: number[]) => ids.filter((id) => o.field(t, id)).map((id): [number, 4, (p: number) => void] => [id, 4, (p) => blk.ref(p, moved(o.deref(o.field(t, id))))]);
    let codesVec!: { pos: number; at: (i: number) => number };
    let subsVec!: { pos: number; at: (i: number) => number };
    const newRoot = blk.table([
      [0, 4, (p) => blk.i32(p, o.field(root, 0) ? o.u32(o.field(root, 0)) : 3)],
      [1, 4, (p) => (codesVec = { pos: p, at: () => 0 })],
      [2, 4, (p) => (subsVec = { pos: p, at: () => 0 })],
      ...fieldsOf(root, [3, 4, 5, 6]), // description, buffers, metadata_buffer, metadata
    ]);
    const cv = blk.refVector(codes.length + 2);
    blk.ref(codesVec.pos, cv.pos);
    codes.forEach((c, i) => blk.ref(cv.at(i), moved(c)));
    const code = (op: number) => blk.table([[0, 4, (p) => blk.u8(p, op)], [2, 4, (p) => blk.i32(p, 2)], [3, 4, (p) => blk.i32(p, op)]]);
    const qCode = codes.length;
    blk.ref(cv.at(qCode), code(OP_QUANTIZE));
    blk.ref(cv.at(qCode + 1), code(OP_DEQUANTIZE));
    const sv = blk.refVector(1);
    blk.ref(subsVec.pos, sv.pos);
    const slots: Record<string, number> = {};
    const subT = blk.table([
      [0, 4, (p) => (slots.tensors = p)], [1, 4, (p) => (slots.inputs = p)], [2, 4, (p) => (slots.outputs = p)], [3, 4, (p) => (slots.ops = p)],
      ...fieldsOf(sub, [4]), // name
    ]);
    blk.ref(sv.at(0), subT);
    // New float tensors: one per int8 input and output.
    const io = [...inputs.map((i) => ({ i, dir: 'in' })), ...outputs.map((i) => ({ i, dir: 'out' }))].filter(({ i }) => type(tensors[i]) === TT_INT8);
    const tv = blk.refVector(tensors.length + io.length);
    blk.ref(slots.tensors, tv.pos);
    tensors.forEach((t, i) => blk.ref(tv.at(i), moved(t)));
    const floatIndex = new Map<number, number>();
    io.forEach(({ i }, k) => {
      floatIndex.set(i, tensors.length + k);
      const t = blk.table([[0, 4, (p) => blk.ref(p, blk.intVector(shape(tensors[i])))], [1, 4, (p) => blk.u8(p, TT_FLOAT32)], [2, 4, (p) => blk.i32(p, 0)], [3, 4, (p) => blk.ref(p, blk.string(`float_${k}`))]]);
      blk.ref(tv.at(tensors.length + k), t);
    });
    blk.ref(slots.inputs, blk.intVector(inputs.map((i) => floatIndex.get(i) ?? i)));
    blk.ref(slots.outputs, blk.intVector(outputs.map((i) => floatIndex.get(i) ?? i)));
    const quant = io.filter((x) => x.dir === 'in');
    const dequant = io.filter((x) => x.dir === 'out');
    const ov = blk.refVector(quant.length + ops.length + dequant.length);
    blk.ref(slots.ops, ov.pos);
    const op = (opcode: number, from: number, to: number) => blk.table([[0, 4, (p) => blk.i32(p, opcode)], [1, 4, (p) => blk.ref(p, blk.intVector([from]))], [2, 4, (p) => blk.ref(p, blk.intVector([to]))]]);
    quant.forEach(({ i }, k) => blk.ref(ov.at(k), op(qCode, floatIndex.get(i)!, i)));
    ops.forEach((t, k) => blk.ref(ov.at(quant.length + k), moved(t)));
    dequant.forEach(({ i }, k) => blk.ref(ov.at(quant.length + ops.length + k), op(qCode + 1, i, floatIndex.get(i)!)));
    return { blk, newRoot };
  };
  const N = build(1 << 20).blk.out().length; // the offsets' values do not change the layout
  const { blk, newRoot } = build(N);
  const bytes = blk.out();
  if (bytes.length !== N) throw new Error('block size changed between passes');
  const out = new Uint8Array(model.length + N);
  out.set(model.subarray(0, 8));
  out.set(bytes, 8);
  out.set(model.subarray(8), 8 + N);
  new DataView(out.buffer).setUint32(0, newRoot, true);
  return out;
}
