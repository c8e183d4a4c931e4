/**
 * Checkpoints and failure: a run interrupted after its first epoch and resumed from the checkpoint by a
 * fresh trainer ends bit for bit where the uninterrupted run ends (seeded shuffles and augmentation,
 * fixed-order GPU reductions); a non-finite loss stops training with TrainingDivergedError naming the
 * step. Four FracAtlas radiographs at input 64, batch 2, flips, head scope (headless Chromium).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { fracAtlasSample, fractureWeights } from '../helpers/train-data.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const OPTS = { scope: 'head', imgsz: 64, batch: 2, augment: 'flip', seed: 7, optim: { nbs: 4, warmupEpochs: 1, lr0: 0.01 } };

test('interrupted after epoch 1 and resumed = uninterrupted, bit for bit (weights, best epoch, history)', async () => {
  const samples = await Promise.all(['IMG0003458', 'IMG0000019', 'IMG0001572', 'IMG0001780'].map(fracAtlasSample));
  type W = Record<string, number[]>;
  const r = await s.call<{ a: { last: W; best: W }; c: { last: W; best: W }; ha: unknown; hc: unknown }>('/test/browser/entries/train.ts', 'resumeCheck', await fractureWeights(), samples, OPTS, 3);
  expect(s.errors).toEqual([]);
  expect(r.hc).toEqual(r.ha);
  for (const which of ['last', 'best'] as const) {
    for (const [k, v] of Object.entries(r.a[which])) {
      expect(r.c[which][k], `${which} ${k}`).toEqual(v);
    }
  }
  console.log(`resume: ${Object.keys(r.a.last).length} tensors identical (last and best); history ${JSON.stringify(r.ha)}`);
}, 900_000);

test('a NaN loss stops the run with TrainingDivergedError naming the image and step', async () => {
  const r = await s.call<{ error: { name: string; message: string } | null }>('/test/browser/entries/train.ts', 'divergence', await fractureWeights(), await fracAtlasSample('IMG0003458'), { ...OPTS, batch: 1 });
  expect(s.errors).toEqual([]);
  expect(r.error?.name).toBe('TrainingDivergedError');
  expect(r.error?.message).toMatch(/the loss of sample 0 is NaN at epoch 1, batch 1 of 1 \(step 1\)/);
  console.log(r.error?.message);
}, 300_000);
