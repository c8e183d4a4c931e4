/**
 * Detection and image-level metrics. Expected numbers for the worked example come from running
 * Ultralytics' algorithm (metrics.py compute_ap / ap_per_class / smooth, transcribed line by line
 * with numpy's interp and trapezoid) on the same inputs; they are stated below with each step.
 */
import { describe, expect, test } from 'vitest';
import { apPerClass, computeAp, imageMetrics, matchPredictions, smooth, type Box } from '../../src/eval/metrics.js';

const B = (x: number, y: number, w = 10, h = 10): Box => [x, y, x + w, y + h];

describe('box metrics (Ultralytics algorithm)', () => {
  test('perfect predictions: AP = 0.995 (the 101-point interpolation ends at precision 0)', () => {
    const labels = [{ box: B(0, 0), cls: 0 }, { box: B(50, 50), cls: 0 }];
    const preds = [{ box: B(0, 0), cls: 0 }, { box: B(50, 50), cls: 0 }];
    const tp = matchPredictions(preds, labels);
    expect(tp.every((row) => row.every(Boolean))).toBe(true);
    const m = apPerClass(tp, [0.9, 0.8], [0, 0], [0, 0]);
    expect(m.map50).toBeCloseTo(0.995, 12);
    expect(m.map50_95).toBeCloseTo(0.995, 12);
    expect(m.precision).toBeCloseTo(1, 6);
    expect(m.recall).toBeCloseTo(1, 6);
  });

  test('no predictions, and only false predictions: everything 0', () => {
    expect(apPerClass([], [], [], [0, 0]).map50).toBe(0);
    const preds = [{ box: B(100, 100), cls: 0 }];
    const tp = matchPredictions(preds, [{ box: B(0, 0), cls: 0 }]);
    expect(tp[0].some(Boolean)).toBe(false);
    const m = apPerClass(tp, [0.9], [0], [0]);
    expect([m.map50, m.map50_95, m.precision, m.recall]).toEqual([0, 0, 0, 0]);
  });

  test('matching: one label per prediction, class must agree, thresholds 0.5:0.95, Ultralytics tie rule', () => {
    const labels = [{ box: B(0, 0), cls: 0 }];
    // IoU of a 10×10 box shifted by 2 px: 80/120 = 0.667 → correct at 0.50…0.65, not from 0.70.
    const preds = [{ box: B(2, 0), cls: 0 }, { box: B(0, 0), cls: 0 }, { box: B(0, 0), cls: 1 }];
    const tp = matchPredictions(preds, labels);
    // match_predictions de-duplicates by prediction (which re-orders matches by prediction index) and
    // then by label, so where both qualify the label goes to the earlier (higher-confidence) prediction.
    expect(tp[0]).toEqual([true, true, true, true, false, false, false, false, false, false]);
    expect(tp[1]).toEqual([false, false, false, false, true, true, true, true, true, true]);
    expect(tp[2].some(Boolean)).toBe(false); // wrong class
    const alone = matchPredictions([preds[0]], labels)[0];
    expect(alone).toEqual([true, true, true, true, false, false, false, false, false, false]);
  });

  test('worked example: 3 labels; predictions at conf .9 .8 .7 .6 are TP, FP, TP, FP at every IoU', () => {
    // recall    = [1/3, 1/3, 2/3, 2/3], precision = [1, 1/2, 2/3, 1/2]
    // envelope  = [1, 1, 1, 2/3, 2/3, 1/2, 0] over mrec [0, 1/3, 1/3, 2/3, 2/3, 1] (padded)
    // 101-point trapezoid → AP = 0.63915 at each of the 10 IoU thresholds (numpy: 0.6391500000000001)
    // P/R/F1 at the max of smooth(F1, 0.1) over 1000 confidences: px = 0.67668 → P 0.627794, R 2/3, F1 0.646647
    const T = Array(10).fill(true);
    const F = Array(10).fill(false);
    const m = apPerClass([T, F, T, F], [0.9, 0.8, 0.7, 0.6], [0, 0, 0, 0], [0, 0, 0]);
    expect(m.map50).toBeCloseTo(0.63915, 10);
    expect(m.map50_95).toBeCloseTo(0.63915, 10);
    expect(m.conf).toBeCloseTo(0.6766766766766766, 10);
    expect(m.precision).toBeCloseTo(0.6277944611277945, 10);
    expect(m.recall).toBeCloseTo(2 / 3, 10);
    expect(m.f1).toBeCloseTo(0.6466469046698458, 10);
    expect(computeAp([0.5, 1], [1, 1])).toBeCloseTo(0.995, 12);
  });

  test('ties in confidence and smoothing keep the array length', () => {
    const T = Array(10).fill(true);
    const m = apPerClass([T, T], [0.5, 0.5], [0, 0], [0, 0, 0, 0]);
    expect(m.recall).toBeCloseTo(0.5, 6);
    expect(smooth([1, 2, 3, 4, 5], 0.1)).toHaveLength(5);
  });
});

describe('image-level metrics', () => {
  test('AUC with ties, Youden-optimal threshold, and a chosen threshold', () => {
    const scores = [0.9, 0.8, 0.3, 0.3, 0.1, 0];
    const positive = [true, true, true, false, false, false];
    const m = imageMetrics(scores, positive);
    // Pairs (3 × 3): positives beat negatives in 8 pairs, one tie (0.3 vs 0.3) counts ½ → 8.5 / 9.
    expect(m.auc).toBeCloseTo(8.5 / 9, 12);
    expect(m.youden.threshold).toBe(0.8);
    expect(m.youden).toMatchObject({ sensitivity: 2 / 3, specificity: 1, ppv: 1 });
    expect(m.at(0.3)).toMatchObject({ sensitivity: 1, specificity: 2 / 3, npv: 1, ppv: 0.75 });
  });
});
