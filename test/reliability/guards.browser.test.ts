/**
 * Reliability of the library in headless Chromium: a model that overflows to Inf yields no NaN boxes
 * (dropped anchors counted in detector.lastStats); a weight file that does not match the expected
 * SHA-256 is rejected; 50 overlapping detect() calls on 50 different images each return their own
 * image's boxes (equal to the same calls made one at a time); grey, RGB and RGBA raw pixels of one
 * picture give the same boxes, whole and sliced.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE, cocoWeights } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { crop, fiftyCrops } from '../helpers/crops.js';
import { convertModel } from '../../src/convert/index.js';
import { readWeights, writeWeights } from '../../src/weights/weights.js';

const ENTRY = '/test/browser/entries/reliability.ts';
const dir = join(CACHE, 'reliability');
let s: BrowserSession;
let weights: Uint8Array;
beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  weights = await convertModel(new Uint8Array(readFileSync(fixture('models/yolo11n-fracture-hybrid.tflite'))), 'fracture.tflite');
  writeFileSync(join(dir, 'fracture.y11w'), weights);
  s = await openBrowser();
}, 120_000);
afterAll(async () => {
  await s?.close();
});

test('a model whose box branch overflows to Inf: no NaN boxes, dropped anchors counted in lastStats', async () => {
  const f = await readWeights(weights);
  const tensors = [...f.tensors.values()].map((t) => {
    const data = Float32Array.from(t.data as ArrayLike<number>);
    // The box branch's last conv: huge weights on top of a bias at the float32 maximum overflow to +Inf.
    if (/^model\.23\.cv2\.\d\.2\.weight$/.test(t.name)) data.forEach((v, i) => (data[i] = v * 1e37));
    if (/^model\.23\.cv2\.\d\.2\.bias$/.test(t.name)) data.fill(3.4e38);
    return { name: t.name, shape: t.shape, data };
  });
  const { kind, family, task, strides, payload, tensors: _t, ...fields } = f.manifest as unknown as Record<string, unknown>;
  void [kind, family, task, strides, payload, _t];
  writeFileSync(join(dir, 'overflow.y11w'), await writeWeights(fields as never, tensors));
  const r = await s.call<{ boxes: unknown[]; stats: { nonFinite: number; candidates: number; detections: number }; allFinite: boolean }>(
    ENTRY, 'nonFinite', '/.cache/test/reliability/overflow.y11w', await crop('IMG0003458.jpg', 100, 100, 96, 96));
  console.log(`overflowing model: ${JSON.stringify(r.stats)}`);
  expect(r.allFinite).toBe(true);
  expect(r.stats.nonFinite).toBeGreaterThan(0);
  expect(r.stats.detections).toBe(r.boxes.length);
}, 300_000);

test('createDetector({ sha256 }) rejects a file that does not match', async () => {
  const right = createHash('sha256').update(weights).digest('hex');
  expect(await s.call<string[]>(ENTRY, 'checksum', '/.cache/test/reliability/fracture.y11w', right)).toEqual(['ChecksumMismatchError', 'InvalidArgumentError', expect.stringMatching(/^ok [1-9]\d*$/)]);
}, 300_000);

test('50 overlapping detect() calls on 50 different images: each gets its own boxes', async () => {
  const images = await fiftyCrops();
  // The 80-class COCO model at conf 0.001 finds low-score boxes in any crop, so results tell images apart.
  const r = await s.call<{ concurrent: { box: number[] }[][]; sequential: { box: number[] }[][] }>(ENTRY, 'overlapping', await cocoWeights(), images, 96);
  expect(r.concurrent).toEqual(r.sequential);
  // The images differ, so their results do too: a mix-up would show as equal neighbours.
  const distinct = new Set(r.sequential.map((d) => JSON.stringify(d)));
  console.log(`50 overlapping calls: ${distinct.size} distinct results, ${r.sequential.reduce((n, d) => n + d.length, 0)} boxes`);
  expect(distinct.size).toBeGreaterThan(25);
}, 600_000);

test('grey, RGB and RGBA raw pixels of one picture give the same boxes, whole and in SAHI tiles', async () => {
  type Det = { box: number[] }[];
  const img = await crop('IMG0003342.jpg', 33, 41, 163, 131); // 163 × 131: rows of 163 or 489 bytes, not whole words
  const r = await s.call<Record<'1' | '3' | '4', { whole: Det; sliced: Det }>>(ENTRY, 'channelForms', await cocoWeights(), img, 96);
  console.log(`channel forms: ${r[4].whole.length} boxes whole, ${r[4].sliced.length} sliced`);
  expect(r[4].whole.length).toBeGreaterThan(0);
  expect(r[4].sliced).not.toEqual(r[4].whole);
  expect(r[1]).toEqual(r[4]);
  expect(r[3]).toEqual(r[4]);
}, 300_000);
