/** Line plots as PNG (pngjs): axes in [0, 1]², one polyline per series — PR, F1–confidence and ROC curves. */
import { PNG } from 'pngjs';

const W = 480;
const H = 400;
const M = 40;

export function linePlot(series: { x: number[]; y: number[]; color: [number, number, number] }[], diagonal = false): Buffer {
  const png = new PNG({ width: W, height: H });
  png.data.fill(255);
  const put = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const i = (y * W + x) * 4;
    png.data[i] = c[0];
    png.data[i + 1] = c[1];
    png.data[i + 2] = c[2];
  };
  const px = (v: number) => Math.round(M + v * (W - 2 * M));
  const py = (v: number) => Math.round(H - M - v * (H - 2 * M));
  const line = (x0: number, y0: number, x1: number, y1: number, c: [number, number, number]) => {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let i = 0; i <= n; i++) put(Math.round(x0 + ((x1 - x0) * i) / n), Math.round(y0 + ((y1 - y0) * i) / n), c);
  };
  const grey: [number, number, number] = [180, 180, 180];
  for (let t = 0; t <= 10; t++) {
    line(px(t / 10), py(0), px(t / 10), py(0) + (t % 5 ? 3 : 6), [0, 0, 0]);
    line(px(0), py(t / 10), px(0) - (t % 5 ? 3 : 6), py(t / 10), [0, 0, 0]);
  }
  line(px(0), py(0), px(1), py(0), [0, 0, 0]);
  line(px(0), py(0), px(0), py(1), [0, 0, 0]);
  if (diagonal) line(px(0), py(0), px(1), py(1), grey);
  for (const s of series) {
    for (let i = 1; i < s.x.length; i++) line(px(s.x[i - 1]), py(s.y[i - 1]), px(s.x[i]), py(s.y[i]), s.color);
  }
  return PNG.sync.write(png);
}
