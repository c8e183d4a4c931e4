/**
 * The tensor container (src/weights/format.ts): f32/f16 round trips, the f16 helpers, and one distinct
 * typed error per defect. Small synthetic tensors; the weight-level checks are in weights.test.ts.
 */
import { describe, expect, test } from 'vitest';
import * as E from '../../src/errors.js';
import {
  ALIGN, REFERENCE_MAGIC, WEIGHTS_MAGIC, f16ToF32, f32ToF16, readTensorFile, sha256Hex, toFloat32, writeTensorFile,
  type WriteTensor,
} from '../../src/weights/format.js';

/** Deterministic values in [-2, 2) (mulberry32). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 4 - 2;
  });
}

const SHAPES: [string, number[]][] = [['a.weight', [4, 3, 3, 3]], ['a.bias', [4]], ['b', [2, 5]], ['scalar', []]];
const tensors = (): WriteTensor[] => SHAPES.map(([name, shape], i) => ({ name, shape, data: seeded(shape.reduce((x, y) => x * y, 1), i + 1) }));
const write = (t = tensors(), dtype: 'f32' | 'f16' = 'f32') => writeTensorFile(WEIGHTS_MAGIC, { kind: 'test', note: 'ü' }, t, dtype);
const read = (b: Uint8Array, opts = {}) => readTensorFile(b, WEIGHTS_MAGIC, opts);

/** Re-serialise a file with an edited manifest (payload bytes kept; checksum kept unless the payload is edited). */
function rewrite(file: Uint8Array, edit: (m: any) => void, editPayload?: (p: Uint8Array) => void): Uint8Array { // eslint-disable-line @typescript-eslint/no-explicit-any
  const mlen = new DataView(file.buffer, file.byteOffset).getUint32(12, true);
  const m = JSON.parse(new TextDecoder().decode(file.subarray(16, 16 + mlen)));
  const payload = file.slice(Math.ceil((16 + mlen) / ALIGN) * ALIGN);
  edit(m);
  editPayload?.(payload);
  const json = new TextEncoder().encode(JSON.stringify(m));
  const start = Math.ceil((16 + json.length) / ALIGN) * ALIGN;
  const out = new Uint8Array(start + payload.length);
  out.set(file.subarray(0, 12));
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(payload, start);
  return out;
}

async function expectError(bytes: Uint8Array | Promise<Uint8Array>, Err: new (m: string) => Error, re?: RegExp) {
  const e = await read(await bytes).catch((x) => x);
  expect(e).toBeInstanceOf(Err);
  expect(e).toBeInstanceOf(E.WeightFileError);
  expect(e.message).not.toMatch(/\n/);
  if (re) expect(e.message).toMatch(re);
}

