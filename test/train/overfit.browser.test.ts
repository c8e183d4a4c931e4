/**
 * The overfit test: fine-tuning on one FracAtlas radiograph for 60–120 steps (batch 1, input
 * 160, headless Chromium WebGPU) drives the loss down and puts the tuned model's best box onto the
 * label. The exported weights go through the ordinary detector, so the test covers the whole path:
 * frozen features, trainable forward, CPU loss, backward kernels, AdamW, the weight file.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { fracAtlasSample, fractureWeights } from '../helpers/train-data.js';
import { boxIou, type Box } from '../../src/eval/metrics.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

/** Steps per scope (OVERFIT_STEPS overrides both): neck+head trains 3× the parameters and needs fewer. */
const STEPS: Record<string, number> = { head: 120, 'neck+head': 60 };

test.each([['head'], ['neck+head']])(`%s: a few hundred steps on one image drive the loss down and the box onto the label`, async (scope) => {
  const EPOCHS = Number(process.env.OVERFIT_STEPS ?? STEPS[scope]);
  const model = await fractureWeights();
  const sample = await fracAtlasSample('IMG0003458');
  const E = '/test/browser/entries/train.ts';
  const info = await s.call('/test/browser/entries/train.ts', 'overfitInit', model, sample, { scope, imgsz: 160, optimizer: 'adamw', optim: { lr0: 0.002 } });
  const losses: number[] = [];
  for (let done = 0; done < EPOCHS; done += 25) losses.push(...(await s.call<number[]>(E, 'overfitSteps', Math.min(25, EPOCHS - done), EPOCHS)));
  const r = await s.call<{ msPerStep: number; before: { box: Box; score: number }[]; after: { box: Box; score: number }[]; training: unknown }>(E, 'overfitFinish');
  expect(s.errors).toEqual([]);
  const total = losses;
  const b = sample.boxes[0];
  const label: Box = [(b.cx - b.w / 2) * sample.width, (b.cy - b.h / 2) * sample.height, (b.cx + b.w / 2) * sample.width, (b.cy + b.h / 2) * sample.height];
  const iou = (d?: { box: Box }) => (d ? boxIou(d.box, label) : 0);
  console.log(`${scope}: ${JSON.stringify(info)}\nloss ${total[0].toFixed(3)} → ${total[total.length - 1].toFixed(3)} over ${EPOCHS} steps, ${r.msPerStep.toFixed(0)} ms/step; best box before: IoU ${iou(r.before[0]).toFixed(3)} score ${r.before[0]?.score.toFixed(3)}; after: IoU ${iou(r.after[0]).toFixed(3)} score ${r.after[0]?.score.toFixed(3)}`);
  expect(total[total.length - 1]).toBeLessThan(0.3 * total[0]);
  expect(iou(r.after[0])).toBeGreaterThan(0.7);
  expect(r.after[0].score).toBeGreaterThan(0.5);
  expect(r.training).toBeTruthy();
}, 900_000);
