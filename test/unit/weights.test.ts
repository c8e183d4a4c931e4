/**
 * Weight files (src/weights/weights.ts): the container with a YOLO11 manifest, checked against the
 * architecture. A synthetic yolo11n with nc=2 (every shape from expectedTensors) and seeded values.
 */
import { describe, expect, test } from 'vitest';
import * as E from '../../src/errors.js';
import { expectedTensors } from '../../src/model/spec.js';
import { WEIGHTS_MAGIC, toFloat32, writeTensorFile, type WriteTensor } from '../../src/weights/format.js';
import { parameterCount, readWeights, writeWeights, type WeightsFields } from '../../src/weights/weights.js';

/** Deterministic values in [-1, 1) (an LCG: plenty for a format test). */
function seeded(n: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1);
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const fields = (): WeightsFields => ({ scale: 'n', nc: 2, names: ['fracture', 'other'], imgsz: [640, 640], source: { file: 'synthetic.onnx', sha256: '0'.repeat(64), format: 'test' } });
const SPEC = expectedTensors('n', 2);
const tensors = (): WriteTensor[] => [...SPEC].map(([name, shape], i) => ({ name, shape, data: seeded(numel(shape), i + 1) }));
/** The complete manifest fields writeWeights adds, for writing defective files with writeTensorFile directly. */
const full = (over: Record<string, unknown> = {}) => ({ kind: 'weights', family: 'yolo11', task: 'detect', strides: [8, 16, 32], ...fields(), ...over });

describe('weight files', () => {
  test('f32 round trip is exact and the parameter count is the architecture\'s', async () => {
    const t = tensors();
    const f = await readWeights(await writeWeights({ ...fields(), settings: { highSensitivityConf: 0.08 } }, t));
    expect(f.manifest).toMatchObject({ kind: 'weights', family: 'yolo11', task: 'detect', scale: 'n', nc: 2, imgsz: [640, 640], strides: [8, 16, 32] });
    expect(f.manifest.settings).toEqual({ highSensitivityConf: 0.08 });
    expect(f.tensors.size).toBe(SPEC.size);
    const bytes = (a: Float32Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const x of t) expect(bytes(f.tensors.get(x.name)!.data).equals(bytes(x.data)), x.name).toBe(true);
    expect(parameterCount(f)).toBe([...SPEC.values()].reduce((a, s) => a + numel(s), 0));
    expect(f.tensors.has('model.23.dfl.conv.weight')).toBe(false);
  });

  test('f16 round trip is within half precision', async () => {
    const t = tensors();
    const f = await readWeights(await writeWeights(fields(), t, 'f16'));
    let worst = 0;
    for (const x of t) {
      const got = f.tensors.get(x.name)!;
      expect(got.dtype).toBe('f16');
      const wide = toFloat32(got);
      for (let i = 0; i < wide.length; i++) worst = Math.max(worst, Math.abs(wide[i] - x.data[i]) / Math.max(Math.abs(x.data[i]), 2 ** -14));
    }
    expect(worst).toBeLessThanOrEqual(2 ** -11);
  });

  const drop = (name: string) => tensors().filter((t) => t.name !== name);
  const reshape = (name: string, shape: number[]) => tensors().map((t) => (t.name === name ? { ...t, shape, data: new Float32Array(numel(shape)) } : t));
  test.each([
    ['missing tensor', () => drop('model.10.m.0.attn.pe.conv.bias'), {}, E.MissingTensorError, /model\.10\.m\.0\.attn\.pe\.conv\.bias is missing/],
    ['unexpected tensor', () => [...tensors(), { name: 'model.23.dfl.conv.weight', shape: [1, 16, 1, 1], data: new Float32Array(16) }], {}, E.UnexpectedTensorError, /dfl/],
    ['shape ≠ architecture', () => reshape('model.2.cv1.conv.weight', [32, 16, 1, 1]), {}, E.ShapeMismatchError, /model\.2\.cv1\.conv\.weight has shape \[32,16,1,1\].*needs \[32,32,1,1\]/],
    ['nc ≠ the head', () => tensors(), { nc: 3, names: ['a', 'b', 'c'] }, E.ShapeMismatchError, /model\.23\.cv3\.0\.2\.weight/],
    ['scale ≠ the shapes', () => tensors(), { scale: 's' }, E.ShapeMismatchError, /yolo11s/],
    ['bad scale', () => tensors(), { scale: 'q' }, E.BadManifestError, /scale "q"/],
    ['nc 0', () => tensors(), { nc: 0, names: [] }, E.BadManifestError, /nc 0/],
    ['fractional nc', () => tensors(), { nc: 2.5 }, E.BadManifestError, /nc 2\.5/],
    ['imgsz 100', () => tensors(), { imgsz: [100, 100] }, E.BadManifestError, /imgsz/],
    ['imgsz one number', () => tensors(), { imgsz: [640] }, E.BadManifestError, /imgsz/],
    ['names ≠ nc', () => tensors(), { names: ['only one'] }, E.BadManifestError, /names/],
    ['wrong kind', () => tensors(), { kind: 'reference' }, E.BadManifestError, /kind/],
    ['other family', () => tensors(), { family: 'yolov8' }, E.BadManifestError, /family/],
    ['other task', () => tensors(), { task: 'obb' }, E.UnsupportedTaskError, /task "obb", which this runtime does not run/],
    ['segment manifest on detect tensors', () => tensors(), { task: 'segment', nm: 32 }, E.MissingTensorError, /yolo11n-segment/],
    ['other strides', () => tensors(), { strides: [8, 16, 32, 64] }, E.BadManifestError, /strides/],
  ] as const)('%s', async (_what, make, over, Err, re) => {
    const file = await writeTensorFile(WEIGHTS_MAGIC, full(over), make());
    const e = await readWeights(file).catch((x) => x);
    expect(e).toBeInstanceOf(Err);
    expect(e).toBeInstanceOf(E.WeightFileError);
    expect(e.message).toMatch(re);
    expect(e.message).not.toMatch(/\n/);
    // The writer refuses the same input with the same class (it never writes a file the reader rejects).
    const { kind: _k, family: _f, task: _t, strides: _s, ...rest } = full(over);
    if (!('kind' in over || 'family' in over || 'task' in over || 'strides' in over)) {
      await expect(Promise.resolve().then(() => writeWeights(rest as unknown as WeightsFields, make()))).rejects.toBeInstanceOf(Err);
    }
  });

  test('NaN/Inf weights are rejected on read (f32 and f16)', async () => {
    const t = tensors();
    t[9].data[0] = NaN;
    await expect(readWeights(await writeWeights(fields(), t))).rejects.toBeInstanceOf(E.NonFiniteTensorError);
    t[9].data[0] = 0;
    t[30].data[5] = -Infinity;
    await expect(readWeights(await writeWeights(fields(), t, 'f16'))).rejects.toThrow(/element 5 is -Infinity/);
  });
});
