/**
 * Optimiser settings and schedule (src/train/optim.ts) against values worked by hand from
 * Ultralytics 8.3's trainer (warm-up by np.interp, accumulate rounded half to even, linear and
 * cosine lf, weight decay scaled by batch·accumulate/nbs), and bad settings as InvalidArgumentError —
 * raised before the model is read or a GPU is asked for.
 */
import { describe, expect, test } from 'vitest';
import { checkOptim, defaultOptim, emaDecay, lrLambda, scaledDecay, scheduleAt } from '../../src/train/optim.js';
import { createTrainer } from '../../src/train/trainer.js';
import { InvalidArgumentError } from '../../src/errors.js';

describe('schedule (Ultralytics 8.3)', () => {
  const sgd = defaultOptim('sgd');
  // 10 epochs, batch 16, 36 batches per epoch: nw = max(round(3·36), 100) = 108.
  test('warm-up start: weights lr 0, bias lr 0.1, momentum 0.8, accumulate 1', () => {
    expect(scheduleAt(sgd, 10, 16, 36, 0, 0)).toEqual({ lrWeights: 0, lrBias: 0.1, momentum: 0.8, accumulate: 1 });
  });
  test('half-way (ni 54, epoch 1): lf(1) = 0.901, accumulate round(2.5) = 2', () => {
    const h = scheduleAt(sgd, 10, 16, 36, 54, 1);
    expect(h.lrWeights).toBeCloseTo(0.5 * 0.01 * 0.901, 12);
    expect(h.lrBias).toBeCloseTo(0.1 + 0.5 * (0.01 * 0.901 - 0.1), 12);
    expect(h.momentum).toBeCloseTo(0.8 + 0.5 * 0.137, 12);
    expect(h.accumulate).toBe(2);
  });
  test('after warm-up (epoch 5): lr0 · lf(5) = 0.01 · 0.505, accumulate nbs/batch = 4', () => {
    const h = scheduleAt(sgd, 10, 16, 36, 200, 5);
    expect(h.lrWeights).toBeCloseTo(0.00505, 12);
    expect(h.lrBias).toBe(h.lrWeights);
    expect(h.momentum).toBe(0.937);
    expect(h.accumulate).toBe(4);
  });
  test('AdamW keeps its β1 through warm-up (Adam groups have no momentum key) and starts bias lr at 0', () => {
    const h = scheduleAt(defaultOptim('adamw'), 10, 16, 36, 0, 0);
    expect(h).toEqual({ lrWeights: 0, lrBias: 0, momentum: 0.937, accumulate: 1 });
  });
  test('cosine lf: 1 at the start, (1 + lrf)/2 half-way, lrf at the end', () => {
    const lf = lrLambda({ ...sgd, cosLr: true }, 10);
    expect(lf(0)).toBeCloseTo(1, 12);
    expect(lf(5)).toBeCloseTo(0.505, 12);
    expect(lf(10)).toBeCloseTo(0.01, 12);
  });
  test('weight decay scaled by batch · accumulate / nbs; EMA decay ramps to 0.9999', () => {
    expect(scaledDecay(sgd, 16)).toBeCloseTo(0.0005, 15);
    expect(scaledDecay(sgd, 24)).toBeCloseTo((0.0005 * 24 * 3) / 64, 15);
    expect(emaDecay(1)).toBeCloseTo(0.9999 * (1 - Math.exp(-1 / 2000)), 15);
    expect(emaDecay(1e6)).toBeCloseTo(0.9999, 10);
  });
});

describe('bad settings → InvalidArgumentError', () => {
  test.each([
    [{ lr0: 0 }, 16], [{ lr0: -0.01 }, 16], [{ lr0: 2 }, 16], [{ lr0: NaN }, 16], [{ momentum: 1 }, 16], [{ nbs: 0 }, 16],
    [{}, 0], [{}, 1.5], [{}, 5000],
  ])('%j, batch %s', (o, batch) => {
    expect(() => checkOptim({ ...defaultOptim('adamw'), ...o }, batch)).toThrow(InvalidArgumentError);
  });

  test('createTrainer rejects them before reading the model or asking for a GPU', async () => {
    await expect(createTrainer({ model: new Uint8Array(0), optim: { lr0: 5 } })).rejects.toThrow(/learning rate 5/);
    await expect(createTrainer({ model: new Uint8Array(0), batch: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(createTrainer({ model: new Uint8Array(0), scope: 'all' as 'head' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
