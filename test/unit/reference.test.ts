/**
 * ONNX Runtime reference files (src/reference): 3 FracAtlas radiographs at 640 (cached helper) and at
 * 320 (generated here), every layer present with yolo11n's shapes, output0 equal to a plain ONNX
 * Runtime run of the unedited model, the input-size rewrite exact at 640 and working at 320 and
 * 256×384, quantized graphs, and one-line typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import pkg from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { ImageDecodeError, InvalidArgumentError, ModelImportError } from '../../src/errors.js';
import { REFERENCE_MAGIC, readTensorFile } from '../../src/weights/format.js';
import { loadReference, makeReference, referenceSession, type Reference } from '../../src/reference/reference.js';
import { fixture } from '../helpers/fixtures.js';
import { REFERENCE_IMAGES, referenceFile, referenceFor, referenceImagePath } from '../helpers/reference.js';

const { onnx } = pkg;
const MODEL = () => fixture('models/yolo11n-coco-fp32.onnx');
const modelBytes = () => new Uint8Array(readFileSync(MODEL()));
/** yolo11n layer outputs: [channels, stride]. */
const LAYERS: [number, number][] = [[16, 2], [32, 4], [64, 4], [64, 8], [128, 8], [128, 16], [128, 16], [256, 32], [256, 32], [256, 32], [256, 32],
  [256, 16], [384, 16], [128, 16], [128, 8], [256, 8], [64, 8], [64, 16], [192, 16], [128, 16], [128, 32], [384, 32], [256, 32]];
const anchors = (H: number, W: number) => [8, 16, 32].reduce((a, s) => a + (H / s) * (W / s), 0);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

function expectedShapes(H: number, W: number): Record<string, number[]> {
  const s: Record<string, number[]> = { input: [1, 3, H, W], output0: [1, 84, anchors(H, W)], 'model.23': [1, 84, anchors(H, W)] };
  LAYERS.forEach(([c, st], n) => (s[`model.${n}`] = [1, c, H / st, W / st]));
  [8, 16, 32].forEach((st, j) => (s[`model.23.level${j}`] = [1, 144, H / st, W / st]));
  for (const [n, c, st] of [[2, 32, 4], [4, 64, 8], [6, 128, 16], [8, 256, 32], [9, 128, 32], [10, 256, 32], [13, 128, 16], [16, 64, 8], [19, 128, 16], [22, 256, 32]]) s[`model.${n}.cv1`] = [1, c, H / st, W / st];
  for (const m of ['m', 'm_1', 'm_2']) s[`model.9.${m}`] = [1, 128, H / 32, W / 32];
  s['model.10.m.0.attn.qkv'] = [1, 256, H / 32, W / 32];
  s['model.10.m.0.attn'] = [1, 128, H / 32, W / 32];
  return s;
}

