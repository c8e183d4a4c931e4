/** Drawing a radiograph with its boxes, and zoom (wheel, at the cursor) / pan (drag) / fit (double-click). */
interface Box { box: [number, number, number, number]; score: number; label: string }

let zoom = 1;
let tx = 0;
let ty = 0;
let canvasEl: HTMLCanvasElement | undefined;
let viewerEl: HTMLElement | undefined;

const apply = () => canvasEl && (canvasEl.style.transform = `translate(${tx}px, ${ty}px) scale(${zoom})`);

/** The image at its own resolution (`scale` < 1 when it was analysed downscaled), boxes in its pixels. */
export function drawResult(canvas: HTMLCanvasElement, image: ImageBitmap | ImageData, boxes: Box[], scale: number) {
  canvas.width = image.width;
  canvas.height = image.height;
  const g = canvas.getContext('2d')!;
  if (image instanceof ImageData) g.putImageData(image, 0, 0);
  else g.drawImage(image, 0, 0);
  const lw = Math.max(2, Math.round(Math.max(image.width, image.height) / 400));
  g.lineWidth = lw;
  g.font = `${6 * lw}px system-ui, sans-serif`;
  for (const b of boxes) {
    const [x1, y1, x2, y2] = b.box.map((v) => v * scale);
    g.strokeStyle = '#ff3b3b';
    g.strokeRect(x1, y1, x2 - x1, y2 - y1);
    const text = `${b.label} ${b.score.toFixed(2)}`;
    const w = g.measureText(text).width + 2 * lw;
    g.fillStyle = '#ff3b3b';
    g.fillRect(x1, Math.max(0, y1 - 7 * lw), w, 7 * lw);
    g.fillStyle = '#fff';
    g.fillText(text, x1 + lw, Math.max(6 * lw, y1 - lw));
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
