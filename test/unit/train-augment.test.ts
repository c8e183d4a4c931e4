/**
 * Training inputs (src/train/augment.ts): the letterbox is the detector's; labels follow every
 * augmentation, the 4-image mosaic included; a seed decides everything (the same seed, the same
 * tensor); the cache's shortcut (flip decided without the image, labels from the size alone) agrees
 * with `prepare`.
 */
import { describe, expect, test } from 'vitest';
import { AUGMENT_FLIP, AUGMENT_FULL, AUGMENT_MOSAIC, AUGMENT_OFF, cacheable, flipOnly, letterboxLabels, mix, mosaicPartners, prepare } from '../../src/train/augment.js';
import { letterbox } from '../../src/image/letterbox.js';
import { layoutParams, packParams, unpackParams, initConv, mulberry32 } from '../../src/train/params.js';
import { buildSpec, allConvs } from '../../src/model/spec.js';

const W = 90;
const H = 60;
const img = { width: W, height: H, data: Uint8Array.from({ length: W * H * 4 }, (_, i) => (i * 37 + (i >> 7)) & 255) };
const boxes = [{ cls: 0, cx: 0.3, cy: 0.4, w: 0.2, h: 0.3 }, { cls: 2, cx: 0.7, cy: 0.6, w: 0.1, h: 0.2 }];

describe('prepare', () => {
  test('no augmentation: the letterbox tensor and the labels in input pixels', () => {
    const p = prepare(img, boxes, 64, AUGMENT_OFF, 1);
    expect(p.tensor).toEqual(letterbox(img, 64).tensor);
    expect(p.flipped).toBe(false);
    // gain 64/90, top padding round((64 − 43)/2 − 0.1) = 10
    expect(p.gain).toBeCloseTo(64 / 90, 12);
    expect(p.pad).toEqual([0, 10]);
    expect(p.gts[0].box[0]).toBeCloseTo(0.2 * 90 * (64 / 90), 9);
    expect(p.gts[0].box[1]).toBeCloseTo(0.25 * 60 * (64 / 90) + 10, 9);
    expect(p.gts.map((g) => g.cls)).toEqual([0, 2]);
  });

  test('flip: the tensor mirrored, boxes x → size − x', () => {
    const a = prepare(img, boxes, 64, AUGMENT_OFF, 1);
    const b = prepare(img, boxes, 64, AUGMENT_OFF, 1, true);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) expect(b.tensor[(c * 64 + y) * 64 + x]).toBe(a.tensor[(c * 64 + y) * 64 + 63 - x]);
    expect(b.gts[0].box[0]).toBeCloseTo(64 - a.gts[0].box[2], 9);
    expect(b.gts[0].box[2]).toBeCloseTo(64 - a.gts[0].box[0], 9);
  });

  test('seeded: the same seed gives the same tensor and labels; another seed, others', () => {
    const a = prepare(img, boxes, 64, AUGMENT_FULL, mix(0, 3, 17));
    const b = prepare(img, boxes, 64, AUGMENT_FULL, mix(0, 3, 17));
    const c = prepare(img, boxes, 64, AUGMENT_FULL, mix(0, 3, 18));
    expect(b.tensor).toEqual(a.tensor);
    expect(b.gts).toEqual(a.gts);
    expect(c.tensor).not.toEqual(a.tensor);
    for (const g of a.gts) for (const v of g.box) expect(v >= 0 && v <= 64).toBe(true);
  });

  test('the cache shortcut: flipOnly and letterboxLabels agree with prepare for 200 seeds', () => {
    let flips = 0;
    for (let s = 0; s < 200; s++) {
      const p = prepare(img, boxes, 64, AUGMENT_FLIP, mix(1, s));
      const f = flipOnly(AUGMENT_FLIP, mix(1, s));
      expect(f).toBe(p.flipped);
      flips += Number(f);
      const l = letterboxLabels(W, H, boxes, 64, f);
      l.gts.forEach((g, i) => g.box.forEach((v, k) => expect(v).toBeCloseTo(p.gts[i].box[k], 9)));
    }
    expect(flips).toBeGreaterThan(70);
    expect(flips).toBeLessThan(130);
  });

  test('scale/translate move boxes with the image and drop those pushed out', () => {
    let dropped = 0;
    for (let s = 0; s < 100; s++) {
      const p = prepare(img, boxes, 64, { ...AUGMENT_OFF, scale: 0.5, translate: 0.45 }, mix(2, s));
      dropped += boxes.length - p.gts.length;
      for (const g of p.gts) expect(g.box[2] - g.box[0] > 2 && g.box[3] - g.box[1] > 2).toBe(true);
    }
    expect(dropped).toBeGreaterThan(0);
  });
});