/** Every tensor of every image present with its shape; the manifest complete. */
function checkReference(ref: Reference, H: number, W: number) {
  const want = expectedShapes(H, W);
  expect(ref.imgsz).toEqual([H, W]);
  expect(ref.manifest.kind).toBe('reference');
  expect(ref.manifest.model.file).toBe('yolo11n-coco-fp32.onnx');
  expect(ref.manifest.model.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(ref.manifest.ortVersion).toBe(ort.env.versions.common);
  expect(ref.images.map((i) => [i.file, i.width, i.height])).toEqual([['IMG0000019.jpg', 2304, 2880], ['IMG0003309.jpg', 454, 373], ['IMG0003297.jpg', 373, 454]]);
  expect(ref.images[0].gain).toBe(Math.min(H / 2880, W / 2304));
  for (let i = 0; i < 3; i++) {
    expect(ref.names(i).sort()).toEqual(Object.keys(want).sort());
    for (const [name, shape] of Object.entries(want)) expect(ref.tensor(`img${i}/${name}`).shape, `img${i}/${name}`).toEqual(shape);
  }
  expect(ref.manifest.layers['img1/model.4']).toEqual({ layer: 4, module: 'model.4', onnx: '/model.4/cv2/act/Mul_output_0' });
  expect(ref.manifest.layers['img2/model.10.m.0.attn']).toEqual({ layer: 10, module: 'model.10.m.0.attn', onnx: '/model.10/m/m.0/attn/Add_output_0' });
  expect(ref.manifest.layers['img0/output0'].layer).toBeNull();
}

/** output0 of the stored input through the unedited model in a plain session. */
async function plainOutput0(bytes: Uint8Array, input: Float32Array, H: number, W: number, level: 'disabled' | 'all') {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  const out = await s.run({ images: new ort.Tensor('float32', input, [1, 3, H, W]) });
  await s.release();
  return out.output0.data as Float32Array;
}

describe('ONNX Runtime reference files', () => {
  test('640: every layer of 3 radiographs, output0 = a plain ONNX Runtime run, levels = Detect head', async () => {
    const { path } = await referenceFile(640);
    const raw = await readTensorFile(readFileSync(path), REFERENCE_MAGIC, { finite: false, skipChecksum: true }); // loadReference checks it
    expect(raw.tensors.get('img0/model.0')!.shape).toEqual([1, 16, 320, 320]);
    const ref = await referenceFor(640);
    checkReference(ref, 640, 640);
    const bytes = modelBytes();
    for (let i = 0; i < 3; i++) {
      const out0 = ref.tensor(`img${i}/output0`).data;
      expect(maxDiff(await plainOutput0(bytes, ref.tensor(`img${i}/input`).data, 640, 640, 'disabled'), out0), `image ${i}`).toBe(0);
      expect(maxDiff(ref.tensor(`img${i}/model.23`).data, out0)).toBe(0);
    }
    // ONNX Runtime's default (fully optimized) session agrees to float rounding.
    const opt = await plainOutput0(bytes, ref.tensor('img1/input').data, 640, 640, 'all');
    const out0 = ref.tensor('img1/output0').data;
    expect(opt.reduce((m, v, k) => Math.max(m, Math.abs(v - out0[k]) / (1 + Math.abs(out0[k]))), 0)).toBeLessThan(1e-4);
    // Class scores in output0 are sigmoid(class logits) of the level tensors: level 1, cell (y 7, x 11).
    const lv = ref.tensor('img1/model.23.level1').data;
    const a = 80 * 80 + 7 * 40 + 11;
    for (const c of [0, 15, 79]) expect(out0[(4 + c) * 8400 + a]).toBeCloseTo(1 / (1 + Math.exp(-lv[(64 + c) * 1600 + 7 * 40 + 11])), 6);
  });

  test('320: makeReference for the same 3 images; pixels in the padding are 114/255', async () => {
    const ref = await loadReference(await makeReference({ modelPath: MODEL(), images: REFERENCE_IMAGES.map(referenceImagePath), imgsz: 320 }));
    checkReference(ref, 320, 320);
    // img1 (454×373): gain 320/454, resized 320×263, top pad round(28.5 − 0.1) = 28.
    expect([ref.images[1].gain, ref.images[1].pad]).toEqual([320 / 454, [0, 28]]);
    expect(ref.tensor('img1/input').data[27 * 320 + 100]).toBe(Math.fround(114 / 255));
    // Deterministic: a fresh session over the rewritten graph gives the same output0 bit for bit.
    const s = await referenceSession(modelBytes(), [320, 320]);
    const again = (await s.run(ref.tensor('img2/input').data)).tensors.get('output0')!.data;
    expect(maxDiff(again, ref.tensor('img2/output0').data)).toBe(0);
    await s.release();
  });

  test('the input-size rewrite is exact at 640 and runs at 256×384 (H×W)', async () => {
    const ref = await referenceFor(640);
    const input = ref.tensor('img0/input').data;
    const plain = await referenceSession(modelBytes());
    const forced = await referenceSession(modelBytes(), [640, 640], { forceRewrite: true });
    expect([plain.rewritten, forced.rewritten, forced.exportSize]).toEqual([false, true, [640, 640]]);
    const [a, b] = [await plain.run(input), await forced.run(input)];
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
    for (const [name, t] of a.tensors) {
      expect(b.tensors.get(name)!.shape, name).toEqual(t.shape);
      expect(maxDiff(b.tensors.get(name)!.data, t.data), name).toBe(0);
    }
    await Promise.all([plain.release(), forced.release()]);
    const s = await referenceSession(modelBytes(), [256, 384]);
    const r = await s.run(new Float32Array(3 * 256 * 384).fill(0.5));
    for (const [name, shape] of Object.entries(expectedShapes(256, 384))) if (name !== 'input') expect(r.tensors.get(name)!.shape, name).toEqual(shape);
    expect(r.tensors.get('output0')!.shape).toEqual([1, 84, 2016]);
    await s.release();
  });

  test('a dynamically quantized export (ConvInteger) exposes the same float tensors', async () => {
    const s = await referenceSession(new Uint8Array(readFileSync(fixture('models/yolo11n-coco-uint8.onnx'))), [320, 320]);
    const r = await s.run(new Float32Array(3 * 320 * 320).fill(0.25));
    const want = expectedShapes(320, 320);
    for (const [name, t] of r.tensors) expect(t.shape, name).toEqual(want[name]);
    expect(r.tensors.size).toBe(Object.keys(want).length - 1);
    expect(s.exposed.find((e) => e.name === 'model.0')!.onnx).toBe('/model.0/act/Mul_output_0');
    await s.release();
  });

  test('bad input: one-line typed errors', async () => {
    const err = (p: Promise<unknown>) => p.then(() => null, (e) => e);
    const missing = await err(makeReference({ modelPath: '/nonexistent/m.onnx', images: [referenceImagePath('IMG0003309.jpg')] }));
    expect(missing).toBeInstanceOf(ModelImportError);
    expect(missing.message).toBe('/nonexistent/m.onnx: no such file');
    const conv = onnx.ModelProto.encode({
      irVersion: 8, opsetImport: [{ version: 19 }],
      graph: { name: 'g', node: [{ opType: 'Conv', input: ['x', 'w'], output: ['y'], name: '/conv/Conv' }],
        initializer: [{ name: 'w', dims: [2, 3, 1, 1], dataType: 1, floatData: [1, 2, 3, 4, 5, 6] }],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }, { dimValue: 8 }, { dimValue: 8 }] } } } }], output: [{ name: 'y' }] },
    }).finish();
    expect(await err(referenceSession(conv))).toBeInstanceOf(ModelImportError);
    expect((await err(referenceSession(conv))).message).toMatch(/no node scope \/model\.N\//);
    expect(await err(referenceSession(Uint8Array.from([1, 2, 3, 4, 5])))).toBeInstanceOf(ModelImportError);
    expect((await err(referenceSession(modelBytes(), [100, 100]))).message).toMatch(/input size 100×100 must be multiples of 32/);
    expect(await err(referenceSession(modelBytes(), [100, 100]))).toBeInstanceOf(InvalidArgumentError);
    const bad = await err(makeReference({ modelPath: MODEL(), images: [MODEL()], imgsz: 320 }));
    expect(bad).toBeInstanceOf(ImageDecodeError);
    expect(bad.message).toMatch(/yolo11n-coco-fp32\.onnx: not a PNG or JPEG image but an ONNX model/);
  });
});
