/**
 * What detect() and classify() return, in the spirit of Ultralytics' Results (`boxes`, `masks`,
 * `keypoints`, `probs`), one object per kept box, everything in source-image pixels. The task of a
 * model (from its weight file) decides which fields a box has; `Detector<T>` carries it in the types.
 */
import type { Task } from './model/heads.js';

export type { Task };

/** One kept box (every task but classify). */
export interface Detection {
  /** [x1, y1, x2, y2] in source-image pixels. */
  box: [number, number, number, number];
  score: number;
  classId: number;
  label: string;
}

/**
 * A segment model's mask of one box, as Ultralytics' process_mask_native makes it (retina masks):
 * the pixels of the box's rectangle that belong to the object, one bit each. The rectangle is the
 * box's pixels, x in [x, x + width), y in [y, y + height); pixel (px, py) is bit p % 32 of bits[p >> 5]
 * with p = (py − y)·width + (px − x). Use `maskAt`, `maskToAlpha` or `maskToRle` to read it.
 */
export interface InstanceMask {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Pixels set (the mask's area). */
  area: number;
  bits: Uint32Array;
}

/** One keypoint in source-image pixels; `visibility` (0..1) when the model predicts it (kpt_shape (K, 3)). */
export interface Keypoint {
  x: number;
  y: number;
  visibility?: number;
}

export interface SegmentDetection extends Detection {
  mask: InstanceMask;
}

export interface PoseDetection extends Detection {
  /** K keypoints in the model's order (COCO pose: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles). */
  keypoints: Keypoint[];
}

/** One class of a classify model's top-k. */
export interface Classification {
  classId: number;
  label: string;
  /** Softmax probability. */
  score: number;
}

/** What detect() returns per box for a model of task T. */
export type DetectionOf<T extends Task> = T extends 'segment' ? SegmentDetection : T extends 'pose' ? PoseDetection : Detection;

/** Is image pixel (px, py) in the mask? */
export function maskAt(m: InstanceMask, px: number, py: number): boolean {
  const x = Math.floor(px) - m.x;
  const y = Math.floor(py) - m.y;
  if (x < 0 || y < 0 || x >= m.width || y >= m.height) return false;
  const p = y * m.width + x;
  return ((m.bits[p >>> 5] >>> (p & 31)) & 1) === 1;
}

/** The mask's rectangle as bytes, row-major width × height: `on` where set, 0 elsewhere (e.g. an alpha channel). */
export function maskToAlpha(m: InstanceMask, on = 255): Uint8Array {
  const out = new Uint8Array(m.width * m.height);
  for (let p = 0; p < out.length; p++) if ((m.bits[p >>> 5] >>> (p & 31)) & 1) out[p] = on;
  return out;
}

/**
 * Run lengths over the rectangle in row-major order, starting with a run of unset pixels (0 when the
 * first pixel is set), as COCO's uncompressed RLE counts (which are column-major over the whole image):
 * a compact JSON form, `{ x, y, width, height, counts }`.
 */
export function maskToRle(m: InstanceMask): { x: number; y: number; width: number; height: number; counts: number[] } {
  const counts: number[] = [];
  let run = 0;
  let cur = 0;
  for (let p = 0, n = m.width * m.height; p < n; p++) {
    const v = (m.bits[p >>> 5] >>> (p & 31)) & 1;
    if (v !== cur) {
      counts.push(run);
      run = 0;
      cur = v;
    }
    run++;
  }
  counts.push(run);
  return { x: m.x, y: m.y, width: m.width, height: m.height, counts };
}

/** Set bits of a packed bitmap. */
export function popcount(bits: Uint32Array, from = 0, to = bits.length): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    let v = bits[i];
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}