describe('mosaic', () => {
  // Four images of different sizes, each with one box of its own class: grey v inside the box, v + 20 around it.
  const grey = [10, 60, 160, 220];
  const sizes = [[90, 60], [40, 70], [64, 64], [120, 30]];
  const tiles = grey.map((v, i) => {
    const [w, h] = sizes[i];
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = x >= w / 4 && x < (3 * w) / 4 && y >= h / 4 && y < (3 * h) / 4;
        data.fill(inside ? v : v + 20, (y * w + x) * 4, (y * w + x) * 4 + 3);
        data[(y * w + x) * 4 + 3] = 255;
      }
    }
    return { image: { width: w, height: h, data }, boxes: [{ cls: i, cx: 0.5, cy: 0.5, w: 0.5, h: 0.5 }] };
  });
  const only = { ...AUGMENT_OFF, mosaic: 1 };

  test('partners: none when off or not drawn, else three indices in range; drawn apart from prepare', () => {
    expect(mosaicPartners(AUGMENT_FULL, 5, 100)).toBeUndefined();
    let drawn = 0;
    for (let s = 0; s < 200; s++) {
      const js = mosaicPartners({ ...AUGMENT_OFF, mosaic: 0.5 }, mix(3, s), 7);
      if (!js) continue;
      drawn++;
      expect(js.length).toBe(3);
      for (const j of js) expect(Number.isInteger(j) && j >= 0 && j < 7).toBe(true);
    }
    expect(drawn).toBeGreaterThan(70);
    expect(drawn).toBeLessThan(130);
    expect(cacheable(AUGMENT_MOSAIC)).toBe(false);
    // Without partners a mosaic setting changes nothing else: the same draws as without it.
    expect(prepare(img, boxes, 64, { ...AUGMENT_FULL, mosaic: 1 }, 9).tensor).toEqual(prepare(img, boxes, 64, AUGMENT_FULL, 9).tensor);
  });

  test('each box lands on its own tile\'s box: the pixels 2 px inside its corners have that box\'s grey', () => {
    let seen = 0;
    for (let s = 0; s < 50; s++) {
      const p = prepare(tiles[0].image, tiles[0].boxes, 64, only, mix(4, s), false, tiles.slice(1));
      const again = prepare(tiles[0].image, tiles[0].boxes, 64, only, mix(4, s), false, tiles.slice(1));
      expect(again.tensor).toEqual(p.tensor);
      expect(p.tensor.length).toBe(3 * 64 * 64);
      for (const g of p.gts) {
        const [x1, y1, x2, y2] = g.box;
        expect(x2 - x1 > 2 && y2 - y1 > 2 && x1 >= 0 && y1 >= 0 && x2 <= 64 && y2 <= 64).toBe(true);
        if (x2 - x1 < 5 || y2 - y1 < 5) continue;
        for (const [x, y] of [[x1 + 2, y1 + 2], [x2 - 2, y1 + 2], [x1 + 2, y2 - 2], [x2 - 2, y2 - 2]]) {
          for (let c = 0; c < 3; c++) expect(p.tensor[(c * 64 + Math.floor(y)) * 64 + Math.floor(x)]).toBeCloseTo(grey[g.cls] / 255, 6);
        }
        seen++;
      }
    }
    // The canvas's centre region shows parts of several tiles: most boxes survive.
    expect(seen).toBeGreaterThan(50);
  });
});

describe('parameter layout', () => {
  test('pack → unpack returns every OIHW tensor; weights before biases', () => {
    const spec = buildSpec('n', 1);
    const convs = allConvs(spec).filter((c) => c.name.startsWith('model.23.'));
    const layout = layoutParams(convs);
    const r = mulberry32(3);
    const src = new Map(convs.map((c) => [c.name, initConv(c, r)]));
    const packed = packParams(layout, (c) => src.get(c.name)!);
    const back = unpackParams(layout, packed);
    for (const c of convs) {
      expect(back.get(c.weight)!.data).toEqual(src.get(c.name)!.weight);
      expect(back.get(c.bias)!.data).toEqual(src.get(c.name)!.bias);
    }
    expect(Math.max(...layout.entries.map((e) => e.weight))).toBeLessThan(layout.decayEnd);
    expect(Math.min(...layout.entries.map((e) => e.bias))).toBeGreaterThanOrEqual(layout.decayEnd);
  });

  test('Detect.bias_init for a re-initialised class conv: log(5 / nc / (640 / stride)²)', () => {
    const c = allConvs(buildSpec('n', 3)).find((q) => q.name === 'model.23.cv3.1.2')!;
    const { bias, weight } = initConv(c, mulberry32(1), 16, 3);
    for (const b of bias) expect(b).toBeCloseTo(Math.log(5 / 3 / (640 / 16) ** 2), 6);
    const bound = 1 / Math.sqrt(c.cin);
    expect(Math.max(...weight.map(Math.abs))).toBeLessThanOrEqual(bound);
  });
});
