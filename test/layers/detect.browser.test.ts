/**
 * detect() end to end in headless Chromium against ONNX Runtime: GPU letterbox vs the CPU
 * reference preprocessing, and boxes vs ORT's output0 + the plain-TS reference NMS
 * (src/post/nms-ref.ts, checked against Ultralytics + torchvision); then bad input,
 * device loss (long runs: test/reliability/soak.browser.test.ts).
 */
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE, PARITY_IMAGES, cocoWeights, imagePath } from '../helpers/parity-data.js';
import { postprocessRef, type RefDetection } from '../../src/post/nms-ref.js';
import { scaleBoxesPad } from '../../src/ops/letterbox.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { letterbox } from '../../src/image/letterbox.js';
import { referenceSession } from '../../src/reference/reference.js';
import { fixture } from '../helpers/fixtures.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const ENTRY = '/test/browser/entries/detector.ts';

describe('detect() vs ONNX Runtime + reference NMS (Chromium WebGPU)', () => {
  test('same boxes, classes and scores on 3 radiographs at 320×320; GPU letterbox within 1/255', async () => {
    const size: [number, number] = [320, 320];
    const weights = await cocoWeights();
    const ort = await referenceSession(new Uint8Array(readFileSync(fixture('models/yolo11n-coco-fp32.onnx'))), size);
    const opts = { conf: 0.05, iou: 0.7, maxDet: 300 };
    const images: { url: string; width: number; height: number }[] = [];
    const expected: RefDetection[][] = [];
    const cpuInputs: Float32Array[] = [];
    mkdirSync(join(CACHE, 'rgba'), { recursive: true });
    for (const name of PARITY_IMAGES) {
      const img = await decodeImageFile(imagePath(name));
      writeFileSync(join(CACHE, 'rgba', `${name}.rgba`), img.data);
      images.push({ url: `/.cache/test/rgba/${name}.rgba`, width: img.width, height: img.height });
      const { tensor, gain } = letterbox(img, size);
      cpuInputs.push(tensor);
      const out0 = (await ort.run(tensor)).tensors.get('model.23')!.data;
      const [padX, padY] = scaleBoxesPad(img.width, img.height, size[0], size[1]);
      expected.push(postprocessRef(out0, 80, opts, { gain, padX, padY, srcW: img.width, srcH: img.height }));
    }
    const r = await s.call<{ results: { box: number[]; score: number; classId: number }[][]; inputs: number[][]; viaBitmap: { maxInputDiff: number; sameBoxes: boolean }[] }>(ENTRY, 'detectImages', weights, size, images, opts);
    // ImageBitmap (texture path) and raw pixels (storage-buffer path) letterbox identically.
    for (const v of r.viaBitmap) expect(v).toEqual({ maxInputDiff: 0, sameBoxes: true });
    expect(expected.some((e) => e.length > 0)).toBe(true);
    r.results.forEach((got, i) => {
      let dIn = 0;
      r.inputs[i].forEach((v, k) => (dIn = Math.max(dIn, Math.abs(v - cpuInputs[i][k]))));
      expect(dIn, `letterbox of image ${i}`).toBeLessThanOrEqual(1 / 255 + 1e-6);
      expect(got.map((d) => d.classId), `classes of image ${i}`).toEqual(expected[i].map((d) => d.classId));
      got.forEach((d, j) => {
        expect(Math.abs(d.score - expected[i][j].score)).toBeLessThan(1e-3);
        // Boxes are in source pixels; a radiograph scaled 1/9 puts 0.5 network px at 4.5 source px.
        const tol = 0.5 / Math.min(320 / images[i].width, 320 / images[i].height);
        d.box.forEach((v, k) => expect(Math.abs(v - expected[i][j].box[k]), `image ${i} box ${j}`).toBeLessThanOrEqual(tol));
      });
    });
  });

  test('bad input gets typed errors and the detector keeps working', async () => {
    const r = await s.call<Record<string, string>>(ENTRY, 'badInputs', await cocoWeights());
    expect(r['inputSize 100']).toMatch(/^InvalidArgumentError: input size 100×100/);
    expect(r['truncated weights']).toMatch(/^TruncatedFileError/);
    expect(r['zero-size image']).toMatch(/^ImageDecodeError/);
    expect(r['short pixel data']).toMatch(/^InvalidArgumentError/);
    expect(r['forward wrong length']).toMatch(/^InvalidArgumentError/);
    expect(r['forward NaN']).toMatch(/^InvalidArgumentError/);
    expect(r['conf 2']).toMatch(/^InvalidArgumentError/);
    expect(r['beyond the texture limit']).toMatch(/^InvalidArgumentError: image 9000×10 exceeds/);
    expect(r['good after errors']).toMatch(/^ok/);
    expect(r['1×1 image']).toBe('ok finite true');
    // Stored CMYK (200, 100, 50, 180) → RGB (141, 71, 35) under the Adobe convention (Chromium's decoder).
    r['CMYK JPEG pixel'].split(',').map(Number).forEach((v, k) => expect(Math.abs(v - [141.2, 70.6, 35.3][k]), r['CMYK JPEG pixel']).toBeLessThanOrEqual(3));
    expect(r['CMYK JPEG']).toBe('ok finite true');
    expect(r['detect after destroy']).toMatch(/^DestroyedError/);
  });

  test('detectors on one device share its pipelines: the second for the same size compiles none, the same boxes; the device stays the caller\'s', async () => {
    const r = await s.call<Record<'first' | 'second' | 'other', { pipelines: number; boxes: string }>>(ENTRY, 'sharedDevice', await cocoWeights());
    console.log(`pipelines created: ${r.first.pipelines}, then ${r.second.pipelines}, then ${r.other.pipelines} at another size`);
    expect(r.first.pipelines).toBeGreaterThan(10);
    expect(r.second.pipelines).toBe(0);
    expect(r.second.boxes).toBe(r.first.boxes);
    expect(r.other.pipelines).toBeLessThan(r.first.pipelines);
  });

  test('a device lost mid-inference rejects with DeviceLostError; a new detector works', async () => {
    const r = await s.call<Record<string, string>>(ENTRY, 'deviceLoss', await cocoWeights());
    expect(r.pending).toBe('DeviceLostError');
    expect(r.later).toBe('DeviceLostError');
    expect(r.fresh).toMatch(/^ok/);
  });
});
