/**
 * The CPU letterbox (src/image/letterbox.ts): hand-checked small cases, Python's banker's rounding,
 * identity, bit-exactness with cv2.resize(INTER_LINEAR) on uint8 (the goldens were produced by OpenCV
 * 4.6 from the synthetic image `synth`; a float bilinear gets up to 44 of their values wrong by 1), and
 * scaleBoxes (Ultralytics scale_boxes).
 */
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { letterbox, resizeLinearU8, scaleBoxes } from '../../src/image/letterbox.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import type { RGBAImage } from '../../src/draw/draw-boxes.js';
import { referenceImagePath } from '../helpers/reference.js';

/** RGBA from an RGB function. */
function image(w: number, h: number, rgb: (x: number, y: number, c: number) => number): RGBAImage {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 4; c++) data[(y * w + x) * 4 + c] = c === 3 ? 255 : rgb(x, y, c);
  return { width: w, height: h, data };
}
const synth = (w: number, h: number) => image(w, h, (x, y, c) => (x * 73 + y * 151 + c * 29 + ((x * y) % 7) * 17) & 255);
/** Channel c of the 1×3×H×W tensor as 0…255 integers, row by row. */
const plane = (t: Float32Array, H: number, W: number, c: number) => Array.from({ length: H }, (_, y) => Array.from(t.subarray(c * H * W + y * W, c * H * W + (y + 1) * W), (v) => Math.round(v * 255)));

// [w, h, dw, dh, cv2.resize output as RGB hex]; comments: how many values a float bilinear gets wrong.
const GOLDEN: [number, number, number, number, string][] = [
  [5, 3, 8, 5, '001d3a203d5a4e6a877b98b5a9c693d6f32074913e24415e3c59765f4f6c8b48657c7a968eab98c0dd6a9c7f597b324f97b4d1be6b88e714317f4c696784a19fbcd9d86582ff1c39587592847491b26f8c514e6b3f5d7a7e9bb8957895a158752e4b685d7a9790adca324f6c25425f6885a26885a263809d'], // 14
  [9, 7, 4, 3, '994c69acc99c6a87a4b8607d7390adc1defb53708d93b0cd967390c7e46c7b98a0ac5e7c'], // 2
  [8, 6, 4, 3, '74516e97b4917a5774c09dba7390ad7d9ab76d8a677a97b4b24f6cc9a6837d9ab7977451'], // exactly 2× down: INTER_AREA
  [17, 13, 6, 29, '43607d526f4ce06885afcc7f7e9bb84d6a875f54716c674fd67794a4c1867b98b5675b78aa3653af555aba9ebb88a5997491aea93451e32643df4a679ab7d46b88a5728f9fdb1e3bbb6784a565826885a24e6b888ca963b4607d93a8c56a819e365370324f6ca6c3268ea2bf7491ae63809d6d8aa76a87a48aa754708daa55728f607d9aaecbe8aac7e46b888a526f8c794d6a728fac9fbcd9c3b2cf53708d7b4865ba25428eabc86d8aa7ca76933e5b78c21d3acf2e4b9bb8c86f6e74cc737a4d6a79d72946b16f8c98b5a8b06b42cab38a83a093b07592909ab79cb988d66d2bc1de9b9fbc9f89a6c3687b98b7d46ba47e6ba4c1ae627f7f627f9c405d7ad3f04d728fac87a4c12643603c5976506d8aa8a85b6f8c79a895b25c7979526f8c607d9a7d60696d8a47c986a393b0936986a34c698664585f8aa759ba91ae9ab794506d8a2e4b6852624cb1ce809ea5c293b08d29466343607d587562a8c591819ebb9d8c783b587584a1be74919a76938e64819eb750597e9bb8a8c2df869ab7676f7d64817bbf364ba2bfd98999b6837a97a76d4ba4c1489f6d6485a2b36a728f82617edf6c22daf71d809d7c67848c4254719e9ab7ad7c629fbc546c89853b596b1a3552b9d2ef7a8da363808b57748d102d494b6885a2bfdc7165829084688287a44a677c8ca9c683a0bd6e3350cf9436b9a1be96b3bea5c2df7693b06d203de89a22ceabc8b3d0d8'], // 44
];

describe('resizeLinearU8 = cv2.resize(INTER_LINEAR) on uint8', () => {
  test.each(GOLDEN)('%i×%i → %i×%i bit-exact with OpenCV', (w, h, dw, dh, hex) => {
    expect(Buffer.from(resizeLinearU8(synth(w, h), dw, dh)).toString('hex')).toBe(hex);
  });

  test('a 2×1 image into 4×2 by hand: cv2 weights (2048,0) (1536,512) (512,1536) clamp, truncating vertical pass', () => {
    // H = 0, 255·512, 255·1536, 255·2048; rows −1 and 0 both read row 0 with b = (512, 1536):
    // ((H >> 4)·512 >> 16) + ((H >> 4)·1536 >> 16) + 2 >> 2 → 0, 64, 191, 255.
    const out = resizeLinearU8(image(2, 1, (x) => (x ? 255 : 0)), 4, 2);
    expect(Array.from(out.filter((_, i) => i % 3 === 0))).toEqual([0, 64, 191, 255, 0, 64, 191, 255]);
  });
});

