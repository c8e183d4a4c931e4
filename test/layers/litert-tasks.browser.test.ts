/**
 * The pose and classify models against an independent TFLite runtime, LiteRT.js, on the same hybrid
 * TFLite files and the same preprocessed inputs (FracAtlas radiographs, letterboxed to 256 for pose,
 * resized and centre-cropped to 320 for classify). LiteRT.js's WebGPU accelerator runs the hybrid
 * files in float, as we do with their dequantized weights: the agreement asserted here is float's.
 * LiteRT's pose output is (1, 56, 1344): cx, cy, w, h and the keypoints' x, y normalised to 0..1,
 * the score and the visibilities as is; its classify output is (1, 1000) after softmax.
 * LITERT_TASK_IMAGES=N runs the first N test images instead of the 2 CI ones (docs/TASKS.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { letterbox } from '../../src/image/letterbox.js';
import type { Preprocess } from '../../src/ops/letterbox.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const DIR = join(CACHE, 'litert-tasks');
const COUNT = Number(process.env.LITERT_TASK_IMAGES ?? 0);

function testImages(): string[] {
  const all = readFileSync(fixture('datasets/fracatlas/test.txt'), 'utf8').split('\n').filter(Boolean);
  return COUNT ? all.slice(0, COUNT) : all.filter((l) => /IMG0003342|IMG0003458/.test(l));
}

/** Both runtimes on the same inputs: our forward() (and output1) and LiteRT's outputs. */
async function both(model: string, size: number, mode: Preprocess) {
  mkdirSync(DIR, { recursive: true });
  const tfl = readFileSync(fixture(`models/${model}.tflite`));
  writeFileSync(join(DIR, `${model}.tflite`), tfl);
  writeFileSync(join(DIR, `${model}.y11w`), await convertModel(new Uint8Array(tfl), `${model}.tflite`));
  const inputs: string[] = [];
  for (const [i, rel] of testImages().entries()) {
    const { tensor } = letterbox(await decodeImageFile(fixture(join('datasets/fracatlas', rel))), [size, size], mode);
    writeFileSync(join(DIR, `${model}-input${i}.f32`), tensor);
    inputs.push(`/.cache/test/litert-tasks/${model}-input${i}.f32`);
  }
  const ours: number[][] = [];
  for (const url of inputs) ours.push((await s.call<{ output0: number[] }>('/test/browser/entries/parity.ts', 'forwardOutputs', `/.cache/test/litert-tasks/${model}.y11w`, [size, size], url)).output0);
  const litert: { data: number[]; shape: number[] }[][] = [];
  for (let i = 0; i < inputs.length; i += 8) litert.push(...(await s.call<{ data: number[]; shape: number[] }[][]>('/test/browser/entries/litert.ts', 'litertAll', `/.cache/test/litert-tasks/${model}.tflite`, inputs.slice(i, i + 8), [size, size], 'webgpu')));
  return { ours, litert, n: inputs.length };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>, from: number, to: number, scale = 1) => {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i] - b[i] * scale));
  return m;
};

describe('LiteRT.js WebGPU on the hybrid files: float agreement', () => {
  test('yolo11n-pose at 256: boxes, score, keypoints and visibilities', async () => {
    const { ours, litert, n } = await both('yolo11n-pose-coco-256-hybrid', 256, 'letterbox');
    const worst = { box: 0, score: 0, kpt: 0, vis: 0, maxScore: 0 };
    for (let i = 0; i < n; i++) {
      const l = litert[i][0];
      expect(l.shape).toEqual([1, 56, 1344]);
      const o = ours[i];
      const A = 1344;
      worst.box = Math.max(worst.box, maxDiff(o, l.data, 0, 4 * A, 256));
      worst.score = Math.max(worst.score, maxDiff(o, l.data, 4 * A, 5 * A));
      for (let a = 4 * A; a < 5 * A; a++) worst.maxScore = Math.max(worst.maxScore, l.data[a]);
      for (let j = 0; j < 17; j++) {
        worst.kpt = Math.max(worst.kpt, maxDiff(o, l.data, (5 + 3 * j) * A, (7 + 3 * j) * A, 256));
        worst.vis = Math.max(worst.vis, maxDiff(o, l.data, (7 + 3 * j) * A, (8 + 3 * j) * A));
      }
    }
    console.log(`pose vs LiteRT.js WebGPU, ${n} radiographs, 1344 anchors each: max|Δ| boxes ${worst.box.toExponential(2)} px, scores ${worst.score.toExponential(2)} (max score ${worst.maxScore.toFixed(3)}), keypoints ${worst.kpt.toExponential(2)} px, visibilities ${worst.vis.toExponential(2)}`);
    expect(worst.box).toBeLessThan(0.05);
    expect(worst.kpt).toBeLessThan(0.05);
    expect(worst.score).toBeLessThan(1e-3);
    expect(worst.vis).toBeLessThan(1e-3);
  }, 900_000);

  test('yolo11n-cls at 320: the 1000 probabilities and the top-5', async () => {
    const { ours, litert, n } = await both('yolo11n-cls-imagenet-320-hybrid', 320, 'center-crop');
    let worst = 0;
    let sameTop5 = 0;
    const top5 = (p: ArrayLike<number>) => Array.from(p, (v, k) => [v, k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 5).map((x) => x[1]);
    for (let i = 0; i < n; i++) {
      const l = litert[i][0];
      expect(l.shape).toEqual([1, 1000]);
      worst = Math.max(worst, maxDiff(ours[i], l.data, 0, 1000));
      if (top5(ours[i]).join() === top5(l.data).join()) sameTop5++;
    }
    console.log(`classify vs LiteRT.js WebGPU, ${n} radiographs: max|Δ| probability ${worst.toExponential(2)}, same top-5 (in order) on ${sameTop5}/${n}`);
    expect(worst).toBeLessThan(1e-3);
    expect(sameTop5).toBe(n);
  }, 900_000);
});
