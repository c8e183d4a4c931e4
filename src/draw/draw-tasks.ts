/**
 * Drawing what the segment, pose and classify models return onto an RGBA image in memory (the CLI's
 * --save), in the manner of Ultralytics' Annotator: masks filled with their class colour at half
 * opacity (under the boxes, drawn after by draw-boxes.ts), COCO skeletons with the pose palette
 * (limbs and joints whose visibility is under 0.25 are skipped), and a classify model's top-k as
 * `label 0.87` lines in the image's top-left corner.
 */
import { ADVANCE, GLYPH_H, glyph } from './font.js';
import { classColor, lineWidth, type RGB, type RGBAImage } from './draw-boxes.js';
import type { Classification, InstanceMask, Keypoint } from '../results.js';

/** Ultralytics' pose palette (utils/plotting.py Colors.pose_palette). */
const POSE_PALETTE: RGB[] = [
  [255, 128, 0], [255, 153, 51], [255, 178, 102], [230, 230, 0], [255, 153, 255], [153, 204, 255], [255, 102, 255], [255, 51, 255], [102, 178, 255], [51, 153, 255],
  [255, 153, 153], [255, 102, 102], [255, 51, 51], [153, 255, 153], [102, 255, 102], [51, 255, 51], [0, 255, 0], [0, 0, 255], [255, 0, 0], [255, 255, 255],
];
/** COCO's 19 limbs between its 17 keypoints (1-based, as Ultralytics lists them), with their palette colours. */
export const COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]];
const LIMB_COLOR = [9, 9, 9, 9, 7, 7, 7, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16];
const KPT_COLOR = [16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9];
const KPT_CONF = 0.25;

function put(img: RGBAImage, x: number, y: number, c: RGB, a = 1) {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 4;
  for (let k = 0; k < 3; k++) img.data[i + k] = Math.round(img.data[i + k] * (1 - a) + c[k] * a);
  img.data[i + 3] = 255;
}

function disc(img: RGBAImage, cx: number, cy: number, r: number, c: RGB) {
  for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
    for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) put(img, x, y, c);
  }
}

function line(img: RGBAImage, a: Keypoint, b: Keypoint, thickness: number, c: RGB) {
  const n = Math.ceil(Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y))) + 1;
  for (let k = 0; k <= n; k++) disc(img, a.x + ((b.x - a.x) * k) / n, a.y + ((b.y - a.y) * k) / n, thickness / 2, c);
}

/** Each mask's pixels blended 50 % with its box's class colour. */
export function drawMasks(img: RGBAImage, dets: { classId: number; mask: InstanceMask }[]) {
  for (const { classId, mask: m } of dets) {
    const c = classColor(classId);
    for (let p = 0, n = m.width * m.height; p < n; p++) if ((m.bits[p >>> 5] >>> (p & 31)) & 1) put(img, m.x + (p % m.width), m.y + Math.floor(p / m.width), c, 0.5);
  }
}

/** Keypoints as discs and, for COCO's 17, the skeleton; points and limbs under 0.25 visibility are skipped. */
export function drawKeypoints(img: RGBAImage, dets: { keypoints: Keypoint[] }[]) {
  const lw = lineWidth(img.width, img.height);
  const seen = (p?: Keypoint) => !!p && (p.visibility ?? 1) >= KPT_CONF && p.x > 0 && p.y > 0;
  for (const { keypoints: k } of dets) {
    const coco = k.length === 17;
    if (coco) {
      COCO_SKELETON.forEach(([i, j], l) => {
        if (seen(k[i - 1]) && seen(k[j - 1])) line(img, k[i - 1], k[j - 1], Math.ceil(lw / 2), POSE_PALETTE[LIMB_COLOR[l]]);
      });
    }
    k.forEach((p, i) => {
      if (seen(p)) disc(img, p.x, p.y, lw + 2, coco ? POSE_PALETTE[KPT_COLOR[i]] : classColor(i));
    });
  }
}

/** A classify model's top-k, one `label score` line each, white on a dark band, in the top-left corner. */
export function drawTopK(img: RGBAImage, top: Classification[]) {
  const s = Math.max(1, Math.round(lineWidth(img.width, img.height) / 1.5));
  top.forEach((c, row) => {
    const text = `${c.label} ${c.score.toFixed(2)}`;
    const y0 = s * (2 + row * (GLYPH_H + 3));
    for (let y = y0 - s; y < y0 + (GLYPH_H + 1) * s; y++) for (let x = 0; x < (text.length * ADVANCE + 3) * s; x++) put(img, x, y, [0, 0, 0], 0.6);
    [...text].forEach((ch, k) => {
      glyph(ch).forEach((bits, r) => {
        for (let col = 0; col < 5; col++) {
          if (!(bits & (16 >> col))) continue;
          for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) put(img, (2 + k * ADVANCE + col) * s + dx, y0 + r * s + dy, [255, 255, 255]);
        }
      });
    });
  });
}
