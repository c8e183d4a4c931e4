/**
 * The full-integer yolo11n-seg file against LiteRT.js on the same letterboxed inputs: LiteRT runs it
 * with int8 activations (through a float32-I/O wrapper, src/convert/tflite-float-io.ts: LiteRT.js
 * takes no int8 tensors), we run its dequantized weights in float, so agreement is approximate and is
 * measured, not assumed: LiteRT's outputs go through the reference NMS (src/post/nms-ref.ts) and
 * process_mask_native (src/post/tasks-ref.ts); ours are detect()'s boxes and GPU masks. Instances
 * are matched by class and box IoU ≥ 0.5 (best score first); the raw protos and mask coefficients
 * are compared by correlation (int8 noise, not a different map: asserted > 0.8 for the protos, > 0.9 for the coefficients). The table in
 * docs/TASKS.md comes from this test. LITERT_SEG_IMAGES=N runs the first N FracAtlas test images instead of the 2 CI ones;
 * LITERT_SEG_ACCEL=webgpu runs LiteRT's WebGPU accelerator instead of its wasm CPU one.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { floatIoTflite } from '../../src/convert/tflite-float-io.js';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { letterbox } from '../../src/image/letterbox.js';
import { scaleBoxesPad } from '../../src/ops/letterbox.js';
import { postprocessRef } from '../../src/post/nms-ref.js';
import { processMaskNative } from '../../src/post/tasks-ref.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const SIZE = 640;
const CONF = Number(process.env.LITERT_SEG_CONF ?? 0.1);
const ACCEL = (process.env.LITERT_SEG_ACCEL ?? 'wasm') as 'wasm' | 'webgpu';
const COUNT = Number(process.env.LITERT_SEG_IMAGES ?? 0);
const DIR = join(CACHE, 'litert-seg');
const MODEL = 'yolo11n-seg-coco-640-fullint8';

type Inst = { box: number[]; score: number; classId: number; mask: (x: number, y: number) => boolean; area: number };
const median = (v: number[]) => (v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] : NaN);
const iou = (a: number[], b: number[]) => {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h;
  return u > 0 ? (w * h) / u : 0;
};

test(`yolo11n-seg full-int8: our detect() vs LiteRT.js (${ACCEL}, int8 activations) at ${SIZE}, conf ${CONF}`, async () => {
  mkdirSync(DIR, { recursive: true });
  const tfl = new Uint8Array(readFileSync(fixture(`models/${MODEL}.tflite`)));
  writeFileSync(join(DIR, 'float-io.tflite'), floatIoTflite(tfl));
  writeFileSync(join(DIR, 'seg.y11w'), await convertModel(tfl, `${MODEL}.tflite`));
  const all = readFileSync(fixture('datasets/fracatlas/test.txt'), 'utf8').split('\n').filter(Boolean);
  const list = COUNT ? all.slice(0, COUNT) : all.filter((l) => /IMG0003342|IMG0003458/.test(l));
  const imgs = [];
  for (const [i, rel] of list.entries()) {
    const img = await decodeImageFile(fixture(join('datasets/fracatlas', rel)));
    writeFileSync(join(DIR, `input${i}.f32`), letterbox(img, [SIZE, SIZE]).tensor);
    writeFileSync(join(DIR, `img${i}.rgba`), img.data);
    imgs.push({ url: `/.cache/test/litert-seg/img${i}.rgba`, width: img.width, height: img.height, input: `/.cache/test/litert-seg/input${i}.f32` });
  }
  const stats = { litert: 0, ours: 0, matched: 0, dScore: [] as number[], boxIou: [] as number[], maskIou: [] as number[], protoR: [] as number[], coeffR: [] as number[], maxScoreDiff: 0 };
  /** Pearson correlation of two equally long series. */
  const pearson = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let [sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0];
    for (let i = 0; i < a.length; i++) (sa += a[i]), (sb += b[i]), (saa += a[i] * a[i]), (sbb += b[i] * b[i]), (sab += a[i] * b[i]);
    const n = a.length;
    return (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
  };
  for (let i0 = 0; i0 < imgs.length; i0 += 4) {
    const chunk = imgs.slice(i0, i0 + 4);
    const lit = await s.call<{ data: number[]; shape: number[] }[][]>('/test/browser/entries/litert.ts', 'litertAll', '/.cache/test/litert-seg/float-io.tflite', chunk.map((c) => c.input), [SIZE, SIZE], ACCEL);
    const ours = await s.call<{ results: { box: number[]; score: number; classId: number; mask: { x: number; y: number; width: number; height: number; area: number; bits: number[] } }[][]; outputs: { output0: number[]; output1: number[] }[] }>(
      '/test/browser/entries/tasks.ts', 'runTask', '/.cache/test/litert-seg/seg.y11w', [SIZE, SIZE], chunk, { conf: CONF, outputs: true });
    chunk.forEach((im, k) => {
      const protos = lit[k].find((o) => o.shape.length === 4)!;
      const det = lit[k].find((o) => o.shape.length === 3)!;
      const A = det.shape[2];
      const o0 = Float32Array.from(det.data, (v, j) => (j < 4 * A ? v * SIZE : v)); // LiteRT's boxes are normalised
      const [mh, mw, nm] = protos.shape.slice(1);
      const nchw = new Float32Array(nm * mh * mw);
      for (let p = 0; p < mh * mw; p++) for (let c = 0; c < nm; c++) nchw[c * mh * mw + p] = protos.data[p * nm + c];
      // The raw outputs on the same input: protos and mask coefficients (correlation), class scores (max |Δ|).
      const mine0 = ours.outputs[k].output0;
      stats.protoR.push(pearson(ours.outputs[k].output1, nchw));
      stats.coeffR.push(pearson(mine0.slice(84 * A), o0.subarray(84 * A)));
      for (let j = 4 * A; j < 84 * A; j++) stats.maxScoreDiff = Math.max(stats.maxScoreDiff, Math.abs(mine0[j] - o0[j]));
      const gain = Math.min(SIZE / im.height, SIZE / im.width);
      const [padX, padY] = scaleBoxesPad(im.width, im.height, SIZE, SIZE);
      const ref = postprocessRef(o0.subarray(0, 84 * A), 80, { conf: CONF, iou: 0.7, maxDet: 300 }, { gain, padX, padY, srcW: im.width, srcH: im.height });
      const coeffs = Float32Array.from(ref.flatMap((d) => Array.from({ length: nm }, (_, c) => o0[(84 + c) * A + d.anchor])));
      const masks = processMaskNative(nchw, [nm, mh, mw], coeffs, ref.map((d) => d.box), im.height, im.width);
      const theirs: Inst[] = ref.map((d, j) => ({ ...d, area: masks[j].reduce((a, b) => a + b, 0), mask: (x: number, y: number) => masks[j][y * im.width + x] === 1 })).filter((d) => d.area > 0);
      const mine: Inst[] = ours.results[k].map((d) => ({
        ...d, area: d.mask.area,
        mask: (x, y) => {
          const m = d.mask;
          if (x < m.x || y < m.y || x >= m.x + m.width || y >= m.y + m.height) return false;
          const p = (y - m.y) * m.width + (x - m.x);
          return ((m.bits[p >>> 5] >>> (p & 31)) & 1) === 1;
        },
      }));
      stats.litert += theirs.length;
      stats.ours += mine.length;
      const used = new Set<number>();
      for (const t of theirs) {
        let best = -1;
        let bestIou = 0.5;
        mine.forEach((m, j) => {
          const v = iou(t.box, m.box);
          if (!used.has(j) && m.classId === t.classId && v >= bestIou) (best = j), (bestIou = v);
        });
        if (best < 0) continue;
        used.add(best);
        const m = mine[best];
        let inter = 0;
        let union = 0;
        for (let y = 0; y < im.height; y++) {
          for (let x = 0; x < im.width; x++) {
            const a = t.mask(x, y);
            const b = m.mask(x, y);
            inter += a && b ? 1 : 0;
            union += a || b ? 1 : 0;
          }
        }
        stats.matched++;
        stats.dScore.push(Math.abs(t.score - m.score));
        stats.boxIou.push(bestIou);
        stats.maskIou.push(union ? inter / union : 1);
      }
    });
  }
  const frac = stats.litert ? stats.matched / stats.litert : 1;
  const { protoR, coeffR, ...rest } = stats;
  console.log(`seg full-int8 vs LiteRT.js ${ACCEL}, ${imgs.length} radiographs, conf ${CONF}: LiteRT instances ${stats.litert}, ours ${stats.ours}, matched ${stats.matched} (${(100 * frac).toFixed(0)} %); `
    + `|Δscore| median ${median(stats.dScore).toFixed(4)} max ${Math.max(0, ...stats.dScore).toFixed(4)}; box IoU median ${median(stats.boxIou).toFixed(3)} min ${Math.min(1, ...stats.boxIou).toFixed(3)}; `
    + `mask IoU median ${median(stats.maskIou).toFixed(3)} min ${Math.min(1, ...stats.maskIou).toFixed(3)}; raw outputs: protos r ${Math.min(...stats.protoR).toFixed(4)} (worst image), `
    + `mask coefficients r ${Math.min(...stats.coeffR).toFixed(4)}, max |Δscore| over all anchors ${stats.maxScoreDiff.toFixed(3)}`);
  mkdirSync('out', { recursive: true });
  writeFileSync(join('out', `litert-seg-${ACCEL}-${imgs.length}.json`), `${JSON.stringify({ conf: CONF, images: imgs.length, ...rest, protoR, coeffR }, null, 2)}\n`);
  // int8 activations move scores by up to ~0.5 (as on the fracture int8 file, docs/FRACTURE.md), so which
  // weak boxes pass conf differs; the raw maps must still be the same maps, and matched masks must overlap.
  expect(Math.min(...stats.protoR)).toBeGreaterThan(0.8); // measured 0.884 and 0.893 on the CI images
  expect(Math.min(...stats.coeffR)).toBeGreaterThan(0.9);
  expect(stats.litert, 'LiteRT found no instance: nothing compared').toBeGreaterThan(0);
  expect(stats.matched).toBeGreaterThan(0);
  expect(median(stats.maskIou)).toBeGreaterThanOrEqual(0.5);
}, 3_600_000);
