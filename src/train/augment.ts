/**
 * Training inputs: the letterbox the detector uses (src/image/letterbox.ts, cv2-exact), then
 * augmentations suited to radiographs, each drawn from a generator seeded by (seed, epoch, image), so
 * a run — and a resumed run — sees the same inputs:
 *
 *   flip        horizontal, p = 0.5 (Ultralytics fliplr): left and right limbs look alike
 *   affine      scale ∈ [1 − s, 1 + s] about the centre and a translation of ±t·size (Ultralytics
 *               RandomPerspective with degrees = shear = perspective = 0), bilinear, fill 114; boxes
 *               are mapped, clipped, and dropped as Ultralytics' box_candidates drops them
 *               (width and height > 2 px, area kept > 10 %, aspect < 100)
 *   intensity   contrast c ∈ [1 − k, 1 + k] about mid-grey and brightness b ∈ [−β, β]: (v − ½)·c + ½ + b,
 *               clamped to [0, 1] (an X-ray's exposure and windowing vary; hue and saturation, which
 *               Ultralytics also jitters, mean nothing on a greyscale radiograph)
 *   mosaic      with probability p, Ultralytics' Mosaic (4 images): the image and three others from the
 *               training set (chosen by `mosaicPartners`), each resized as the letterbox resizes it
 *               (long side = size), placed around a random centre of a 2·size canvas filled with 114,
 *               then the affine above maps the canvas's centre region to size × size (Ultralytics'
 *               RandomPerspective with border −size/2), boxes clipped to the canvas first
 */
import { letterbox } from '../image/letterbox.js';
import { letterboxGeometry } from '../ops/letterbox.js';
import type { RGBAImage } from '../draw/draw-boxes.js';
import type { GtBox } from './assigner.js';
import { mulberry32 } from './params.js';

/** A label: class and normalised centre/size, as in a YOLO label file. */
export interface YoloBox {
  cls: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
}

export interface AugmentConfig {
  /** Probability of a horizontal flip. */
  flip: number;
  /** ± scale gain (0: off). */
  scale: number;
  /** ± translation, fraction of the input size (0: off). */
  translate: number;
  /** ± brightness, in units of full scale (0: off). */
  brightness: number;
  /** ± contrast gain (0: off). */
  contrast: number;
  /** Probability of a 4-image mosaic (0 or absent: off; Ultralytics trains with 1). */
  mosaic?: number;
}

export const AUGMENT_OFF: AugmentConfig = { flip: 0, scale: 0, translate: 0, brightness: 0, contrast: 0 };
export const AUGMENT_FLIP: AugmentConfig = { ...AUGMENT_OFF, flip: 0.5 };
export const AUGMENT_FULL: AugmentConfig = { flip: 0.5, scale: 0.5, translate: 0.1, brightness: 0.2, contrast: 0.2 };
/** `full` with a mosaic for every training image, as Ultralytics trains (mosaic 1.0). */
export const AUGMENT_MOSAIC: AugmentConfig = { ...AUGMENT_FULL, mosaic: 1 };

/** Only flips: the frozen layers' outputs can be cached per image and orientation. */
export const cacheable = (a: AugmentConfig) => !a.scale && !a.translate && !a.brightness && !a.contrast && !a.mosaic;

/**
 * The three other training images of a mosaic for the sample whose generator seed is `rngSeed`, or
 * undefined when it gets none (drawn from a generator of its own, so that `prepare`'s draws are the
 * same with and without mosaic); indices in 0 .. n − 1, uniform, as Ultralytics draws them.
 */
export function mosaicPartners(a: AugmentConfig, rngSeed: number, n: number): number[] | undefined {
  if (!a.mosaic || n < 1) return undefined;
  const r = mulberry32(mix(rngSeed, 0x6d6f7361));
  if (r(0, 1) >= a.mosaic) return undefined;
  return [0, 1, 2].map(() => Math.min(n - 1, Math.floor(r(0, n))));
}

/** An image and its labels: a mosaic's other tiles. */
export interface LabelledImage {
  image: RGBAImage;
  boxes: readonly YoloBox[];
}

/** A deterministic 32-bit seed from several integers. */
export function mix(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h >>> 0;
}

