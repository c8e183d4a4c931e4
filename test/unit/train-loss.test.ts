/**
 * The detection loss (src/train/loss.ts) and its gradient against PyTorch autograd on Ultralytics'
 * v8DetectionLoss (8.3), transcribed in tools/loss-fixtures.py, which wrote
 * test/fixtures/loss-reference.json: four batches (1 and 3 classes, an image without boxes, a batch
 * without any box, overlapping boxes that compete for anchors) at input 64 and 96. The head outputs
 * are regenerated here from the same mulberry32 seeds. Also: CIoU's gradient against central
 * differences in f64.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { batchLoss, imageLoss, type HeadLevel } from '../../src/train/loss.js';
import { ciou, type Xyxy } from '../../src/train/ciou.js';
import { seededRandom } from '../helpers/kernel.js';

interface Case {
  seed: number;
  imgsz: number;
  nc: number;
  boxesPerImage: number[];
  gts: { image: number; cls: number; box: [number, number, number, number] }[];
  loss: number;
  items: [number, number, number];
  images: { positives: number; boxAnchors: number[]; boxGrad: number[][]; clsGrad: number[][] }[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/loss-reference.json', import.meta.url), 'utf8')) as { cases: Case[] };
const STRIDES = [8, 16, 32];

/** tools/loss-fixtures.py make_case: per level, per image, every channel value, then one +4 bin per side. */
function heads(c: Case): HeadLevel[][] {
  const rnd = seededRandom(c.seed);
  const bs = c.boxesPerImage.length;
  const out: HeadLevel[][] = Array.from({ length: bs }, () => []);
  for (const s of STRIDES) {
    const h = c.imgsz / s;
    const w = h;
    const hw = h * w;
    for (let b = 0; b < bs; b++) {
      const x = new Float64Array((64 + c.nc) * hw);
      for (let i = 0; i < x.length; i++) x[i] = rnd(-2, 2);
      for (let p = 0; p < hw; p++) {
        for (let side = 0; side < 4; side++) x[(side * 16 + Math.min(Math.floor(rnd(0, 16)), 15)) * hw + p] += 4;
      }
      out[b].push({ data: Float32Array.from(x), h, w });
    }
  }
  return out;
}

describe('v8DetectionLoss against PyTorch autograd (tools/loss-fixtures.py)', () => {
  test.each(fixture.cases.map((c) => [c.seed, c] as const))('case %i', (_, c) => {
    const levels = heads(c);
    const per = levels.map((lv, b) => imageLoss(lv, c.nc, c.gts.filter((g) => g.image === b).map((g) => ({ cls: g.cls, box: g.box }))));
    const bl = batchLoss(per);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
    expect(rel(bl.total, c.loss)).toBeLessThan(2e-6);
    bl.items.forEach((v, k) => expect(Math.abs(v - c.items[k])).toBeLessThan(2e-6 * Math.max(1, Math.abs(c.items[k]))));
    // Box/DFL channels and class channels are compared separately (their scales differ).
    const worst = [0, 0];
    const scale = [0, 0];
    per.forEach((p, b) => {
      const ref = c.images[b];
      const A = levels[b].reduce((s, l) => s + l.h * l.w, 0);
      // Gather this image's gradient anchor-major: (64 + nc) channels × A anchors, as torch's cat.
      const g = (ch: number, a: number) => {
        let base = 0;
        for (const [j, l] of levels[b].entries()) {
          const hw = l.h * l.w;
          if (a < base + hw) return p.grad[j][ch * hw + (a - base)] * bl.gradScale;
          base += hw;
        }
        throw new Error('anchor out of range');
      };
      const boxAt = new Map(ref.boxAnchors.map((a, i) => [a, ref.boxGrad[i]]));
      for (let a = 0; a < A; a++) {
        for (let ch = 0; ch < 64; ch++) {
          const want = boxAt.get(a)?.[ch] ?? 0;
          worst[0] = Math.max(worst[0], Math.abs(g(ch, a) - want));
          scale[0] = Math.max(scale[0], Math.abs(want));
        }
        for (let k = 0; k < c.nc; k++) {
          const want = ref.clsGrad[k][a];
          worst[1] = Math.max(worst[1], Math.abs(g(64 + k, a) - want));
          scale[1] = Math.max(scale[1], Math.abs(want));
        }
      }
    });
    const e = (k: number) => `${worst[k].toExponential(2)} of ${scale[k].toExponential(2)}`;
    console.log(`case ${c.seed}: loss ${bl.total.toPrecision(9)} (torch ${c.loss.toPrecision(9)}); max |Δgrad| box+DFL ${e(0)}, cls ${e(1)}`);
    expect(worst[1]).toBeLessThan(1e-5 * scale[1]);
    if (scale[0] > 0) expect(worst[0]).toBeLessThan(1e-5 * scale[0]);
    else expect(worst[0]).toBe(0);
  });
});

describe('CIoU gradient', () => {
  test('equals central differences in f64 on random box pairs (overlapping, disjoint, nested)', () => {
    const r = seededRandom(7);
    let worst = 0;
    for (let n = 0; n < 200; n++) {
      const box = (): Xyxy => {
        const x = r(0, 20);
        const y = r(0, 20);
        return [x, y, x + r(0.5, 15), y + r(0.5, 15)];
      };
      const b1 = box();
      const b2 = box();
      const grad = [0, 0, 0, 0];
      ciou(b1, b2, grad);
      for (let k = 0; k < 4; k++) {
        const h = 1e-6;
        const p = [...b1] as [number, number, number, number];
        const m = [...b1] as [number, number, number, number];
        p[k] += h;
        m[k] -= h;
        // alpha is held constant (no_grad), so the finite difference must hold it constant too.
        const num = (ciouFixedAlpha(p, b2, b1) - ciouFixedAlpha(m, b2, b1)) / (2 * h);
        worst = Math.max(worst, Math.abs(num - grad[k]) / Math.max(1, Math.abs(num)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });
});

/** CIoU with alpha computed at `at` (the point of differentiation), as torch's no_grad alpha. */
function ciouFixedAlpha(b1: Xyxy, b2: Xyxy, at: Xyxy): number {
  const eps = 1e-7;
  const parts = (a: Xyxy) => {
    const w1 = a[2] - a[0];
    const h1 = a[3] - a[1] + eps;
    const w2 = b2[2] - b2[0];
    const h2 = b2[3] - b2[1] + eps;
    const inter = Math.max(Math.min(a[2], b2[2]) - Math.max(a[0], b2[0]), 0) * Math.max(Math.min(a[3], b2[3]) - Math.max(a[1], b2[1]), 0);
    const iou = inter / (w1 * h1 + w2 * h2 - inter + eps);
    const v = (4 / Math.PI ** 2) * (Math.atan(w2 / h2) - Math.atan(w1 / h1)) ** 2;
    return { iou, v };
  };
  const { iou: i0, v: v0 } = parts(at);
  const alpha = v0 / (v0 - i0 + (1 + eps));
  const { iou, v } = parts(b1);
  return ciou(b1, b2) + v * (v / (v - iou + (1 + eps))) - v * alpha;
}
