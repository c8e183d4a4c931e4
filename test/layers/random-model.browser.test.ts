/**
 * A yolo11s-shaped model with nc = 3 and seeded random weights, written through the format writer,
 * against an independent naive TypeScript forward pass (test/helpers/ref-forward.ts). No ONNX export
 * of such a model exists in the fixtures and Python/Ultralytics are not available here, so the
 * reference is a straight transcription of the Ultralytics modules, sharing only the layer table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { randomArray } from '../helpers/kernel.js';
import { refForward } from '../helpers/ref-forward.js';
import { expectedTensors } from '../../src/model/spec.js';
import { writeWeights } from '../../src/weights/weights.js';
import type { LayerDiff } from '../browser/entries/parity.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

test('yolo11s, nc 3, random weights, 64×96 input: output0 matches the naive forward', async () => {
  const [H, W] = [64, 96];
  const weights = new Map<string, Float32Array>();
  let seed = 1;
  for (const [name, shape] of expectedTensors('s', 3)) {
    const n = shape.reduce((a, b) => a * b, 1);
    // Weights ~ U(±1/√fan_in) keep activations O(1) through 23 layers; biases small.
    const fanIn = shape.length === 4 ? shape[1] * shape[2] * shape[3] : 1;
    const r = name.endsWith('.bias') ? 0.1 : 1 / Math.sqrt(fanIn);
    weights.set(name, randomArray(n, seed++, -r, r));
  }
  const file = await writeWeights(
    { scale: 's', nc: 3, names: ['a', 'b', 'c'], imgsz: [H, W], source: { file: 'random', sha256: '0'.repeat(64), format: 'random' } },
    [...weights].map(([name, data]) => ({ name, shape: expectedTensors('s', 3).get(name)!, data })),
  );
  const input = randomArray(3 * H * W, 99, 0, 1);
  const ref = refForward('s', 3, weights, { d: input, c: 3, h: H, w: W });
  const dir = join(CACHE, 'random-s');
  mkdirSync(join(dir, 'img0'), { recursive: true });
  writeFileSync(join(CACHE, 'yolo11s-nc3-random.y11w'), file);
  writeFileSync(join(dir, 'img0', 'input.f32'), input);
  writeFileSync(join(dir, 'img0', 'model.23.f32'), ref);
  const r = await s.call<{ diffs: LayerDiff[] }>('/test/browser/entries/parity.ts', 'runParity', '/.cache/test/yolo11s-nc3-random.y11w', [H, W], '/.cache/test/random-s', 1, ['model.23']);
  const d = r.diffs[0];
  console.log(`yolo11s nc=3 random: output0 max|Δ| ${d.maxAbs.toExponential(2)} = ${(d.maxAbs / d.maxRef).toExponential(2)}·max|ref|`);
  expect(d.maxAbs).toBeLessThanOrEqual(1e-3 * d.maxRef);
}, 300_000);
