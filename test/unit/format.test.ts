/** The weight container and weights reader: round trips, and one distinct typed error per defect. */
import { describe, expect, test } from 'vitest';
import * as E from '../../src/errors.js';
import { WEIGHTS_MAGIC, f16ToF32, f32ToF16, readTensorFile, writeTensorFile } from '../../src/weights/format.js';
import { readWeights, writeWeights, type WeightsFields } from '../../src/weights/weights.js';
import { expectedTensors } from '../../src/model/spec.js';
import { randomArray } from '../helpers/kernel.js';

const fields: WeightsFields = { scale: 'n', nc: 2, names: ['a', 'b'], imgsz: [64, 64], source: { file: 't', sha256: '0'.repeat(64), format: 'test' } };
const tensors = () => [...expectedTensors('n', 2)].map(([name, shape], i) => ({ name, shape, data: randomArray(shape.reduce((a, b) => a * b, 1), i + 1) }));

async function mutate(f: (m: Record<string, any>) => void, data?: (b: Uint8Array) => void): Promise<Uint8Array> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const good = await writeWeights(fields, tensors());
  const dv = new DataView(good.buffer);
  const mlen = dv.getUint32(12, true);
  const m = JSON.parse(new TextDecoder().decode(good.subarray(16, 16 + mlen)));
  f(m);
  const json = new TextEncoder().encode(JSON.stringify(m));
  const start = Math.ceil((16 + json.length) / 256) * 256;
  const oldStart = Math.ceil((16 + mlen) / 256) * 256;
  const out = new Uint8Array(start + good.length - oldStart);
  out.set(good.subarray(0, 16));
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(good.subarray(oldStart), start);
  data?.(out.subarray(start));
  return out;
}

describe('weight files', () => {
  test('f32 and f16 round trips', async () => {
    const t = tensors();
    const f = await readWeights(await writeWeights(fields, t));
    expect(f.manifest.scale).toBe('n');
    expect(f.tensors.get(t[0].name)!.data).toEqual(t[0].data);
    const h = await readWeights(await writeWeights(fields, t, 'f16'));
    const back = h.tensors.get(t[5].name)!.data as Uint16Array;
    back.forEach((v, i) => expect(Math.abs(f16ToF32(v) - t[5].data[i])).toBeLessThanOrEqual(Math.abs(t[5].data[i]) * 2 ** -11 + 2 ** -24));
    expect(f16ToF32(f32ToF16(65504))).toBe(65504);
    expect(f16ToF32(f32ToF16(1e9))).toBe(Infinity);
  });

  test.each([
    ['wrong magic', async () => { const b = await writeWeights(fields, tensors()); b[0] = 0x58; return b; }, E.BadMagicError],
    ['unsupported version', async () => { const b = await writeWeights(fields, tensors()); b[8] = 9; return b; }, E.UnsupportedVersionError],
    ['shorter than the header', async () => (await writeWeights(fields, tensors())).slice(0, 10), E.TruncatedFileError],
    ['manifest past the end', async () => (await writeWeights(fields, tensors())).slice(0, 200), E.TruncatedFileError],
    ['payload cut short', async () => { const b = await writeWeights(fields, tensors()); return b.slice(0, b.length - 100); }, E.TruncatedFileError],
    ['huge manifest length', async () => { const b = await writeWeights(fields, tensors()); new DataView(b.buffer).setUint32(12, 0xfffffff0, true); return b; }, E.BadManifestError],
    ['manifest not JSON', async () => { const b = await writeWeights(fields, tensors()); b[16] = 0x7b; b[17] = 0x7b; return b; }, E.BadManifestError],
    ['offset out of range', () => mutate((m) => { m.tensors[3].offset = m.payload.byteLength; }), E.OutOfRangeError],
    ['unaligned offset', () => mutate((m) => { m.tensors[3].offset += 4; }), E.OutOfRangeError],
    ['byte length ≠ shape', () => mutate((m) => { m.tensors[2].shape = [m.tensors[2].shape[0] + 1]; }), E.ShapeMismatchError],
    ['checksum mismatch', () => mutate(() => {}, (p) => { p[100] ^= 1; }), E.ChecksumMismatchError],
    ['missing tensor', () => mutate((m) => { m.tensors.splice(4, 1); }), E.MissingTensorError],
    ['unexpected tensor', () => mutate((m) => { m.tensors.push({ ...m.tensors[4], name: 'model.99.conv.weight' }); }), E.UnexpectedTensorError],
    ['architecture shape mismatch', () => mutate((m) => { m.nc = 3; m.names = ['a', 'b', 'c']; }), E.ShapeMismatchError],
    ['bad scale', () => mutate((m) => { m.scale = 'q'; }), E.BadManifestError],
    ['bad imgsz', () => mutate((m) => { m.imgsz = [100, 100]; }), E.BadManifestError],
  ] as const)('%s → %s', async (_name, make, Err) => {
    const bytes = await make();
    const e = await readWeights(bytes).catch((x) => x);
    expect(e).toBeInstanceOf(Err);
    expect(e).toBeInstanceOf(E.WeightFileError);
    expect(e.message).not.toContain('\n');
  });

  test('NaN and Inf are rejected in f32 and f16 tensors', async () => {
    const t = tensors();
    t[7].data[3] = NaN;
    await expect(readWeights(await writeWeights(fields, t))).rejects.toBeInstanceOf(E.NonFiniteTensorError);
    t[7].data[3] = Infinity;
    await expect(readWeights(await writeWeights(fields, t, 'f16'))).rejects.toBeInstanceOf(E.NonFiniteTensorError);
  });

  test('every truncation point gives a typed error, never a crash', async () => {
    const b = await writeWeights(fields, tensors());
    for (let cut = 0; cut < b.length; cut += Math.max(1, Math.floor(b.length / 97))) {
      const e = await readTensorFile(b.slice(0, cut), WEIGHTS_MAGIC).catch((x) => x);
      expect(e, `cut at ${cut}`).toBeInstanceOf(E.WeightFileError);
    }
    expect((await writeTensorFile('YOLO11RT', { kind: 'reference' }, [])).length).toBeGreaterThan(16);
  });
});
