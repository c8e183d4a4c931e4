import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import type { Dispatch } from '../../src/ops/types.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

describe('WebGPU smoke (headless Chromium)', () => {
  test('a WGSL kernel runs on the page\'s adapter and computes a*x+b', async () => {
    const info = await s.call<{ vendor: string; features: string[] }>('/test/browser/entries/kernels.ts', 'adapterInfo');
    expect(info.features).toBeInstanceOf(Array);
    const n = 1000;
    const x = Array.from({ length: n }, (_, i) => i * 0.5 - 7);
    const d: Dispatch = { label: 'smoke', shader: 'smoke', constants: { WG: 64 }, uniforms: { n, a: 3, b: -2 }, workgroups: [Math.ceil(n / 64), 1, 1], buffers: { x: 'x', y: 'y' } };
    // The smoke kernel has no arena/weights bindings; pass x and y as extra buffers.
    const r = await s.call<{ extra: Record<string, number[]> }>('/test/browser/entries/kernels.ts', 'runDispatches', [d], [0], [0], {
      x: { type: 'f32', data: x }, y: { type: 'f32', data: new Array(n).fill(0) },
    });
    expect(r.extra.y).toEqual(x.map((v) => Math.fround(3 * v - 2)));
    expect(s.errors).toEqual([]);
  });
});
