/** Drawing a radiograph with its boxes, and zoom (wheel, at the cursor) / pan (drag) / fit (double-click). */
import { classColor, labelRect, labelSize, labelText, lineWidth, textColor } from '../src/draw/draw-boxes.js';

interface Box { box: [number, number, number, number]; score: number; classId: number; label: string }

let zoom = 1;
let tx = 0;
let ty = 0;
let canvasEl: HTMLCanvasElement | undefined;
let viewerEl: HTMLElement | undefined;

const apply = () => canvasEl && (canvasEl.style.transform = `translate(${tx}px, ${ty}px) scale(${zoom})`);
const css = (c: number[]) => `rgb(${c.join(' ')})`;

/**
 * The image at its own resolution (`scale` < 1 when it was analysed downscaled), boxes in its pixels,
 * labelled as the CLI's --save draws them (src/draw/draw-boxes.ts): outline and label box in the
 * class colour, line width as Ultralytics', the label above the box's top-left corner (inside the
 * box at the image's top), black or white text; canvas text here instead of the bitmap font, with
 * the same label box size (capitals 7·lw high, lw of padding).
 */
export function drawResult(canvas: HTMLCanvasElement, image: ImageBitmap | ImageData, boxes: Box[], scale: number, heat?: { canvas: OffscreenCanvas; opacity: number }) {
  canvas.width = image.width;
  canvas.height = image.height;
  const g = canvas.getContext('2d')!;
  if (image instanceof ImageData) g.putImageData(image, 0, 0);
  else g.drawImage(image, 0, 0);
  if (heat) { // the EigenCAM overlay (app/heatmap.ts), under the boxes
    g.globalAlpha = heat.opacity;
    g.drawImage(heat.canvas, 0, 0, image.width, image.height);
    g.globalAlpha = 1;
  }
  const lw = lineWidth(image.width, image.height);
  g.lineWidth = lw;
  g.font = `${10 * lw}px system-ui, sans-serif`; // cap height ≈ 0.7 em = 7·lw
  g.textBaseline = 'alphabetic';
  for (const b of boxes) {
    const box = b.box.map((v) => v * scale);
    const [x1, y1, x2, y2] = box.map(Math.round);
    const c = classColor(b.classId);
    g.strokeStyle = g.fillStyle = css(c);
    g.strokeRect(x1 + lw / 2, y1 + lw / 2, x2 + 1 - x1 - lw, y2 + 1 - y1 - lw); // inside the box, as the bitmap outline
    const text = labelText(b);
    const r = labelRect(box, Math.ceil(g.measureText(text).width) + 2 * lw, labelSize(text, lw).h, image.width);
    g.fillRect(r.x, r.y, r.w, r.h);
    g.fillStyle = css(textColor(c));
    g.fillText(text, r.x + lw, r.y + 8 * lw); // baseline where the bitmap font's is: lw padding + 7·lw capitals
  }
}

export function fitView() {
  if (!canvasEl || !viewerEl || !canvasEl.width) return;
  zoom = Math.min(viewerEl.clientWidth / canvasEl.width, viewerEl.clientHeight / canvasEl.height, 1) || 1;
  tx = (viewerEl.clientWidth - canvasEl.width * zoom) / 2;
  ty = (viewerEl.clientHeight - canvasEl.height * zoom) / 2;
  apply();
}

export function setupPanZoom(viewer: HTMLElement, canvas: HTMLCanvasElement) {
  canvasEl = canvas;
  viewerEl = viewer;
  viewer.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = viewer.getBoundingClientRect();
    const [mx, my] = [e.clientX - r.left, e.clientY - r.top];
    const f = Math.exp(-e.deltaY / 500);
    const z = Math.min(20, Math.max(0.05, zoom * f));
    tx = mx - ((mx - tx) * z) / zoom;
    ty = my - ((my - ty) * z) / zoom;
    zoom = z;
    apply();
  }, { passive: false });
  let drag: { x: number; y: number } | undefined;
  viewer.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX - tx, y: e.clientY - ty };
    viewer.setPointerCapture(e.pointerId);
  });
  viewer.addEventListener('pointermove', (e) => {
    if (!drag) return;
    tx = e.clientX - drag.x;
    ty = e.clientY - drag.y;
    apply();
  });
  viewer.addEventListener('pointerup', () => (drag = undefined));
  viewer.addEventListener('dblclick', fitView);
  window.addEventListener('resize', fitView);
}
