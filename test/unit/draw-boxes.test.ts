/**
 * Labels on saved predictions (src/draw/draw-boxes.ts, src/draw/font.ts): the label box sits above
 * the box's top-left corner in the class colour, its text differs from it, it goes inside the box at
 * the image's top and moves left at its right edge; boxes outside the image are clipped.
 */
import { describe, expect, test } from 'vitest';
import { classColor, drawBoxes, labelRect, labelSize, lineWidth, textColor, type RGB, type RGBAImage } from '../../src/draw/draw-boxes.js';
import { GLYPH_H, glyph, textWidth } from '../../src/draw/font.js';

const GREY: RGB = [50, 50, 50];
const image = (width: number, height: number): RGBAImage => {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([...GREY, 255], i);
  return { width, height, data };
};
const px = (img: RGBAImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
/** Every pixel of [x0, x1) × [y0, y1), as 'r,g,b' strings. */
const region = (img: RGBAImage, x0: number, y0: number, x1: number, y1: number) => {
  const out: string[] = [];
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out.push(px(img, x, y).join());
  return out;
};

describe('drawBoxes labels', () => {
  // 200×100: line width max(round(303 / 2 · 0.003), 2) = 2; 'fracture 0.60' is 13 characters: (13·6 − 1)·2 = 154 px of text.
  const det = (box: [number, number, number, number], classId = 0) => ({ box, classId, label: 'fracture', score: 0.6012 });

  test('the label box: above the top-left corner, class colour, lw padding, text in the contrasting colour', () => {
    const img = image(200, 100);
    drawBoxes(img, [det([20, 50, 120, 90])]);
    const { w, h } = labelSize('fracture 0.60', 2);
    expect([w, h]).toEqual([158, 18]);
    const red = classColor(0).join();
    const white = textColor(classColor(0)).join();
    expect([red, white]).toEqual(['255,56,56', '255,255,255']);
    // Rows 32..49 (18 px above y1 = 50), columns 20..177: class colour and text only.
    const label = region(img, 20, 32, 178, 50);
    expect(new Set(label)).toEqual(new Set([red, white]));
    expect(label.filter((c) => c === white).length).toBeGreaterThan(200);
    // Padding rows and columns are the class colour; the text starts lw in: 'f' row 0 is '..##.' → x = 20 + 2 + 2·2.
    expect(new Set([...region(img, 20, 32, 178, 34), ...region(img, 20, 32, 22, 50)])).toEqual(new Set([red]));
    expect(px(img, 26, 34).join()).toBe(white);
    expect(px(img, 24, 34).join()).toBe(red);
    // Outside the label: untouched above and right of it; the box outline below it.
    expect(new Set([...region(img, 20, 31, 178, 32), ...region(img, 178, 32, 200, 50)])).toEqual(new Set([GREY.join()]));
    expect(px(img, 60, 50).join()).toBe(red);
  });

  test('near the image top the label goes inside the box; at the right edge it moves left; light colours get black text', () => {
    const img = image(200, 100);
    drawBoxes(img, [det([30, 5, 120, 90], 1)]); // 5 < 18 px: no room above
    const pink = classColor(1);
    expect(textColor(pink)).toEqual([0, 0, 0]);
    expect(labelRect([30, 5, 120, 90], 158, 18, 200)).toMatchObject({ x: 30, y: 5, outside: false });
    expect(new Set(region(img, 30, 0, 200, 5))).toEqual(new Set([GREY.join()]));
    expect(new Set(region(img, 30, 5, 188, 23))).toEqual(new Set([pink.join(), '0,0,0']));
    expect(px(img, 30, 23).join()).toBe(pink.join()); // the box's left edge continues below the label

    const right = image(200, 100);
    drawBoxes(right, [det([180, 50, 199, 90])]);
    expect(labelRect([180, 50, 199, 90], 158, 18, 200)).toMatchObject({ x: 42, y: 32, outside: true });
    expect(new Set(region(right, 42, 32, 200, 50))).toEqual(new Set(['255,56,56', '255,255,255']));
    expect(px(right, 41, 40).join()).toBe(GREY.join());
    // A box starting above the image: the label inside, at row 0.
    expect(labelRect([10, -30, 50, 40], 158, 18, 200)).toMatchObject({ x: 10, y: 0, outside: false });
  });

  test('boxes partly or wholly outside the image, huge, inverted or not finite are clipped or skipped, never thrown', () => {
    const img = image(64, 48);
    const boxes: [number, number, number, number][] = [
      [-1e9, -1e9, 1e9, 1e12], [500, 500, 600, 600], [-80, -80, -10, -10], [-20, 10, 30, 40], [50, 40, 90, 70],
      [NaN, 0, 10, 10], [0, 0, Infinity, 10], [40, 30, 10, 5],
    ];
    const t0 = performance.now();
    expect(() => drawBoxes(img, boxes.map((box, k) => ({ box, classId: k, label: k % 2 ? 'héllo ✓' : 'x', score: 0.5 })))).not.toThrow();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(img.data.length).toBe(64 * 48 * 4);
    // A box from x = −20 alone: its right edge at x = 29..30 is drawn, its label clamped to x = 0.
    const part = image(64, 48);
    drawBoxes(part, [{ box: [-20, 30, 30, 40], classId: 3, label: 'x', score: 0.5 }]);
    expect(px(part, 30, 35).join()).toBe(classColor(3).join());
    expect(labelRect([-20, 30, 30, 40], 30, 18, 64)).toMatchObject({ x: 0, y: 12 });
    expect(px(part, 0, 12).join()).toBe(classColor(3).join());
  });

  test('outline-only drawing still works without a label; line width follows Ultralytics', () => {
    const img = image(200, 100);
    drawBoxes(img, [{ box: [10, 10, 50, 50], classId: 2 }]);
    expect(px(img, 10, 30).join()).toBe(classColor(2).join());
    expect(px(img, 11, 30).join()).toBe(classColor(2).join());
    expect(px(img, 12, 30).join()).toBe(GREY.join());
    expect(px(img, 12, 9).join()).toBe(GREY.join()); // no label above
    expect([lineWidth(373, 454), lineWidth(640, 480), lineWidth(1280, 1280), lineWidth(2304, 2880)]).toEqual([2, 2, 4, 8]);
  });
});

describe('5×8 font', () => {
  test('every printable ASCII character has its own 8-row, 5-column glyph; others draw as ?', () => {
    const all = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
    for (const c of all) {
      const g = glyph(c);
      expect(g, c).toHaveLength(GLYPH_H);
      expect(g.every((r) => Number.isInteger(r) && r >= 0 && r < 32), c).toBe(true);
    }
    expect(new Set(all.map((c) => glyph(c).join())).size).toBe(95);
    expect(glyph('é')).toEqual(glyph('?'));
    const art = (c: string) => glyph(c).map((r) => r.toString(2).padStart(5, '0').replace(/0/g, '.').replace(/1/g, '#'));
    expect(art('A')).toEqual(['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#', '.....']);
    expect(art('g').slice(5)).toEqual(['.####', '....#', '.###.']); // the descender uses row 7
    expect([textWidth('', 3), textWidth('ab', 1), textWidth('ab', 3)]).toEqual([0, 11, 33]);
  });
});
