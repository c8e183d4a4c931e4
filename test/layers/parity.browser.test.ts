/**
 * Layer-by-layer parity with ONNX Runtime on the real yolo11n COCO weights, in headless Chromium
 * (WebGPU on SwiftShader): every `model.N` output, C2PSA's attention, Detect's level tensors and
 * output0 within max|Δ| ≤ 1e-3 · max|ref|, on 3 FracAtlas radiographs, at 640×640, 320×320 and 256×384.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { LAYERS, PARITY_IMAGES, cocoWeights, referenceDir } from '../helpers/parity-data.js';
import type { LayerDiff } from '../browser/entries/parity.js';

const TOL = 1e-3;
let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

/**
 * yolo11n's 3×3 stride-1 convolution shapes at 256×384 that the 'winograd' case's class choice reaches
 * (depthwise ones excepted; the lane-use guard keeps a few thin ones on the default kernel, more of them
 * for F(4×4), whose 4×4 tiles leave fewer lanes busy on small planes).
 */
const WINOGRAD_SHAPES = { winograd: 8, winograd4: 7 };
/** The same for the 'splitk' case: its 3×3 shapes whose 9·Cin splits in 4 (not `model.0`'s 27) and whose lanes stay busy. */
const SPLITK_SHAPES = 18;

describe('yolo11n layer parity vs ONNX Runtime (Chromium WebGPU)', () => {
  // The kernel choice for this adapter on 3 images at 3 sizes, then the other conv kernel (workgroup tiles,
  // chosen on real GPUs) on one, every 3×3 convolution as im2col + 1×1 (what the tuner picks for many) on
  // one, every 3×3 convolution the class choice reaches as split-K im2col on one, and every 3×3 stride-1 convolution as Winograd F(2×2, 3×3) and F(4×4, 3×3) on one each (planes
  // down to 8×12, tiles past their edges; F(4×4) also on its 8-channel GEMM tile for the one 16 → 8 convolution).
  test.each([[640, 640, 3, undefined], [320, 320, 3, undefined], [256, 384, 3, undefined], [320, 320, 1, 'tiled'], [256, 384, 1, 'im2col'], [256, 384, 1, 'splitk'], [256, 384, 1, 'winograd'], [256, 384, 1, 'winograd4']] as [number, number, number, 'tiled' | 'im2col' | 'splitk' | 'winograd' | 'winograd4' | undefined][])('%i×%i, %i images, conv kernel %s', async (h, w, n, kernel) => {
    const weights = await cocoWeights();
    const dir = await referenceDir([h, w]);
    const r = await s.call<{ diffs: LayerDiff[]; ms: number; dispatches: number; im2col: number; winograd: number; splitK: number; winograd8: number }>('/test/browser/entries/parity.ts', 'runParity', weights, [h, w], dir, n, LAYERS, kernel);
    if (kernel === 'im2col') expect(r.im2col).toBeGreaterThanOrEqual(20); // the 3×3 shapes (depthwise ones excepted) of yolo11n
    if (kernel === 'splitk') expect(r.splitK).toBeGreaterThanOrEqual(SPLITK_SHAPES);
    if (kernel === 'winograd' || kernel === 'winograd4') expect(r.winograd).toBeGreaterThanOrEqual(WINOGRAD_SHAPES[kernel]);
    if (kernel === 'winograd4') expect(r.winograd8).toBe(1); // model.2.m.0.cv1 (16 → 8) on the 8-channel GEMM tile
    const worst = r.diffs.reduce((a, d) => (d.maxAbs / Math.max(d.maxRef, 1e-12) > a.maxAbs / Math.max(a.maxRef, 1e-12) ? d : a));
    console.log(`${h}×${w} (${kernel ?? 'adapter default'}): ${r.diffs.length} comparisons, worst ${worst.layer} (image ${worst.image}) max|Δ| ${worst.maxAbs.toExponential(2)} = ${(worst.maxAbs / worst.maxRef).toExponential(2)}·max|ref|; ${r.dispatches} dispatches; ${(r.ms / 1000).toFixed(1)} s`);
    const first = r.diffs.find((d) => !(d.maxAbs <= TOL * d.maxRef));
    expect(first, first && `first diverging layer: ${first.layer} on image ${first.image}: max|Δ| ${first.maxAbs} > ${TOL}·${first.maxRef}`).toBeUndefined();
  }, 300_000);
});
