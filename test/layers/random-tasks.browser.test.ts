/**
 * A yolo11s-shaped segment, pose and classify model with seeded random weights, written through the
 * format writer, against the independent naive TypeScript forward pass (test/helpers/ref-forward.ts
 * with the heads of ref-heads.ts: a literal ConvTranspose2d, kpts_decode, Classify as written in
 * Ultralytics' head.py). output0 (boxes, scores, mask coefficients or decoded keypoints; or the class
 * probabilities) and Segment's protos (output1), with both convolution kernel families (the register
 * tiles CPU adapters get, the workgroup tiles GPUs get).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { randomArray } from '../helpers/kernel.js';
import { refForwardTask } from '../helpers/ref-forward.js';
import { expectedTensors, type HeadSpec } from '../../src/model/spec.js';
import { writeWeights, type WeightsFields } from '../../src/weights/weights.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const CASES: [string, HeadSpec, number, [number, number], Partial<WeightsFields>][] = [
  ['segment', { task: 'segment', nm: 32 }, 3, [64, 96], { task: 'segment', nm: 32 }],
  ['pose', { task: 'pose', kpt: [17, 3] }, 2, [64, 96], { task: 'pose', kptShape: [17, 3] }],
  ['pose, kpt_shape (5, 2)', { task: 'pose', kpt: [5, 2] }, 1, [64, 64], { task: 'pose', kptShape: [5, 2] }],
  ['classify', { task: 'classify' }, 7, [64, 96], { task: 'classify' }],
];

test.each(CASES)('yolo11s %s, random weights: output0 (and protos) match the naive forward', async (what, head, nc, [H, W], fields) => {
  const spec = expectedTensors('s', nc, head);
  const weights = new Map<string, Float32Array>();
  let seed = 11;
  for (const [name, shape] of spec) {
    const n = shape.reduce((a, b) => a * b, 1);
    // Weights ~ U(±1/√fan_in) keep activations O(1); a transposed conv's fan-in is its input channels.
    const fanIn = name.endsWith('upsample.weight') ? shape[0] : shape.length === 4 ? shape[1] * shape[2] * shape[3] : shape.length === 2 ? shape[1] : 1;
    const r = name.endsWith('.bias') ? 0.1 : 1 / Math.sqrt(fanIn);
    weights.set(name, randomArray(n, seed++, -r, r));
  }
  const names = Array.from({ length: nc }, (_, i) => `c${i}`);
  const file = await writeWeights(
    { scale: 's', nc, names, imgsz: [H, W], source: { file: 'random', sha256: '0'.repeat(64), format: 'random' }, ...fields },
    [...weights].map(([name, data]) => ({ name, shape: spec.get(name)!, data })),
  );
  const input = randomArray(3 * H * W, 99, 0, 1);
  const ref = refForwardTask('s', nc, head, weights, { d: input, c: 3, h: H, w: W });
  const tag = `random-s-${head.task}-${nc}`;
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, `${tag}.y11w`), file);
  writeFileSync(join(CACHE, `${tag}.input.f32`), input);
  for (const family of ['register', 'tiled'] as const) {
    const got = await s.call<{ output0: number[]; output1?: number[] }>('/test/browser/entries/parity.ts', 'forwardOutputs', `/.cache/test/${tag}.y11w`, [H, W], `/.cache/test/${tag}.input.f32`, ref.output1 ? ['output1'] : [], family);
    // Each part against its own scale: boxes (pixels), scores, then mask coefficients or keypoints; the protos.
    const A = head.task === 'classify' ? 1 : ref.output0.length / (4 + nc + (head.task === 'segment' ? head.nm : head.task === 'pose' ? head.kpt[0] * head.kpt[1] : 0));
    const parts: [string, number, number][] = head.task === 'classify' ? [['probabilities', 0, nc]] : [['boxes', 0, 4 * A], ['scores', 4 * A, (4 + nc) * A], [head.task === 'segment' ? 'mask coefficients' : 'keypoints', (4 + nc) * A, ref.output0.length]];
    const check = (name: string, a: ArrayLike<number>, b: ArrayLike<number>) => {
      let maxAbs = 0;
      let maxRef = 0;
      for (let i = 0; i < b.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
        maxRef = Math.max(maxRef, Math.abs(b[i]));
      }
      console.log(`yolo11s ${what} nc=${nc} random (${family} kernels), ${name}: max|Δ| ${maxAbs.toExponential(2)} = ${(maxAbs / maxRef).toExponential(2)}·max|ref| (max|ref| ${maxRef.toPrecision(3)})`);
      expect(maxAbs).toBeLessThanOrEqual(1e-3 * maxRef);
    };
    expect(got.output0.length).toBe(ref.output0.length);
    for (const [name, from, to] of parts) check(name, got.output0.slice(from, to), ref.output0.subarray(from, to));
    if (ref.output1) check('protos', got.output1!, ref.output1);
  }
  expect(s.errors).toEqual([]);
}, 600_000);