export interface Prepared {
  /** 3 × S × S, RGB, 0..1. */
  tensor: Float32Array;
  /** Boxes in input pixels. */
  gts: GtBox[];
  flipped: boolean;
  /** Letterbox geometry, to map predictions back to the source image. */
  gain: number;
  pad: [number, number];
}

/** Fisher–Yates with a seeded generator. */
export function shuffle(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const r = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** The flip decision `prepare` makes for augmentation that only flips (its generator's first draw). */
export const flipOnly = (a: AugmentConfig, rngSeed: number) => mulberry32(rngSeed)(0, 1) < a.flip;

/** Labels in input pixels after the letterbox of a width × height image (and a horizontal flip). */
export function letterboxLabels(width: number, height: number, boxes: readonly YoloBox[], size: number, flipped: boolean): { gts: GtBox[]; gain: number; pad: [number, number] } {
  const g = letterboxGeometry(width, height, size, size);
  const gts = boxes.map((b): GtBox => {
    const x1 = (b.cx - b.w / 2) * width * g.gain + g.left;
    const x2 = (b.cx + b.w / 2) * width * g.gain + g.left;
    const y1 = (b.cy - b.h / 2) * height * g.gain + g.top;
    const y2 = (b.cy + b.h / 2) * height * g.gain + g.top;
    return { cls: b.cls, box: flipped ? [size - x2, y1, size - x1, y2] : [x1, y1, x2, y2] };
  });
  return { gts, gain: g.gain, pad: [g.left, g.top] };
}

/**
 * Letterbox and augment one image; `rngSeed` decides every random choice. With `partners` (three
 * images, see `mosaicPartners`), the four make a mosaic before the affine; gain and pad stay those of
 * the image's own letterbox.
 */
export function prepare(img: RGBAImage, boxes: readonly YoloBox[], size: number, a: AugmentConfig, rngSeed: number, forceFlip?: boolean, partners?: readonly LabelledImage[]): Prepared {
  const lb = letterbox(img, size);
  const r = mulberry32(rngSeed);
  let t = lb.tensor;
  const g = lb.gain;
  const [px, py] = lb.pad;
  let gts: GtBox[] = boxes.map((b) => ({
    cls: b.cls,
    box: [(b.cx - b.w / 2) * img.width * g + px, (b.cy - b.h / 2) * img.height * g + py, (b.cx + b.w / 2) * img.width * g + px, (b.cy + b.h / 2) * img.height * g + py],
  }));
  // The affine's source: the letterboxed image, or the 2·size mosaic canvas.
  let from = size;
  if (partners?.length === 3) {
    const m = mosaic([{ image: img, boxes }, ...partners], size, r, lb);
    t = m.tensor;
    gts = m.gts;
    from = 2 * size;
  }
  if (a.scale || a.translate || from !== size) {
    const s = 1 + r(-a.scale, a.scale);
    const tx = r(-a.translate, a.translate) * size;
    const ty = r(-a.translate, a.translate) * size;
    t = affine(t, from, size, s, tx, ty);
    const map = (v: number, o: number) => (v - from / 2) * s + size / 2 + o;
    gts = gts.flatMap((b) => {
      const [x1, y1, x2, y2] = b.box;
      const n: [number, number, number, number] = [map(x1, tx), map(y1, ty), map(x2, tx), map(y2, ty)];
      const cl: [number, number, number, number] = [clamp(n[0], size), clamp(n[1], size), clamp(n[2], size), clamp(n[3], size)];
      const w = cl[2] - cl[0];
      const h = cl[3] - cl[1];
      const keep = w > 2 && h > 2 && (w * h) / ((x2 - x1) * s * (y2 - y1) * s + 1e-16) > 0.1 && Math.max(w / (h + 1e-16), h / (w + 1e-16)) < 100;
      return keep ? [{ cls: b.cls, box: cl }] : [];
    });
  }
  if (a.brightness || a.contrast) {
    const c = 1 + r(-a.contrast, a.contrast);
    const b = r(-a.brightness, a.brightness);
    t = t.map((v) => Math.min(Math.max((v - 0.5) * c + 0.5 + b, 0), 1));
  }
  const flipped = forceFlip ?? r(0, 1) < a.flip;
  if (flipped) {
    t = flipTensor(t, size);
    gts = gts.map((b) => ({ cls: b.cls, box: [size - b.box[2], b.box[1], size - b.box[0], b.box[3]] }));
  }
  return { tensor: t, gts, flipped, gain: g, pad: [px, py] };
}

/**
 * Ultralytics' `_mosaic4`: a 2s × 2s canvas filled with 114, a centre (xc, yc) uniform in [s/2, 3s/2]²,
 * tile 0 ending at the centre (top left), 1 top right, 2 bottom left, 3 bottom right, each cut where
 * it leaves the canvas; labels shifted with their tile and clipped to the canvas.
 */
function mosaic(tiles: readonly LabelledImage[], s: number, r: (lo: number, hi: number) => number, first: ReturnType<typeof letterbox>): { tensor: Float32Array; gts: GtBox[] } {
  const S = 2 * s;
  const out = new Float32Array(3 * S * S).fill(Math.fround(114 / 255));
  const xc = Math.floor(r(s / 2, (3 * s) / 2));
  const yc = Math.floor(r(s / 2, (3 * s) / 2));
  const gts: GtBox[] = [];
  tiles.forEach((tile, i) => {
    const lb = i === 0 ? first : letterbox(tile.image, s);
    const [w, h] = lb.newUnpad;
    const [left, top] = lb.pad;
    // Canvas rectangle [x1a, x2a) × [y1a, y2a) and the tile's [x1b, …) of the same size.
    const x1a = i % 2 === 0 ? Math.max(xc - w, 0) : xc;
    const x2a = i % 2 === 0 ? xc : Math.min(xc + w, S);
    const y1a = i < 2 ? Math.max(yc - h, 0) : yc;
    const y2a = i < 2 ? yc : Math.min(yc + h, S);
    const x1b = i % 2 === 0 ? w - (x2a - x1a) : 0;
    const y1b = i < 2 ? h - (y2a - y1a) : 0;
    for (let c = 0; c < 3; c++) {
      for (let y = y1a; y < y2a; y++) {
        const src = (c * s + top + y1b + y - y1a) * s + left + x1b;
        out.set(lb.tensor.subarray(src, src + x2a - x1a), (c * S + y) * S + x1a);
      }
    }
    const dx = x1a - x1b;
    const dy = y1a - y1b;
    const iw = tile.image.width;
    const ih = tile.image.height;
    for (const b of tile.boxes) {
      const box: [number, number, number, number] = [
        clamp((b.cx - b.w / 2) * iw * lb.gain + dx, S), clamp((b.cy - b.h / 2) * ih * lb.gain + dy, S),
        clamp((b.cx + b.w / 2) * iw * lb.gain + dx, S), clamp((b.cy + b.h / 2) * ih * lb.gain + dy, S),
      ];
      gts.push({ cls: b.cls, box });
    }
  });
  return { tensor: out, gts };
}

const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);

export function flipTensor(t: Float32Array, size: number): Float32Array {
  const out = new Float32Array(t.length);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < size; y++) {
      const row = (c * size + y) * size;
      for (let x = 0; x < size; x++) out[row + x] = t[row + size - 1 - x];
    }
  }
  return out;
}

/**
 * Output pixel (x, y) of a `to`² image samples the `from`² input at ((x − c′ − tx)/s + c, (y − c′ − ty)/s + c),
 * c = from/2, c′ = to/2 (pixel centres), bilinear, 114/255 outside.
 */
function affine(t: Float32Array, from: number, to: number, s: number, tx: number, ty: number): Float32Array {
  const fill = 114 / 255;
  const out = new Float32Array(3 * to * to).fill(fill);
  const c = from / 2;
  const c2 = to / 2;
  for (let y = 0; y < to; y++) {
    const sy = (y + 0.5 - c2 - ty) / s + c - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let x = 0; x < to; x++) {
      const sx = (x + 0.5 - c2 - tx) / s + c - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      if (x0 < -1 || y0 < -1 || x0 >= from || y0 >= from) continue;
      for (let ch = 0; ch < 3; ch++) {
        const at = (yy: number, xx: number) => (yy < 0 || xx < 0 || yy >= from || xx >= from ? fill : t[(ch * from + yy) * from + xx]);
        out[(ch * to + y) * to + x] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      }
    }
  }
  return out;
}
