/** Mask, keypoint and top-k drawing (src/draw/draw-tasks.ts) and the mask helpers of src/results.ts. */
import { describe, expect, test } from 'vitest';
import { drawKeypoints, drawMasks, drawTopK } from '../../src/draw/draw-tasks.js';
import { classColor } from '../../src/draw/draw-boxes.js';
import { maskAt, maskToAlpha, maskToRle, popcount, type InstanceMask } from '../../src/results.js';

/** A 5 × 3 rectangle at (2, 1) with pixels (0, 0), (4, 0), (1, 1), (2, 1), (0, 2) set. */
function mask(): InstanceMask {
  const bits = new Uint32Array(1);
  for (const p of [0, 4, 6, 7, 10]) bits[0] |= 1 << p;
  return { x: 2, y: 1, width: 5, height: 3, area: 5, bits };
}
const blank = (w: number, h: number) => ({ width: w, height: h, data: new Uint8Array(w * h * 4) });

describe('masks', () => {
  test('maskAt, maskToAlpha, maskToRle and popcount read the same bits', () => {
    const m = mask();
    expect(maskAt(m, 2, 1)).toBe(true);
    expect(maskAt(m, 3, 1)).toBe(false);
    expect(maskAt(m, 6, 1)).toBe(true);
    expect(maskAt(m, 0, 0)).toBe(false);
    expect(Array.from(maskToAlpha(m, 1))).toEqual([1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0]);
    expect(maskToRle(m)).toEqual({ x: 2, y: 1, width: 5, height: 3, counts: [0, 1, 3, 1, 1, 2, 2, 1, 4] });
    expect(popcount(m.bits)).toBe(5);
  });

  test('drawMasks blends the class colour at half opacity on set pixels only', () => {
    const img = blank(8, 5);
    drawMasks(img, [{ classId: 2, mask: mask() }]);
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * 8 + x) * 4, (y * 8 + x) * 4 + 3));
    expect(px(2, 1)).toEqual(classColor(2).map((c) => Math.round(c / 2)));
    expect(px(3, 1)).toEqual([0, 0, 0]);
  });
});

test('drawKeypoints: joints under 0.25 visibility and their limbs are skipped', () => {
  const img = blank(40, 40);
  const k = Array.from({ length: 17 }, (_, i) => ({ x: 5 + 2 * i, y: 20, visibility: i === 0 ? 0.9 : 0.1 }));
  drawKeypoints(img, [{ keypoints: k }]);
  const lit = (x: number, y: number) => img.data[(y * 40 + x) * 4 + 3] === 255;
  expect(lit(5, 20)).toBe(true); // the nose
  expect(lit(35, 20)).toBe(false); // a hidden ankle
});

test('drawTopK writes white text on a dark band in the corner', () => {
  const img = blank(120, 60);
  img.data.fill(128);
  drawTopK(img, [{ classId: 1, label: 'cat', score: 0.9 }]);
  let white = 0;
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i] === 255 && img.data[i + 1] === 255) white++;
  expect(white).toBeGreaterThan(10);
});
