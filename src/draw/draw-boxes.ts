/**
 * Drawing detections onto an RGBA image in memory (the CLI's --save), as Ultralytics' saved
 * predictions look (utils/plotting.py Annotator.box_label): each box outlined in its class colour,
 * and above its top-left corner a filled label in the same colour reading `fracture 0.60`, in black
 * or white, whichever contrasts more. Line width and text size grow with the image as Ultralytics'
 * do. The layout helpers are shared with the viewer app, which draws the same labels with canvas text.
 */
import { GLYPH_H, ADVANCE, glyph, textWidth } from './font.js';

export interface RGBAImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major. */
  data: Uint8Array;
}

export type RGB = [number, number, number];

/** Ultralytics' default 20-colour palette (utils/plotting.py Colors). */
const PALETTE = [
  'FF3838', 'FF9D97', 'FF701F', 'FFB21D', 'CFD231', '48F90A', '92CC17', '3DDB86', '1A9334', '00D4BB',
  '2C99A8', '00C2FF', '344593', '6473FF', '0018EC', '8438FF', '520085', 'CB38FF', 'FF95C8', 'FF37C7',
].map((h) => [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)] as RGB);

export const classColor = (classId: number): RGB => PALETTE[((classId % PALETTE.length) + PALETTE.length) % PALETTE.length];

/** Ultralytics' line width for an h×w×3 image: max(round(sum(im.shape) / 2 · 0.003), 2). */
export const lineWidth = (width: number, height: number) => Math.max(Math.round(((width + height + 3) / 2) * 0.003), 2);

/**
 * Black or white text on `bg`: the one further from its brightness (the YIQ weighting,
 * 0.299 R + 0.587 G + 0.114 B), so light colours get black text and dark or saturated ones white.
 */
export const textColor = (bg: RGB): RGB => (0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2] > 127.5 ? [0, 0, 0] : [255, 255, 255]);

/** The label of a detection, as Ultralytics writes it: `fracture 0.60`. */
export const labelText = (d: { label: string; score: number }) => `${d.label} ${d.score.toFixed(2)}`;

/**
 * Where a label goes, in image pixels (Ultralytics' box_label): its bottom on the box's top edge,
 * left-aligned with the box; inside the box, below the top edge, when there is no room above it
 * (near the image's top); moved left to end at the image's right edge when it would cross it.
 */
export function labelRect(box: readonly number[], w: number, h: number, imageWidth: number) {
  const [x1, y1] = [Math.round(box[0]), Math.round(box[1])];
  const outside = y1 >= h;
  const x = Math.max(0, Math.min(x1, imageWidth - w));
  const y = outside ? y1 - h : Math.max(0, y1);
  return { x, y, w, h, outside };
}

/**
 * A label's size at line width `lw`: the 5×8 font at scale `lw` (capitals 7·lw high, as tall as
 * Ultralytics' cv2 text at fontScale lw/3), `lw` pixels of padding around the text.
 */
export function labelSize(text: string, lw: number) {
  return { w: textWidth(text, lw) + 2 * lw, h: (GLYPH_H - 1) * lw + 2 * lw };
}

/** Draw box outlines and labels in place. Boxes are [x1, y1, x2, y2] in image pixels; anything outside the image is clipped. */
export function drawBoxes(img: RGBAImage, boxes: { box: [number, number, number, number]; classId: number; label?: string; score?: number }[]) {
  const { width: W, height: H } = img;
  const lw = lineWidth(W, H);
  /** Fill [x0, x1) × [y0, y1), clipped to the image. */
  const fill = (x0: number, y0: number, x1: number, y1: number, c: RGB) => {
    const [xa, xb, ya, yb] = [Math.max(0, x0), Math.min(W, x1), Math.max(0, y0), Math.min(H, y1)];
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const i = (y * W + x) * 4;
        img.data[i] = c[0];
        img.data[i + 1] = c[1];
        img.data[i + 2] = c[2];
        img.data[i + 3] = 255;
      }
    }
  };
  for (const d of boxes) {
    if (!d.box.every(Number.isFinite)) continue;
    const c = classColor(d.classId);
    const [x1, y1, x2, y2] = d.box.map(Math.round);
    // The outline, lw pixels thick, inside [x1, x2] × [y1, y2].
    fill(x1, y1, x2 + 1, y1 + lw, c);
    fill(x1, y2 + 1 - lw, x2 + 1, y2 + 1, c);
    fill(x1, y1, x1 + lw, y2 + 1, c);
    fill(x2 + 1 - lw, y1, x2 + 1, y2 + 1, c);
    if (d.label === undefined || d.score === undefined) continue;
    const text = labelText({ label: d.label, score: d.score });
    const { w, h } = labelSize(text, lw);
    const r = labelRect(d.box, w, h, W);
    fill(r.x, r.y, r.x + w, r.y + h, c);
    const ink = textColor(c);
    [...text].forEach((ch, k) => {
      const rows = glyph(ch);
      const gx = r.x + lw + k * ADVANCE * lw;
      rows.forEach((bits, row) => {
        for (let col = 0; col < 5; col++) if (bits & (16 >> col)) fill(gx + col * lw, r.y + lw + row * lw, gx + (col + 1) * lw, r.y + lw + (row + 1) * lw, ink);
      });
    });
  }
}
