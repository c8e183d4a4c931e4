/** Box recall at a threshold, small-box scoring (src/eval/small.ts), and the CLI's --slice/--tta flags. */
import { describe, expect, test } from 'vitest';
import { SmallBoxes, matchAt50, recallAt } from '../../src/eval/small.js';
import { fitSlice, thoroughName, thoroughOptions } from '../../src/cli/thorough.js';
import { tileCount } from '../../src/infer/tiles.js';
import { heatSummary } from '../../src/explain/summary.js';
import { HeatAgreement } from '../../src/eval/heat.js';
import type { Box } from '../../src/eval/metrics.js';

describe('small boxes and recall at a threshold', () => {
  test('one-to-one matching at IoU 0.5, best pairs first', () => {
    const labels = [{ box: [0, 0, 10, 10] as Box, cls: 0 }, { box: [20, 20, 30, 30] as Box, cls: 0 }];
    const preds = [{ box: [1, 0, 11, 10] as Box, cls: 0, score: 0.2 }, { box: [0, 0, 10, 10] as Box, cls: 0, score: 0.1 }, { box: [20, 20, 30, 30] as Box, cls: 1, score: 0.9 }];
    expect(matchAt50(preds, labels)).toEqual([-1, 0, -1]);
  });

  test('COCO-style area range: matches to large boxes and large unmatched predictions are ignored', () => {
    const s = new SmallBoxes(0.01); // 100 × 100 image: small < 100 px²
    const labels = [{ box: [0, 0, 8, 8] as Box, cls: 0 }, { box: [50, 50, 90, 90] as Box, cls: 0 }];
    const preds = [
      { box: [0, 0, 8, 8] as Box, cls: 0, score: 0.3 }, // tp (small)
      { box: [50, 50, 90, 90] as Box, cls: 0, score: 0.9 }, // matched to the large box: ignored
      { box: [20, 20, 25, 25] as Box, cls: 0, score: 0.5 }, // small, unmatched: fp
      { box: [0, 50, 40, 90] as Box, cls: 0, score: 0.8 }, // large, unmatched: ignored
    ];
    s.add(preds, labels, 100, 100);
    const r = s.result(0.25);
    expect([r.boxes, r.share, r.recallAtThreshold]).toEqual([1, 0.5, 1]);
    expect(r.ap50).toBeCloseTo(0.5, 2); // precision 1/2 at recall 1
    expect(s.result(0.4).recallAtThreshold).toBe(0);
  });

  test('recall at a threshold from the tp matrix', () => {
    expect(recallAt([[true], [true], [false]], [0.9, 0.1, 0.8], 4, 0.5)).toBe(0.25);
  });
});

describe('--slice / --tta flags', () => {
  test('any --slice-* implies --slice; names for output lines', () => {
    expect(thoroughOptions({})).toEqual({});
    expect(thoroughOptions({ slice: true })).toEqual({ slice: {} });
    expect(thoroughOptions({ 'slice-size': '320', 'slice-merge': 'nms', tta: true })).toEqual({ slice: { size: 320, merge: 'nms' }, tta: true });
    expect(() => thoroughOptions({ 'slice-overlap': 'x' })).toThrow(/--slice-overlap x is not a number/);
    expect(() => thoroughOptions({ 'slice-merge': 'wbf' })).toThrow(/expected nmm or nms/);
    expect(thoroughName({ slice: { size: 320 }, tta: true }, 640)).toBe('slice 320 + tta');
    expect(thoroughName({}, 640)).toBe('plain');
  });

  test('eval raises the tile size of an image whose grid would pass 64 tiles', () => {
    expect(fitSlice(373, 454, { size: 320 }, 640)).toEqual({ slice: { size: 320 }, adjusted: false });
    const f = fitSlice(2304, 2880, { size: 320 }, 640);
    expect(f).toEqual({ slice: { size: 416 }, adjusted: true });
    expect(tileCount(2304, 2880, 416, 0.2)).toBeLessThanOrEqual(64);
    expect(tileCount(2304, 2880, 384, 0.2)).toBeGreaterThan(64);
  });
});

describe('heat map summaries (eval --explain)', () => {
  test('peak, strongest region, agreement with the best box and the labels', () => {
    const data = new Float32Array(10 * 5);
    data[2 * 10 + 7] = 1; // peak at (7, 2)
    data[2 * 10 + 8] = 0.95;
    data[4 * 10 + 0] = 0.5;
    const h = heatSummary({ width: 10, height: 5, data });
    expect(h).toEqual({ peak: [7, 2], value: 1, region: [7, 2, 9, 3] });
    const a = new HeatAgreement();
    a.add(h, [{ box: [6, 1, 9, 4], score: 0.6 }, { box: [0, 0, 2, 2], score: 0.1 }], [{ box: [0, 0, 3, 3] }]);
    a.add(h, [{ box: [0, 0, 8.2, 2.2], score: 0.3 }], []); // the region touches it, the peak's centre (7.5, 2.5) is outside
    a.add(h, [{ box: [6, 1, 9, 4], score: 0.2 }], [{ box: [6, 1, 9, 4] }]); // not confident
    expect(a.result()).toEqual({ confident: 2, peakInTopBox: 1, regionOverlapsTopBox: 2, labelled: 2, peakInLabelledBox: 1 });
  });
});