describe('tensor container', () => {
  test('f32 round trip is exact; layout is aligned and checksummed', async () => {
    const t = tensors();
    const b = await write(t);
    expect(new TextDecoder().decode(b.subarray(0, 8))).toBe(WEIGHTS_MAGIC);
    const f = await read(b);
    expect(f.manifest.kind).toBe('test');
    expect(f.manifest.note).toBe('ü');
    expect([...f.tensors.keys()]).toEqual(SHAPES.map(([n]) => n));
    for (const x of t) {
      const got = f.tensors.get(x.name)!;
      expect(got.dtype).toBe('f32');
      expect(got.shape).toEqual(x.shape);
      expect(Array.from(got.data)).toEqual(Array.from(x.data));
    }
    for (const e of f.manifest.tensors) expect(e.offset % ALIGN).toBe(0);
    const start = b.length - f.manifest.payload.byteLength;
    expect(start % ALIGN).toBe(0);
    expect(f.manifest.payload.sha256).toBe(await sha256Hex(b.subarray(start)));
  });

  test('f16 round trip is within half precision; reference files use their own magic', async () => {
    const t = tensors();
    const f = await read(await write(t, 'f16'));
    for (const x of t) {
      const got = f.tensors.get(x.name)!;
      expect(got.dtype).toBe('f16');
      const wide = toFloat32(got);
      x.data.forEach((v, i) => expect(Math.abs(wide[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25));
    }
    const r = await writeTensorFile(REFERENCE_MAGIC, { kind: 'reference' }, t);
    expect((await readTensorFile(r, REFERENCE_MAGIC)).tensors.size).toBe(t.length);
    await expect(read(r)).rejects.toBeInstanceOf(E.BadMagicError);
    expect((await read(await writeTensorFile(WEIGHTS_MAGIC, { kind: 'x' }, []))).tensors.size).toBe(0);
  });

  test('f16 conversion: exact values, rounding to nearest even, overflow, subnormals, NaN', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24, -(2 ** -20)]) expect(f16ToF32(f32ToF16(v))).toBe(v);
    expect(Object.is(f16ToF32(f32ToF16(-0)), -0)).toBe(true);
    expect(f16ToF32(f32ToF16(1 + 2 ** -11))).toBe(1); // tie → even mantissa
    expect(f16ToF32(f32ToF16(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(f16ToF32(f32ToF16(65520))).toBe(Infinity);
    expect(f16ToF32(f32ToF16(-1e9))).toBe(-Infinity);
    expect(f16ToF32(f32ToF16(2 ** -26))).toBe(0);
    expect(f16ToF32(f32ToF16(NaN))).toBeNaN();
  });

  test('the writer refuses data that does not fill its shape', async () => {
    await expect(write([{ name: 'x', shape: [2, 3], data: new Float32Array(5) }])).rejects.toBeInstanceOf(E.ShapeMismatchError);
  });

  test.each([
    ['wrong magic', async () => { const b = await write(); b[3] ^= 0x20; return b; }, E.BadMagicError, /bad magic/],
    ['unsupported version', async () => { const b = await write(); b[8] = 2; return b; }, E.UnsupportedVersionError, /version 2/],
    ['manifest length past the end', async () => { const b = await write(); new DataView(b.buffer).setUint32(12, b.length, true); return b; }, E.TruncatedFileError, /manifest/],
    ['absurd manifest length', async () => { const b = await write(); new DataView(b.buffer).setUint32(12, 0xfffffff0, true); return b; }, E.BadManifestError, /limit/],
    ['manifest not JSON', async () => { const b = await write(); b[16] = 0x3c; return b; }, E.BadManifestError, /JSON/],
    ['manifest not UTF-8', async () => { const b = await write(); b[16 + 2] = 0xff; return b; }, E.BadManifestError, /UTF-8/],
    ['payload field missing', async () => rewrite(await write(), (m) => { delete m.payload; }), E.BadManifestError, /payload/],
    ['tensors field not a list', async () => rewrite(await write(), (m) => { m.tensors = {}; }), E.BadManifestError, /tensors/],
    ['duplicate tensor name', async () => rewrite(await write(), (m) => { m.tensors[1].name = m.tensors[0].name; }), E.BadManifestError, /twice/],
    ['unknown dtype', async () => rewrite(await write(), (m) => { m.tensors[0].dtype = 'i8'; }), E.BadManifestError, /dtype/],
    ['negative offset', async () => rewrite(await write(), (m) => { m.tensors[0].offset = -256; }), E.BadManifestError, /offset/],
    ['offset out of range', async () => rewrite(await write(), (m) => { m.tensors[2].offset = Math.ceil(m.payload.byteLength / ALIGN) * ALIGN; }), E.OutOfRangeError, /outside/],
    ['unaligned offset', async () => rewrite(await write(), (m) => { m.tensors[1].offset += 4; }), E.OutOfRangeError, /aligned/],
    ['bytes after the payload', async () => { const b = await write(); const c = new Uint8Array(b.length + 3); c.set(b); return c; }, E.OutOfRangeError, /after the payload/],
    ['shape/length mismatch', async () => rewrite(await write(), (m) => { m.tensors[2].shape = [2, 6]; }), E.ShapeMismatchError, /needs 48 bytes/],
    ['checksum mismatch', async () => rewrite(await write(), () => {}, (p) => { p[7] ^= 1; }), E.ChecksumMismatchError, /SHA-256/],
  ] as const)('%s', async (_what, make, Err, re?: RegExp) => {
    await expectError(make(), Err, re);
  });

  test('a manifest that is valid JSON but not an object is refused', async () => {
    const json = new TextEncoder().encode('[1,2]');
    const b = new Uint8Array(ALIGN);
    b.set(new TextEncoder().encode(WEIGHTS_MAGIC));
    new DataView(b.buffer).setUint32(8, 1, true);
    new DataView(b.buffer).setUint32(12, json.length, true);
    b.set(json, 16);
    await expectError(b, E.BadManifestError, /not a JSON object/);
  });

  test('a file cut anywhere is a TruncatedFileError', async () => {
    const b = await write();
    const mlen = new DataView(b.buffer).getUint32(12, true);
    const cuts = [0, 7, 15, 16, 16 + (mlen >> 1), 16 + mlen - 1, 16 + mlen, b.length - 300, b.length - 1];
    for (const cut of cuts) await expectError(b.slice(0, cut), E.TruncatedFileError);
    // …and every 1/50th of the file: always a typed error, never a crash or a RangeError.
    for (let cut = 0; cut < b.length; cut += Math.ceil(b.length / 50)) {
      expect(await read(b.slice(0, cut)).catch((x) => x), `cut at ${cut}`).toBeInstanceOf(E.WeightFileError);
    }
  });

  test('NaN and ±Inf are rejected in f32 and f16 tensors unless finite checks are off', async () => {
    for (const [bad, dtype] of [[NaN, 'f32'], [Infinity, 'f32'], [NaN, 'f16'], [-Infinity, 'f16'], [1e6, 'f16']] as const) {
      const t = tensors();
      t[2].data[3] = bad;
      const b = await write(t, dtype);
      await expectError(b, E.NonFiniteTensorError, /tensor b: element 3/);
      expect((await read(b, { finite: false })).tensors.size).toBe(t.length);
    }
  });

  test('skipChecksum reads a file whose payload changed', async () => {
    const b = rewrite(await write(), () => {}, (p) => { p[0] ^= 1; });
    expect((await read(b, { skipChecksum: true })).tensors.size).toBe(SHAPES.length);
  });
});