describe('letterbox', () => {
  test('a 2×1 image into 4×4: gain 2, resized to 4×2, one padding row above and below', () => {
    const r = letterbox(image(2, 1, (x) => (x ? 255 : 0)), [4, 4]);
    expect([r.gain, r.pad, r.newUnpad]).toEqual([2, [0, 1], [4, 2]]);
    for (let c = 0; c < 3; c++) expect(plane(r.tensor, 4, 4, c)).toEqual([[114, 114, 114, 114], [0, 64, 191, 255], [0, 64, 191, 255], [114, 114, 114, 114]]);
    expect(r.tensor[0]).toBe(Math.fround(114 / 255));
  });

  test("Python's round: new width round(2.5) = 2, not 3; pads round(dw ∓ 0.1)", () => {
    const r = letterbox(synth(5, 8), [4, 4]);
    expect([r.gain, r.newUnpad, r.pad]).toEqual([0.5, [2, 4], [1, 0]]);
    expect(plane(r.tensor, 4, 4, 0).map((row) => [row[0], row[3]])).toEqual(Array(4).fill([114, 114]));
    // dh = 1.5 → top = round(1.4) = 1, bottom = round(1.6) = 2.
    const odd = letterbox(image(1, 1, () => 7), [4, 1]);
    expect([odd.pad, odd.newUnpad]).toEqual([[0, 1], [1, 1]]);
    expect(plane(odd.tensor, 4, 1, 1).flat()).toEqual([114, 7, 114, 114]);
  });

  test('same size: no resize, the tensor is the pixels / 255, RGB planes', () => {
    const img = synth(6, 4);
    const r = letterbox(img, [4, 6]);
    expect([r.gain, r.pad, r.newUnpad]).toEqual([1, [0, 0], [6, 4]]);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 24; i++) expect(r.tensor[c * 24 + i]).toBe(Math.fround(img.data[i * 4 + c] / 255));
    }
  });

  test('non-square sizes and the Ultralytics geometry of a real radiograph (454×373 at 640 and 256×384)', async () => {
    const img = await decodeImageFile(referenceImagePath('IMG0003309.jpg'));
    expect([img.width, img.height]).toEqual([454, 373]);
    const a = letterbox(img, 640);
    // r = 640/454; new = (640, round(525.81…) = 526); dh = 57 → top = round(56.9) = 57, bottom = round(57.1) = 57.
    expect([a.newUnpad, a.pad]).toEqual([[640, 526], [0, 57]]);
    expect(plane(a.tensor, 640, 640, 2)[56][320]).toBe(114);
    expect(plane(a.tensor, 640, 640, 2)[583][320]).toBe(114);
    const b = letterbox(img, [256, 384]);
    // r = min(256/373, 384/454) = 0.686…; new = (round(311.6) = 312, 256); dw = 36 → left 36.
    expect([b.newUnpad, b.pad, b.tensor.length]).toEqual([[312, 256], [36, 0], 3 * 256 * 384]);
  });

  test('bad input is an InvalidArgumentError', () => {
    expect(() => letterbox({ width: 2, height: 2, data: new Uint8Array(15) }, 32)).toThrow(InvalidArgumentError);
    expect(() => letterbox({ width: 0, height: 2, data: new Uint8Array(0) }, 32)).toThrow(InvalidArgumentError);
    expect(() => letterbox(synth(2, 2), [0, 32])).toThrow(InvalidArgumentError);
    expect(() => letterbox(synth(1000, 1), [32, 32])).toThrow(/shrinks to nothing/);
  });
});

describe('scaleBoxes (Ultralytics scale_boxes)', () => {
  test('subtracts the pad, divides by the gain and clips to the source image', () => {
    // 454×373 source in 640×640: gain 640/454, pad (0, round((640 − 373·gain)/2 − 0.1) = 57).
    const g = 640 / 454;
    const boxes = [10, 57 + 20 * g, 100 * g, 57 + 50 * g, -5, 0, 700, 640];
    const out = scaleBoxes(boxes, [640, 640], [373, 454]);
    [10 / g, 20, 100, 50].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 4));
    expect(Array.from(out.subarray(4))).toEqual([0, 0, 454, 373]);
    // Explicit ratio_pad, and a stride of 6 (box, score, class) leaving the tail alone.
    const s = scaleBoxes([12, 22, 32, 42, 0.9, 3], [64, 64], [100, 100], { ratioPad: { gain: 2, pad: [2, 2] }, stride: 6 });
    expect(Array.from(s)).toEqual(Array.from(Float32Array.of(5, 10, 15, 20, 0.9, 3)));
    expect(() => scaleBoxes([1, 2, 3], [64, 64], [10, 10])).toThrow(InvalidArgumentError);
  });
});
