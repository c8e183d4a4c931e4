/**
 * Sliced inference geometry (src/infer/tiles.ts) against SAHI's get_slice_bboxes (the expected lists
 * were printed by SAHI's function, transcribed to Python verbatim), option checks, the cost estimate,
 * and the merge reference (src/post/merge-ref.ts) on cases worked out by hand from SAHI's code.
 */
import { describe, expect, test } from 'vitest';
import { MAX_TILES, planTiles, resolveSlice, sliceRects, tileCount } from '../../src/infer/tiles.js';
import { passCost } from '../../src/infer/cost.js';
import { mergeRef, type MergeBox, type MergeParams } from '../../src/post/merge-ref.js';

const xyxy = (w: number, h: number, s: number, o: number) => sliceRects(w, h, s, o).map((r) => [r.x, r.y, r.x + r.w, r.y + r.h]);

describe('tiles = SAHI get_slice_bboxes', () => {
  test('FracAtlas sizes, strips, small images, edges moved back inside', () => {
    expect(xyxy(373, 454, 320, 0.2)).toEqual([[0, 0, 320, 320], [53, 0, 373, 320], [0, 134, 320, 454], [53, 134, 373, 454]]);
    expect(xyxy(454, 373, 256, 0.2)).toEqual([[0, 0, 256, 256], [198, 0, 454, 256], [0, 117, 256, 373], [198, 117, 454, 373]]);
    expect(xyxy(1000, 300, 640, 0.2)).toEqual([[0, 0, 640, 300], [360, 0, 1000, 300]]);
    expect(xyxy(300, 200, 640, 0.2)).toEqual([[0, 0, 300, 200]]);
    expect(xyxy(1, 1, 640, 0.2)).toEqual([[0, 0, 1, 1]]);
    expect(xyxy(960, 960, 320, 0)).toEqual([0, 320, 640].flatMap((y) => [0, 320, 640].map((x) => [x, y, x + 320, y + 320])));
    const half = xyxy(700, 640, 320, 0.5);
    expect(half.length).toBe(12);
    expect(half.slice(0, 4)).toEqual([[0, 0, 320, 320], [160, 0, 480, 320], [320, 0, 640, 320], [380, 0, 700, 320]]);
    const big = xyxy(2304, 2880, 640, 0.2);
    expect(big.length).toBe(30);
    expect(big.slice(0, 3)).toEqual([[0, 0, 640, 640], [512, 0, 1152, 640], [1024, 0, 1664, 640]]);
    expect(big.slice(-2)).toEqual([[1536, 2240, 2176, 2880], [1664, 2240, 2304, 2880]]);
  });

  test('every tile inside the image, every pixel covered, neighbours overlap by int(overlap · size)', () => {
    for (const [w, h, s, o] of [[373, 454, 320, 0.2], [2304, 2880, 640, 0.2], [10000, 300, 640, 0.2], [4096, 4096, 640, 0.2], [999, 517, 96, 0.35]]) {
      const tiles = sliceRects(w, h, s, o);
      const covered = new Uint8Array(w * h);
      for (const t of tiles) {
        expect(t.x >= 0 && t.y >= 0 && t.x + t.w <= w && t.y + t.h <= h).toBe(true);
        expect([t.w, t.h]).toEqual([Math.min(s, w), Math.min(s, h)]);
        for (let y = t.y; y < t.y + t.h; y += 1) covered.fill(1, y * w + t.x, y * w + t.x + t.w);
      }
      expect(covered.every((v) => v === 1)).toBe(true);
      const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i - 1] + s - xs[i]).toBeGreaterThanOrEqual(Math.trunc(o * s));
      // The count planTiles checks before listing equals the listing's.
      expect(tileCount(w, h, s, o)).toBe(tiles.length);
    }
  });

  test('the whole image follows the tiles only when there are several; one tile for a small image', () => {
    const r = resolveSlice(true, 640);
    expect(r).toEqual({ size: 640, overlap: 0.2, fullImage: true, merge: 'nmm', matchMetric: 'ios', matchThreshold: 0.5 });
    expect(planTiles(300, 200, r).passes).toEqual([{ x: 0, y: 0, w: 300, h: 200 }]);
    const p = planTiles(1000, 300, r).passes;
    expect(p.length).toBe(3);
    expect(p[2]).toEqual({ x: 0, y: 0, w: 1000, h: 300 });
    expect(planTiles(4096, 4096, r).tiles.length).toBe(MAX_TILES); // the largest grid allowed at 640
  });

  test('bad options: InvalidArgumentError naming the option and its range', () => {
    const err = (o: object, w = 100, h = 100) => {
      try {
        planTiles(w, h, resolveSlice(o, 640));
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(err({ size: 100 })).toBe('InvalidArgumentError: detect(): slice.size 100 must be a multiple of 32 in 32..8192');
    expect(err({ size: 0 })).toMatch(/slice\.size 0 must be a multiple of 32/);
    expect(err({ overlap: 0.9 })).toBe('InvalidArgumentError: detect(): slice.overlap 0.9 must be in [0, 0.9)');
    expect(err({ overlap: -0.1 })).toMatch(/slice\.overlap -0\.1 must be in \[0, 0\.9\)/);
    expect(err({ merge: 'wbf' })).toMatch(/slice\.merge "wbf" must be 'nmm' or 'nms'/);
    expect(err({ size: 32 }, 4096, 4096)).toMatch(/^InvalidArgumentError: detect\(\): slice: a 4096×4096 image in 32-pixel tiles with overlap 0.2 makes 24964 tiles, more than 64/);
  });

  test('cost: passes, network runs, FLOPs relative to one detect()', () => {
    expect(passCost(373, 454, {}, [640, 640], 1e9)).toEqual({ passes: 1, runs: 1, flops: 1e9, factor: 1 });
    const s = passCost(373, 454, { slice: { size: 320 } }, [640, 640], 1e9);
    expect([s.passes, s.runs, s.factor]).toEqual([5, 5, 5]);
    const t = passCost(373, 454, { tta: true }, [640, 640], 1e9);
    expect(t.runs).toBe(3);
    expect(t.factor).toBeCloseTo(1 + (544 * 544 + 448 * 448) / (640 * 640), 12);
  });
});

