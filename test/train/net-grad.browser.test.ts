/**
 * The trainable program's gradient, end to end (src/train/net.ts wiring: channel slices, concats,
 * residuals, the upsample, stride-2 convolutions, depthwise convolutions, both Detect branches, the
 * loss's gradient written back): one image's backward against central differences of the loss
 * computed from the GPU forward (the assigner's targets held, as Ultralytics detaches them), for the largest-gradient weights and biases of convolutions across
 * the neck and head. The fracture model on a FracAtlas radiograph (headless Chromium) at input 64, and at
 * 160 for the neck's convolutions, where the trainer's 3×3 stride-1 convolutions (forward and dX) on the
 * 20×20 and 10×10 levels run as Winograd F(2×2) (plain and row-packed) on this adapter.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { fracAtlasSample, fractureWeights } from '../helpers/train-data.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const CONVS = [
  'model.23.cv3.0.2', 'model.23.cv3.1.1.1', 'model.23.cv3.2.1.0', 'model.23.cv3.0.0.0', 'model.23.cv2.0.2', 'model.23.cv2.1.1', 'model.23.cv2.2.0',
  'model.22.m.0.m.1.cv2', 'model.22.cv1', 'model.20', 'model.19.m.0.cv2', 'model.17', 'model.16.m.0.cv1', 'model.16.cv1', 'model.13.cv2', 'model.13.cv1',
];
/** At 160 the neck's convolutions whose forward or gradient runs through Winograd (20×20 and 10×10 levels). */
const WINOGRAD_CONVS = ['model.22.cv1', 'model.19.m.0.cv2', 'model.16.m.0.cv1', 'model.16.cv1', 'model.13.cv2', 'model.13.cv1'];

test.each([
  [64, 'one-dispatch kernels (planes of 8×8 and less), 16 convolutions', CONVS],
  [160, 'Winograd F(2×2) on the 20×20 and 10×10 levels, forward and dX, 6 convolutions', WINOGRAD_CONVS],
] as const)('neck+head at %i, %s: backward = finite differences of the loss (each one\'s largest-gradient weights)', async (imgsz, what, convs) => {
  const { rows, kernels } = await s.call<{ rows: { conv: string; index: number; analytic: number; numeric: number }[]; kernels: { forward: string[]; backward: string[] } }>(
    '/test/browser/entries/train.ts', 'gradCheck', await fractureWeights(), await fracAtlasSample('IMG0003458'), { scope: 'neck+head', imgsz }, [...convs], 3,
  );
  expect(s.errors).toEqual([]);
  console.log(`${imgsz} (${what}): forward ${kernels.forward.join(', ')}; backward ${kernels.backward.join(', ')}`);
  // Where the register family runs (CPU adapters, whose class table takes Winograd on 20×20 and 10×10
  // planes), the trainer runs Winograd at 160 (U made on the GPU: winograd-weights) and not at 64.
  if (kernels.forward.some((k) => k.startsWith('conv-rt-'))) {
    for (const k of [kernels.forward, kernels.backward]) expect(k.includes('winograd-input') && k.includes('winograd-weights')).toBe(imgsz === 160);
  }
  // Relative to the element's own size, floored at 1 % of the largest gradient checked (below that the
  // differences of an f32 forward are noise).
  const floor = 0.01 * Math.max(...rows.map((r) => Math.abs(r.numeric)));
  const rel = rows.map((r) => Math.abs(r.analytic - r.numeric) / Math.max(Math.abs(r.numeric), floor));
  const sorted = [...rel].sort((a, b) => a - b);
  for (const [i, r] of rows.entries()) console.log(`${r.conv.padEnd(22)} [${r.index}] analytic ${r.analytic.toExponential(4)} numeric ${r.numeric.toExponential(4)} rel ${rel[i].toExponential(1)}`);
  console.log(`${rows.length} elements: median relative error ${sorted[Math.floor(sorted.length / 2)].toExponential(1)}, max ${sorted[sorted.length - 1].toExponential(1)}`);
  expect(sorted[sorted.length - 1]).toBeLessThan(1e-2);
}, 600_000);
