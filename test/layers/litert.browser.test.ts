/**
 * The fracture model converted from TFLite (names reconstructed from the graph) against an
 * independent TFLite runtime, LiteRT.js, on the float32 TFLite file, same preprocessed inputs.
 * LiteRT's output is (1, 5, 8400): cx, cy, w, h normalised to 0..1, and the class score.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { letterbox } from '../../src/image/letterbox.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const IMAGES = ['IMG0003297.jpg', 'IMG0000019.jpg'];
const SIZE = 640;

test('fracture model: our forward() vs LiteRT.js on the fp32 TFLite', async () => {
  const dir = join(CACHE, 'litert');
  mkdirSync(dir, { recursive: true });
  const tfl = readFileSync(fixture('models/yolo11n-fracture-fp32.tflite'));
  writeFileSync(join(dir, 'model.tflite'), tfl);
  writeFileSync(join(dir, 'fracture.y11w'), await convertModel(new Uint8Array(tfl), 'yolo11n-fracture-fp32.tflite'));
  const inputs: string[] = [];
  for (const [i, name] of IMAGES.entries()) {
    const { tensor } = letterbox(await decodeImageFile(fixture(`datasets/fracatlas/images/Fractured/${name}`)), [SIZE, SIZE]);
    writeFileSync(join(dir, `input${i}.f32`), tensor);
    inputs.push(`/.cache/test/litert/input${i}.f32`);
  }
  const r = await s.call<{ ours: number[]; litert: number[] }[]>('/test/browser/entries/litert.ts', 'compare', '/.cache/test/litert/model.tflite', '/.cache/test/litert/fracture.y11w', inputs, SIZE);
  for (const [i, { ours, litert }] of r.entries()) {
    expect(ours.length).toBe(litert.length);
    const A = ours.length / 5;
    let dBox = 0;
    let dScore = 0;
    let maxScore = 0;
    for (let a = 0; a < A; a++) {
      for (let k = 0; k < 4; k++) dBox = Math.max(dBox, Math.abs(ours[k * A + a] - litert[k * A + a] * SIZE));
      dScore = Math.max(dScore, Math.abs(ours[4 * A + a] - litert[4 * A + a]));
      maxScore = Math.max(maxScore, litert[4 * A + a]);
    }
    console.log(`${IMAGES[i]}: max|Δ| boxes ${dBox.toExponential(2)} px, scores ${dScore.toExponential(2)} (max score ${maxScore.toFixed(3)})`);
    expect(dBox).toBeLessThan(0.05);
    expect(dScore).toBeLessThan(1e-3);
  }
}, 300_000);
