/**
 * CPU letterbox, the reference preprocessing (Ultralytics LetterBox with cv2.INTER_LINEAR on 8-bit
 * pixels, pad 114, RGB, /255 → 1×3×H×W f32). The GPU kernels (shaders/letterbox-*.wgsl) compute the
 * same thing; cv2's 11-bit fixed-point weights may differ from this float interpolation by 1/255.
 */
import { letterboxGeometry, type LetterboxGeometry } from '../ops/letterbox.js';
import type { RGBAImage } from '../draw/draw-boxes.js';

function axis(d: number, nSrc: number, nDst: number): [number, number, number] {
  const f = (d + 0.5) * (nSrc / nDst) - 0.5;
  let i0 = Math.floor(f);
  let w = f - i0;
  if (i0 < 0) {
    i0 = 0;
    w = 0;
  }
  if (i0 >= nSrc - 1) {
    i0 = nSrc - 1;
    w = 0;
  }
  return [i0, Math.min(i0 + 1, nSrc - 1), w];
}

export function letterbox(img: RGBAImage, [H, W]: [number, number]): { tensor: Float32Array; geometry: LetterboxGeometry } {
  const g = letterboxGeometry(img.width, img.height, H, W);
  const plane = H * W;
  const t = new Float32Array(3 * plane).fill(114 / 255);
  const xs = Array.from({ length: g.newW }, (_, x) => axis(x, img.width, g.newW));
  const f32 = Math.fround;
  for (let y = 0; y < g.newH; y++) {
    const [y0, y1, wy] = axis(y, img.height, g.newH);
    for (let x = 0; x < g.newW; x++) {
      const [x0, x1, wx] = xs[x];
      const o = (y + g.top) * W + x + g.left;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 4 + c];
        // Same operation order as the WGSL mix(): a + (b − a)·t, in f32.
        const mix = (a: number, b: number, s: number) => f32(a + f32(f32(b - a) * s));
        const top = mix(p(y0, x0), p(y0, x1), f32(wx));
        const bot = mix(p(y1, x0), p(y1, x1), f32(wx));
        t[c * plane + o] = f32(Math.round(mix(top, bot, f32(wy))) / 255);
      }
    }
  }
  return { tensor: t, geometry: g };
}
