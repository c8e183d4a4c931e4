/**
 * src/post/nms-ref.ts on hand-computed cases: Ultralytics non_max_suppression (best class, score > conf,
 * classes filter, class offset, maxDet) with torchvision's nms (IoU = inter / (a + b − inter), no +1,
 * suppress only when IoU > iou, stable score order), and scale_boxes / clip_boxes.
 */
import { describe, expect, test } from 'vitest';
import { candidatesRef, nmsRef, postprocessRef, scaleBoxRef } from '../../src/post/nms-ref.js';

/** output0 ((4 + nc) × A) from xyxy boxes and per-class scores. */
function output0(rows: { box: number[]; scores: number[] }[]): { out: Float32Array; nc: number } {
  const nc = rows[0]?.scores.length ?? 1;
  const A = rows.length;
  const out = new Float32Array((4 + nc) * A);
  rows.forEach(({ box: [x1, y1, x2, y2], scores }, a) => {
    [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, ...scores].forEach((v, r) => (out[r * A + a] = v));
  });
  return { out, nc };
}

const opts = { conf: 0.25, iou: 0.5, maxDet: 300 };
const ids = (d: { anchor: number }[]) => d.map((x) => x.anchor);

describe('postprocessRef (Ultralytics NMS on output0)', () => {
  test('IoU exactly at the threshold is NOT suppressed (torchvision uses >); just above is', () => {
    // [0,0,10,10] and [0,0,10,5]: inter 50, union 100 → IoU 0.5 exactly.
    const { out, nc } = output0([{ box: [0, 0, 10, 10], scores: [0.9] }, { box: [0, 0, 10, 5], scores: [0.8] }]);
    expect(ids(postprocessRef(out, nc, { ...opts, iou: 0.5 }))).toEqual([0, 1]);
    expect(ids(postprocessRef(out, nc, { ...opts, iou: 0.4999 }))).toEqual([0]);
  });

  test('identical boxes: the lower score goes (IoU 1 > iou), unless iou = 1', () => {
    const { out, nc } = output0([{ box: [5, 5, 25, 45], scores: [0.6] }, { box: [5, 5, 25, 45], scores: [0.7] }]);
    expect(ids(postprocessRef(out, nc, { ...opts, iou: 0.99 }))).toEqual([1]);
    expect(ids(postprocessRef(out, nc, { ...opts, iou: 1 }))).toEqual([1, 0]);
  });

  test('empty input and nothing above conf give no boxes', () => {
    expect(postprocessRef(new Float32Array(0), 3, opts)).toEqual([]);
    const { out, nc } = output0([{ box: [0, 0, 4, 4], scores: [0.1, 0.2] }]);
    expect(postprocessRef(out, nc, opts)).toEqual([]);
  });

  test('score > conf is strict, compared in f32', () => {
    const { out, nc } = output0([{ box: [0, 0, 4, 4], scores: [0.25] }]);
    expect(postprocessRef(out, nc, { ...opts, conf: 0.25 })).toEqual([]);
    expect(postprocessRef(out, nc, { ...opts, conf: 0.2499 })).toHaveLength(1);
  });

  test('class-aware: overlapping boxes of different classes both stay; agnostic suppresses', () => {
    const { out, nc } = output0([{ box: [0, 0, 10, 10], scores: [0.9, 0.1] }, { box: [1, 1, 10, 10], scores: [0.1, 0.8] }]);
    const aware = postprocessRef(out, nc, opts);
    expect(aware.map((d) => [d.anchor, d.classId])).toEqual([[0, 0], [1, 1]]);
    expect(ids(postprocessRef(out, nc, { ...opts, agnostic: true }))).toEqual([0]);
  });

  test('classes filter applies after the best class is chosen (no fallback to another class)', () => {
    const { out, nc } = output0([{ box: [0, 0, 10, 10], scores: [0.8, 0.9] }, { box: [20, 0, 30, 10], scores: [0.7, 0.1] }]);
    expect(ids(postprocessRef(out, nc, { ...opts, classes: [0] }))).toEqual([1]);
    expect(ids(postprocessRef(out, nc, { ...opts, classes: [1] }))).toEqual([0]);
  });

  test('maxDet keeps the best maxDet boxes', () => {
    const rows = [0.5, 0.9, 0.3, 0.8, 0.7].map((s, i) => ({ box: [i * 20, 0, i * 20 + 10, 10], scores: [s] }));
    const { out, nc } = output0(rows);
    expect(ids(postprocessRef(out, nc, { ...opts, maxDet: 3 }))).toEqual([1, 3, 4]);
    expect(postprocessRef(out, nc, { ...opts, maxDet: 0 })).toEqual([]);
  });

  test('equal scores: the lower anchor comes first and is kept (stable sort)', () => {
    const { out, nc } = output0([{ box: [0, 0, 10, 10], scores: [0.5] }, { box: [0, 0, 10, 10], scores: [0.5] }, { box: [1, 0, 11, 10], scores: [0.5] }]);
    expect(ids(postprocessRef(out, nc, opts))).toEqual([0]);
  });

  test('greedy: a suppressed box suppresses nothing', () => {
    // A–B IoU 60/140 ≈ 0.43, B–C 0.43, A–C 20/180 ≈ 0.11: with iou 0.4, A removes B, so C stays.
    const { out, nc } = output0([{ box: [0, 0, 10, 10], scores: [0.9] }, { box: [4, 0, 14, 10], scores: [0.8] }, { box: [8, 0, 18, 10], scores: [0.7] }]);
    expect(ids(postprocessRef(out, nc, { ...opts, iou: 0.4 }))).toEqual([0, 2]);
  });

  test('non-finite anchors are dropped and counted', () => {
    const { out, nc } = output0([{ box: [0, 0, 10, 10], scores: [0.9] }, { box: [20, 0, 30, 10], scores: [0.8] }, { box: [40, 0, 50, 10], scores: [0.7] }]);
    out[2 * 3 + 1] = NaN; // w of anchor 1
    out[4 * 3 + 2] = NaN; // score of anchor 2
    const { candidates, nonFinite } = candidatesRef(out, nc, opts);
    expect(nonFinite).toBe(2);
    expect(ids(candidates)).toEqual([0]);
  });

  test('scale_boxes + clip_boxes: (x − pad) / gain, clamped to the source image', () => {
    // 1280×720 letterboxed to 640×640: gain 0.5, pad (0, 140).
    const s = { gain: 0.5, padX: 0, padY: 140, srcW: 1280, srcH: 720 };
    expect(scaleBoxRef([10, 150, 300, 500], s)).toEqual([20, 20, 600, 720]);
    expect(scaleBoxRef([-5, 100, 700, 600], s)).toEqual([0, 0, 1280, 720]);
    const { out, nc } = output0([{ box: [10, 150, 300, 500], scores: [0.9] }]);
    expect(postprocessRef(out, nc, opts, s)[0].box).toEqual([20, 20, 600, 720]);
  });

  test('nmsRef computes in f32: class offsets quantise coordinates as torch does', () => {
    // At class 100 the offset is 768000, where f32 spacing is 0.0625: x2 = 10.04 becomes 10.0625.
    const b = (x2: number, c: number) => [0, 0, x2, 10].map((v) => Math.fround(v + c * 7680));
    // IoU of [0,0,10,10] and [0,0,10.04,10] is 0.99602; offset by class 100 it is 100 / 100.625 = 0.99379.
    expect(nmsRef([b(10, 0), b(10.04, 0)], [0.9, 0.8], 0.995)).toEqual([0]);
    expect(nmsRef([b(10, 100), b(10.04, 100)], [0.9, 0.8], 0.995)).toEqual([0, 1]);
  });
});
