/**
 * Image decoding in Node (src/image/decode-node.ts): FracAtlas JPEGs (greyscale and colour), PNGs of
 * every colour type and depth made here, Adobe CMYK JPEGs, 1×1 images, EXIF orientation (checked against cv2.imread for all eight),
 * and bad input — truncated, random, hostile headers — as one-line ImageDecodeErrors naming the file.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ImageDecodeError } from '../../src/errors.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { referenceImagePath } from '../helpers/reference.js';
import { cmykJpeg } from '../helpers/cmyk-jpeg.js';
import { rawPng } from '../helpers/raw-png.js';

const dir = mkdtempSync(join(tmpdir(), 'yolo11-decode-'));

const rgbOf = (d: Uint8Array) => Array.from({ length: d.length / 4 }, (_, i) => [d[i * 4], d[i * 4 + 1], d[i * 4 + 2]]);

describe('decodeImageFile', () => {
  test('a greyscale FracAtlas JPEG becomes RGBA with R = G = B and A = 255', async () => {
    const path = referenceImagePath('IMG0003381.jpg');
    expect(readFileSync(path).subarray(0, 4).toString('hex')).toBe('ffd8ffc4'); // no JFIF, 1 component
    const img = await decodeImageFile(path);
    expect([img.width, img.height, img.data.length]).toEqual([373, 454, 373 * 454 * 4]);
    let grey = true;
    let sum = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      grey &&= img.data[i] === img.data[i + 1] && img.data[i] === img.data[i + 2] && img.data[i + 3] === 255;
      sum += img.data[i];
    }
    expect(grey).toBe(true);
    expect(sum / (373 * 454)).toBeGreaterThan(10); // not blank
  });

  test('a colour JPEG (FracAtlas, 454×373) and the same bytes passed in memory', async () => {
    const path = referenceImagePath('IMG0003309.jpg');
    const a = await decodeImageFile(path);
    const b = await decodeImageFile(new Uint8Array(readFileSync(path)), 'x.jpg');
    expect([a.width, a.height]).toEqual([454, 373]);
    expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data))).toBe(0);
  });

  test('EXIF orientation is applied as cv2.imread does (all eight, corners checked against OpenCV 4.6)', async () => {
    const w = 16;
    const h = 8;
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(x < 8 ? (y < 4 ? 0 : 80) : y < 4 ? 160 : 255, (y * w + x) * 4, (y * w + x) * 4 + 3);
    const enc = jpeg.encode({ width: w, height: h, data }, 100).data;
    // cv2: orientation → [width, height, top-left, top-right, bottom-left, bottom-right]
    const expected: Record<number, number[]> = {
      1: [16, 8, 0, 160, 80, 255], 2: [16, 8, 160, 0, 255, 80], 3: [16, 8, 255, 80, 160, 0], 4: [16, 8, 80, 255, 0, 160],
      5: [8, 16, 0, 80, 160, 255], 6: [8, 16, 80, 0, 255, 160], 7: [8, 16, 255, 160, 80, 0], 8: [8, 16, 160, 255, 0, 80],
    };
    for (const o of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const tiff = [0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, o, 0, 0, 0, 0, 0, 0, 0];
      const app1 = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
      const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0, app1.length + 2, ...app1, ...enc.subarray(2)]);
      const img = await decodeImageFile(bytes);
      const q = (x: number, y: number) => img.data[(y * img.width + x) * 4];
      const got = [img.width, img.height, q(0, 0), q(img.width - 1, 0), q(0, img.height - 1), q(img.width - 1, img.height - 1)];
      expect(got, `orientation ${o}`).toEqual(expected[o]);
    }
  });

  test('PNG: 16-bit takes the high byte (as cv2), grey is replicated, alpha is kept', async () => {
    // pngjs writes 16-bit from native-endian RGBA uint16 samples.
    const px16 = Uint16Array.of(0x12f0, 0xabff, 0x00ff, 0xffff, 0x8000, 0x7fff, 0x0100, 0x4000);
    const rgb16 = PNG.sync.write({ width: 2, height: 1, data: Buffer.from(px16.buffer) } as PNG, { bitDepth: 16, colorType: 6, inputHasAlpha: true });
    const a = await decodeImageFile(new Uint8Array(rgb16), 'rgba16.png');
    expect(Array.from(a.data)).toEqual([0x12, 0xab, 0x00, 0xff, 0x80, 0x7f, 0x01, 0x40]); // rescaling would give 0x13 first
    const g16 = Uint16Array.of(0x12f0, 0x12f0, 0x12f0, 0xffff, 0x80ff, 0x80ff, 0x80ff, 0xffff);
    const grey16 = PNG.sync.write({ width: 2, height: 1, data: Buffer.from(g16.buffer) } as PNG, { bitDepth: 16, colorType: 0, inputHasAlpha: true });
    expect(rgbOf((await decodeImageFile(new Uint8Array(grey16), 'g16.png')).data)).toEqual([[0x12, 0x12, 0x12], [0x80, 0x80, 0x80]]);
    const grey8 = PNG.sync.write({ width: 3, height: 1, data: Buffer.from([9, 9, 9, 255, 200, 200, 200, 255, 77, 77, 77, 255]) } as PNG, { colorType: 0 });
    const g = await decodeImageFile(new Uint8Array(grey8), 'g8.png');
    expect([g.width, g.height, rgbOf(g.data)]).toEqual([3, 1, [[9, 9, 9], [200, 200, 200], [77, 77, 77]]]);
  });

  test('PNG: palette, 1/2/4-bit grey (bit replication) and tRNS colour keys (ignored, as cv2)', async () => {
    const pal = rawPng(3, 1, 8, 3, [[2, 0, 1]], [['PLTE', [10, 20, 30, 40, 50, 60, 70, 80, 90]], ['tRNS', [255, 0, 255]]]);
    expect(rgbOf((await decodeImageFile(pal, 'pal.png')).data)).toEqual([[70, 80, 90], [10, 20, 30], [40, 50, 60]]);
    const g1 = rawPng(4, 1, 1, 0, [[0b10100000]]);
    expect(rgbOf((await decodeImageFile(g1, 'g1.png')).data).map((p) => p[0])).toEqual([255, 0, 255, 0]);
    const g2 = rawPng(4, 1, 2, 0, [[0b00011011]]);
    expect(rgbOf((await decodeImageFile(g2, 'g2.png')).data).map((p) => p[0])).toEqual([0, 85, 170, 255]);
    const g4 = rawPng(2, 1, 4, 0, [[0x3c]]);
    expect(rgbOf((await decodeImageFile(g4, 'g4.png')).data).map((p) => p[0])).toEqual([0x33, 0xcc]);
    // RGB with a colour key on (1, 2, 3): pngjs would zero that pixel; cv2 keeps its colour.
    const key = rawPng(2, 1, 8, 2, [[1, 2, 3, 4, 5, 6]], [['tRNS', [0, 1, 0, 2, 0, 3]]]);
    expect(rgbOf((await decodeImageFile(key, 'key.png')).data)).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  test('CMYK JPEG (Adobe, stored inverted) becomes RGB = C·K/255, M·K/255, Y·K/255, as libjpeg + cv2', async () => {
    for (const s of [[200, 100, 50, 180], [0, 255, 128, 255], [255, 255, 255, 0]] as [number, number, number, number][]) {
      const img = await decodeImageFile(cmykJpeg(s), 'cmyk.jpg');
      expect([img.width, img.height]).toEqual([8, 8]);
      const want = s.slice(0, 3).map((v) => (v * s[3]) / 255);
      for (const [r, g, b] of rgbOf(img.data)) [r, g, b].forEach((v, c) => expect(Math.abs(v - want[c]), `${s} channel ${c}`).toBeLessThanOrEqual(1));
    }
  });

  test('1×1 PNG and JPEG decode to one RGBA pixel', async () => {
    const png = PNG.sync.write({ width: 1, height: 1, data: Buffer.from([10, 20, 30, 255]) } as PNG);
    expect(Array.from((await decodeImageFile(new Uint8Array(png), 'one.png')).data)).toEqual([10, 20, 30, 255]);
    const jpg = jpeg.encode({ width: 1, height: 1, data: Buffer.from([128, 128, 128, 255]) }, 100).data;
    const j = await decodeImageFile(new Uint8Array(jpg), 'one.jpg');
    expect([j.width, j.height, j.data.length]).toEqual([1, 1, 4]);
    expect(Math.abs(j.data[0] - 128)).toBeLessThanOrEqual(1);
  });

  test('truncated, random and hostile files are one-line ImageDecodeErrors naming the file', async () => {
    const jpg = readFileSync(referenceImagePath('IMG0003309.jpg'));
    const cases: [string, Uint8Array, RegExp][] = [
      ['cut.jpg', jpg.subarray(0, jpg.length >> 1), /cut\.jpg: cannot decode JPEG/],
      ['noeoi.jpg', jpg.subarray(0, jpg.length - 2), /noeoi\.jpg: cannot decode JPEG/],
      ['header.jpg', jpg.subarray(0, 300), /header\.jpg: cannot decode JPEG/],
      ['random.bin', Uint8Array.from({ length: 4096 }, (_, k) => (k * 7919 + 13) % 251), /random\.bin: not a PNG or JPEG/],
      ['random.jpg', Uint8Array.from({ length: 4096 }, (_, k) => (k < 3 ? [0xff, 0xd8, 0xff][k] : (k * 31) % 256)), /random\.jpg: cannot decode JPEG/],
      ['empty.png', new Uint8Array(0), /empty\.png: not a PNG or JPEG/],
      // 60000×60000 SOF0: refused at the header, before any allocation.
      ['huge.jpg', Uint8Array.from([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0xea, 0x60, 0xea, 0x60, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]), /huge\.jpg: cannot decode JPEG: maxResolutionInMP/],
      ['huge.png', rawPng(100000, 100000, 8, 0, []), /huge\.png: cannot decode PNG: 100000×100000 exceeds the 40-megapixel limit/],
      ['zero.png', rawPng(0, 0, 8, 2, []), /zero\.png: cannot decode PNG: zero-size image 0×0/],
      ['cut.png', rawPng(8, 8, 8, 2, Array(8).fill(Array(24).fill(7))).subarray(0, 60), /cut\.png: cannot decode PNG/],
    ];
    for (const [name, bytes, re] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const err = await decodeImageFile(path).then(() => null, (e) => e);
      expect(err, name).toBeInstanceOf(ImageDecodeError);
      expect(err.message, name).toMatch(re);
      expect(err.message, name).not.toMatch(/\n/);
    }
    const missing = await decodeImageFile(join(dir, 'missing.jpg')).catch((e) => e);
    expect([missing.code, missing.message]).toEqual(['IMAGE_NOT_FOUND', `${join(dir, 'missing.jpg')}: no such file`]);
  });
});
