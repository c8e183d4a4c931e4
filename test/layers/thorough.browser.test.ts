/**
 * detect(image, { slice, tta }) and explain(image) end to end in headless Chromium, each against a
 * reference built from independent pieces: sliced detection vs plain detect() on every tile cropped
 * on the CPU, shifted and merged by src/post/merge-ref.ts (SAHI); TTA vs forward() on inputs made by
 * the CPU scale_img, de-augmented and NMS'd by src/post/tta-ref.ts + nms-ref.ts (Ultralytics);
 * explain vs the float64 EigenCAM (src/explain/eigencam-ref.ts) on the same activations read back.
 * Then odd image sizes and bad options. The fracture model at small input sizes keeps it quick.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE, imagePath } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { letterboxGeometry, scaleBoxesPad } from '../../src/ops/letterbox.js';
import { mergeRef, matchMetric, type MergeBox } from '../../src/post/merge-ref.js';
import { deaugmentRef } from '../../src/post/tta-ref.js';
import { postprocessRef } from '../../src/post/nms-ref.js';
import { heatmapRef } from '../../src/explain/eigencam-ref.js';

const ENTRY = '/test/browser/entries/thorough.ts';
const WEIGHTS = 'weights/yolo11n-fracture.y11w';
const IMAGE = 'IMG0003458.jpg';
/** SwiftShader shares 2 cores with other work here: whole-model runs get minutes, not vitest's default 2. */
const SLOW = 600_000;
type Det = { box: [number, number, number, number]; score: number; classId: number };

