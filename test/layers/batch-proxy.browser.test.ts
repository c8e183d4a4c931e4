/**
 * Would a batch dimension make sliced inference faster? The plan's kernels are batch-1, so the proxy is
 * the same work in fewer, larger dispatches: one forward of a 640 × 1280 input against two forwards of
 * 640 × 640 (96 dispatches each way per forward on SwiftShader; the side-by-side input is not a batch — its halves
 * see each other — but costs what a batch of 2 would). Prints both times and their ratio; docs/FRACTURE.md
 * quotes `BATCH_PROXY_RUNS=4 npx vitest run test/layers/batch-proxy.browser.test.ts`. A measurement, not a
 * check: it runs only when BATCH_PROXY_RUNS is set (timings never decide a test).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';

const RUNS = Number(process.env.BATCH_PROXY_RUNS ?? 0);
let s: BrowserSession;
beforeAll(async () => {
  if (RUNS > 0) s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

test.skipIf(!(RUNS > 0))('two 640×640 forwards vs one 640×1280 forward (the fracture model, weights/yolo11n-fracture.y11w)', async () => {
  const r = await s.runInPage<{ two640: number[]; one1280: number[] }>(`(async () => {
    const { createDetector } = await import('/src/detector.ts');
    const model = new Uint8Array(await (await fetch('/weights/yolo11n-fracture.y11w')).arrayBuffer());
    const a = await createDetector({ model, inputSize: [640, 640] });
    const b = await createDetector({ model, inputSize: [640, 1280] });
    const xa = new Float32Array(3 * 640 * 640).fill(0.5);
    const xb = new Float32Array(3 * 640 * 1280).fill(0.5);
    await a.forward(xa);
    await b.forward(xb);
    const out = { two640: [], one1280: [] };
    for (let i = 0; i < ${RUNS}; i++) { // interleaved, so load from other work hits both alike
      let t0 = performance.now();
      await a.forward(xa);
      await a.forward(xa);
      out.two640.push(performance.now() - t0);
      t0 = performance.now();
      await b.forward(xb);
      out.one1280.push(performance.now() - t0);
    }
    a.destroy();
    b.destroy();
    return out;
  })()`);
  const med = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  console.log(`batch proxy: 2 × 640×640 ${r.two640.map(Math.round).join(', ')} ms; 1 × 640×1280 ${r.one1280.map(Math.round).join(', ')} ms; ratio of medians ${(med(r.one1280) / med(r.two640)).toFixed(2)}`);
  expect(r.two640.every((t) => t > 0) && r.one1280.every((t) => t > 0)).toBe(true);
}, 1_800_000);
