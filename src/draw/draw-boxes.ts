/**
 * Drawing detections onto an RGBA image in memory (for the CLI's --save): box outlines in a
 * per-class colour (Ultralytics' palette), thickness scaled to the image size.
 */
export interface RGBAImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major. */
  data: Uint8Array;
}

/** Ultralytics' default 20-colour palette (utils/plotting.py Colors). */
const PALETTE = [
  'FF3838', 'FF9D97', 'FF701F', 'FFB21D', 'CFD231', '48F90A', '92CC17', '3DDB86', '1A9334', '00D4BB',
  '2C99A8', '00C2FF', '344593', '6473FF', '0018EC', '8438FF', '520085', 'CB38FF', 'FF95C8', 'FF37C7',
].map((h) => [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)]);

export const classColor = (classId: number) => PALETTE[classId % PALETTE.length];

/** Draw box outlines in place. Boxes are [x1, y1, x2, y2] in image pixels. */
export function drawBoxes(img: RGBAImage, boxes: { box: [number, number, number, number]; classId: number }[]) {
  const t = Math.max(1, Math.round((img.width + img.height) / 2 * 0.003));
  const put = (x: number, y: number, c: number[]) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    const i = (y * img.width + x) * 4;
    img.data[i] = c[0];
    img.data[i + 1] = c[1];
    img.data[i + 2] = c[2];
    img.data[i + 3] = 255;
  };
  for (const { box, classId } of boxes) {
    const c = classColor(classId);
    const [x1, y1, x2, y2] = box.map(Math.round);
    for (let k = 0; k < t; k++) {
      for (let x = x1; x <= x2; x++) {
        put(x, y1 + k, c);
        put(x, y2 - k, c);
      }
      for (let y = y1; y <= y2; y++) {
        put(x1 + k, y, c);
        put(x2 - k, y, c);
      }
    }
  }
}