describe('merge reference = SAHI GreedyNMMPostprocess / NMSPostprocess', () => {
  const b = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0): MergeBox => ({ box: [x1, y1, x2, y2], score, classId });
  const p = (o: Partial<MergeParams> = {}): MergeParams => ({ method: 'nmm', metric: 'ios', threshold: 0.5, agnostic: false, maxDet: 300, ...o });

  test('taken at metric ≥ t, merged only when > t with the box merged so far', () => {
    // IOS exactly 0.5: taken (≥) but not merged (has_match needs >): the lower box just disappears.
    expect(mergeRef([b(0, 0, 10, 10, 0.9), b(5, 0, 20, 10, 0.8)], p())).toEqual([b(0, 0, 10, 10, 0.9)]);
    // IOS 0.6: merged into the union, the higher score.
    expect(mergeRef([b(4, 0, 20, 10, 0.8), b(0, 0, 10, 10, 0.9)], p())).toEqual([b(0, 0, 20, 10, 0.9)]);
    // NMS: the same walk, nothing merged.
    expect(mergeRef([b(4, 0, 20, 10, 0.8), b(0, 0, 10, 10, 0.9)], p({ method: 'nms' }))).toEqual([b(0, 0, 10, 10, 0.9)]);
  });

  test('a box not taken by the keeper stays, even if a box merged later would have reached it', () => {
    const r = mergeRef([b(0, 0, 10, 10, 0.9), b(6, 0, 16, 10, 0.8), b(2, 0, 12, 10, 0.7)], p());
    expect(r).toEqual([b(0, 0, 12, 10, 0.9), b(6, 0, 16, 10, 0.8)]);
  });

  test('IOU: a taken box that no longer matches the grown box is dropped unmerged', () => {
    // B and C each have IOU 70/130 with A; B merges (A grows to 13 × 10); C's IOU with that is 70/160.
    const r = mergeRef([b(0, 0, 10, 10, 0.9), b(3, 0, 13, 10, 0.8), b(0, 3, 10, 13, 0.7)], p({ metric: 'iou' }));
    expect(r).toEqual([b(0, 0, 13, 10, 0.9)]);
  });

  test('classes merge separately unless agnostic; ties keep input order; maxDet', () => {
    const boxes = [b(0, 0, 10, 10, 0.9, 0), b(1, 0, 11, 10, 0.8, 1)];
    expect(mergeRef(boxes, p())).toEqual(boxes);
    expect(mergeRef(boxes, p({ agnostic: true }))).toEqual([b(0, 0, 11, 10, 0.9, 0)]);
    const tie = [b(0, 0, 10, 10, 0.5, 0), b(0, 0, 10, 10, 0.5, 1)];
    expect(mergeRef(tie, p({ agnostic: true }))).toEqual([b(0, 0, 10, 10, 0.5, 1)]); // get_merged_category: the later box's on a tie
    expect(mergeRef([b(0, 0, 1, 1, 0.3), b(5, 5, 6, 6, 0.4), b(9, 9, 10, 10, 0.2)], p({ maxDet: 2 }))).toEqual([b(5, 5, 6, 6, 0.4), b(0, 0, 1, 1, 0.3)]);
  });
});