let s: BrowserSession;
let img: { url: string; width: number; height: number };
beforeAll(async () => {
  if (!existsSync(WEIGHTS)) {
    const settings = JSON.parse(readFileSync('weights/yolo11n-fracture.settings.json', 'utf8')).settings;
    mkdirSync('weights', { recursive: true });
    writeFileSync(WEIGHTS, await convertModel(new Uint8Array(readFileSync(fixture('models/yolo11n-fracture-hybrid.tflite'))), 'yolo11n-fracture-hybrid.tflite', 'f32', settings));
  }
  const d = await decodeImageFile(imagePath(IMAGE));
  mkdirSync(join(CACHE, 'rgba'), { recursive: true });
  writeFileSync(join(CACHE, 'rgba', `${IMAGE}.rgba`), d.data);
  img = { url: `/.cache/test/rgba/${IMAGE}.rgba`, width: d.width, height: d.height };
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

/** Every reference box has a GPU box of its class with IoU > 0.99 and the same score (to `ds`), and the counts agree. */
function expectSameBoxes(gpu: Det[], ref: Det[], ds: number, label: string) {
  expect(gpu.length, `${label}: count`).toBe(ref.length);
  for (const r of ref) {
    const m = gpu.find((g) => g.classId === r.classId && matchMetric(g.box, r.box, 'iou') > 0.99 && Math.abs(g.score - r.score) < ds);
    expect(m, `${label}: ${JSON.stringify(r)}`).toBeDefined();
  }
}

describe('sliced inference = SAHI on CPU-cropped tiles', () => {
  test('12 tiles of 160 px + the whole image at input 320: boxes back in image pixels, merged as SAHI (NMM and NMS)', async () => {
    const slice = { size: 160, overlap: 0.2 };
    const r = await s.call<{ sliced: Record<'nmm' | 'nms', Det[]>; perPass: { rect: { x: number; y: number }; dets: Det[] }[]; stats: { candidates: number } }>(ENTRY, 'sliceVsCrops', `/${WEIGHTS}`, 320, img, slice, 0.002);
    expect(r.perPass.length).toBe(13);
    const all: MergeBox[] = r.perPass.flatMap((p) => p.dets.map((d) => ({ box: [d.box[0] + p.rect.x, d.box[1] + p.rect.y, d.box[2] + p.rect.x, d.box[3] + p.rect.y] as Det['box'], score: d.score, classId: d.classId })));
    expect(r.stats.candidates).toBe(all.length);
    for (const merge of ['nmm', 'nms'] as const) {
      const ref = mergeRef(all, { method: merge, metric: 'ios', threshold: 0.5, agnostic: false, maxDet: 300 });
      expect(ref.length).toBeGreaterThan(1);
      expect(ref.length).toBeLessThan(all.length);
      expectSameBoxes(r.sliced[merge], ref, 1e-6, merge);
      console.log(`slice ${merge}: ${all.length} tile boxes → ${r.sliced[merge].length}`);
    }
    expect(JSON.stringify(r.sliced.nmm)).not.toBe(JSON.stringify(r.sliced.nms)); // merging grew some boxes
  }, SLOW);
});

describe('test-time augmentation = Ultralytics _predict_augment', () => {
  test('passes at 320, 288 (flipped) and 224: de-augmented, merged, NMS = the reference on forward() outputs', async () => {
    const r = await s.call<{ tta: Det[]; plain: Det[]; outputs: number[][]; sizes: [number, number][] }>(ENTRY, 'ttaVsForward', `/${WEIGHTS}`, 320, img, 0.005);
    expect(r.sizes).toEqual([[320, 320], [288, 288], [224, 224]]);
    const merged = deaugmentRef(r.outputs.map((o) => Float32Array.from(o)), 1, r.sizes);
    expect(merged.length / 5).toBe(2000 + 1701 + 245); // 320 without its 10×10 level, 288 whole, 224 without its 28×28 level
    const gain = Math.min(320 / img.height, 320 / img.width);
    const [padX, padY] = scaleBoxesPad(img.width, img.height, 320, 320);
    const ref = postprocessRef(merged, 1, { conf: 0.005, iou: 0.7, maxDet: 300 }, { gain, padX, padY, srcW: img.width, srcH: img.height });
    const strong = (d: Det[]) => d.filter((x) => x.score > 0.006); // away from conf, where 1e-5 input differences could flip one
    expectSameBoxes(strong(r.tta), strong(ref), 2e-3, 'tta');
    expect(JSON.stringify(r.tta)).not.toBe(JSON.stringify(r.plain)); // the augmented passes changed something
    console.log(`tta: ${r.tta.length} boxes (plain ${r.plain.length}); best ${r.tta[0]?.score.toFixed(3)} vs ${r.plain[0]?.score.toFixed(3)}`);
  }, SLOW);

  test('a mirrored image gives mirrored boxes', async () => {
    // TTA is not mirror-symmetric (only the 0.83 pass is flipped), so the boxes agree closely, not exactly.
    const r = await s.call<{ tta: Det[]; mirrored: Det[] }>(ENTRY, 'ttaMirror', `/${WEIGHTS}`, 320, img, 0.05);
    const W = img.width;
    const mirrored = r.mirrored.map((d) => ({ ...d, box: [W - d.box[2], d.box[1], W - d.box[0], d.box[3]] as Det['box'] }));
    const top = r.tta[0];
    const best = Math.max(...mirrored.map((d) => matchMetric(d.box, top.box, 'iou')));
    expect(best).toBeGreaterThan(0.7);
  }, SLOW);
});

describe('explain(): EigenCAM', () => {
  test('heat map = float64 reference on the same activations (Detect\'s three inputs at 320)', async () => {
    const r = await s.call<{ heat: { width: number; height: number; data: number[]; layers: { name: string; h: number; w: number; channels: number; iterations: number; eigenvalue: number }[] }; acts: { name: string; channels: number; h: number; w: number; data: number[] }[]; boxes: Det[]; leanDiff: number }>(ENTRY, 'explainVsLayers', `/${WEIGHTS}`, 320, img);
    expect(r.leanDiff).toBe(0); // a detector that reuses arena memory reads the layers in time
    expect(r.heat.layers.map((l) => [l.name, l.channels, l.h])).toEqual([['model.16', 64, 40], ['model.19', 128, 20], ['model.22', 256, 10]]);
    expect([r.heat.width, r.heat.height, r.heat.data.length]).toEqual([img.width, img.height, img.width * img.height]);
    const g = letterboxGeometry(img.width, img.height, 320, 320);
    const ref = heatmapRef(r.acts.map((a) => ({ data: a.data, c: a.channels, h: a.h, w: a.w, stride: 320 / a.h })), img, g);
    let max = 0;
    ref.forEach((v, i) => (max = Math.max(max, Math.abs(v - r.heat.data[i]))));
    expect(Math.min(...r.heat.data)).toBe(0);
    expect(Math.max(...r.heat.data)).toBeCloseTo(1, 5);
    expect(max).toBeLessThan(2e-3);
    console.log(`explain: max |GPU − f64 ref| ${max.toExponential(2)}; power iterations ${r.heat.layers.map((l) => l.iterations).join(', ')}`);
  }, SLOW);

  test('one chosen layer', async () => {
    const r = await s.call<{ heat: { data: number[]; layers: { name: string }[] }; acts: { channels: number; h: number; w: number; data: number[] }[] }>(ENTRY, 'explainVsLayers', `/${WEIGHTS}`, 320, img, 'model.9');
    expect(r.heat.layers.map((l) => l.name)).toEqual(['model.9']);
    const g = letterboxGeometry(img.width, img.height, 320, 320);
    const ref = heatmapRef(r.acts.map((a) => ({ data: a.data, c: a.channels, h: a.h, w: a.w, stride: 320 / a.h })), img, g);
    let max = 0;
    ref.forEach((v, i) => (max = Math.max(max, Math.abs(v - r.heat.data[i]))));
    expect(max).toBeLessThan(2e-3);
  }, SLOW);
});

test('1×1, 10000×300 and 4096×4096 images: detect with slice and explain', async () => {
  const r = await s.call<Record<string, { boxes: number; inside: boolean; passes: number; heat: number[]; range: number[]; finite: boolean; ms: number }>>(ENTRY, 'oddSizes', `/${WEIGHTS}`, 160);
  expect(r['1x1']).toMatchObject({ passes: 1, heat: [1, 1, 1], finite: true, inside: true });
  expect(r['10000x300']).toMatchObject({ passes: 40, heat: [10000, 300, 3e6], finite: true, inside: true });
  expect(r['4096x4096']).toMatchObject({ passes: 65, heat: [4096, 4096, 4096 * 4096], finite: true, inside: true });
  for (const k of ['10000x300', '4096x4096']) expect(r[k].range).toEqual([0, expect.closeTo(1, 5)]);
  console.log(`odd sizes: ${JSON.stringify(r)}`);
}, 2 * SLOW);

test('bad slice / tta / layer options: InvalidArgumentError naming the option and its range', async () => {
  const r = await s.call<Record<string, string>>(ENTRY, 'badThorough', `/${WEIGHTS}`);
  expect(r['size 100']).toBe('InvalidArgumentError: detect(): slice.size 100 must be a multiple of 32 in 32..8192');
  expect(r['overlap 0.95']).toBe('InvalidArgumentError: detect(): slice.overlap 0.95 must be in [0, 0.9)');
  expect(r['too many tiles']).toMatch(/^InvalidArgumentError: detect\(\): slice: a 4096×4096 image in 64-pixel tiles .* more than 64/);
  expect(r['merge wbf']).toMatch(/^InvalidArgumentError: detect\(\): slice\.merge "wbf" must be 'nmm' or 'nms'/);
  expect(r['tta yes']).toMatch(/^InvalidArgumentError: detect\(\): tta must be true or false/);
  expect(r['layer model.99']).toBe('InvalidArgumentError: explain(): layer "model.99" is not one of model.0 … model.22 (default: model.16, model.19, model.22)');
  expect(r['layer conv']).toMatch(/^InvalidArgumentError: explain\(\): layer "conv" is not one of/);
  expect(r.after).toBe('ok 0 64');
}, SLOW);
