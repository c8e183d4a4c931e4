/**
 * WebGPU smoke test in headless Chromium: the project's own device code (src/gpu/device.ts),
 * pipeline cache and uniform packing (through test/helpers/kernel.ts's runKernel) run
 * shaders/smoke.wgsl (y = a·x + b) in the page. The Node/Dawn twin is test/kernels/smoke.node.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, openBrowser, type BrowserSession } from '../helpers/browser.js';
import type { Dispatch } from '../../src/ops/types.js';

const ENTRY = '/test/browser/entries/kernels.ts';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

/** shaders/smoke.wgsl on n values with workgroup size wg, through the project's PipelineCache + packUniforms. */
async function smoke(n: number, wg: number, a: number, b: number) {
  const x = Array.from({ length: n }, (_, i) => i * 0.5 - 7);
  const d: Dispatch = { label: 'smoke', shader: 'smoke', constants: { WG: wg }, uniforms: { n, a, b }, workgroups: [Math.ceil(n / wg), 1, 1], buffers: { x: 'x', y: 'y' } };
  // The smoke kernel has no arena/weights bindings; x and y are extra buffers. y has 3 sentinels past n.
  const r = await s.call<{ extra: Record<string, number[]> }>(ENTRY, 'runDispatches', [d], [0], [0], {
    x: { type: 'f32', data: x }, y: { type: 'f32', data: new Array(n + 3).fill(-1234) },
  });
  return { x, y: r.extra.y };
}

describe('WebGPU smoke (headless Chromium)', () => {
  test('the page has a WebGPU adapter; the project\'s requestGPUContext gets a device on it', async () => {
    const info = await s.call<{ vendor: string; architecture: string; description: string; features: string[] }>(ENTRY, 'adapterInfo');
    // Reported, not asserted: SwiftShader on CPU-only machines, the real GPU elsewhere.
    console.info(`Chromium WebGPU adapter: ${JSON.stringify({ ...s.adapter, features: info.features })}`);
    expect(info.vendor).toBe(s.adapter.vendor);
    expect(info.features).toBeInstanceOf(Array);
    expect(await s.runInPage((k: number) => typeof navigator.gpu === 'object' && k + 1, 41)).toBe(42);
    expect(await s.runInPage('navigator.gpu.getPreferredCanvasFormat()')).toMatch(/^(bgra|rgba)8unorm$/);
  });

  test('shaders/smoke.wgsl computes a*x+b exactly and respects its bounds guard', async () => {
    for (const [n, wg] of [[1000, 64], [77, 256]]) {
      const { x, y } = await smoke(n, wg, 3, -2);
      expect(y.slice(0, n)).toEqual(x.map((v) => Math.fround(3 * v - 2)));
      expect(y.slice(n)).toEqual([-1234, -1234, -1234]);
    }
    expect(s.errors).toEqual([]);
  });

  test('without --enable-unsafe-webgpu the helper fails with a message naming what to install', async () => {
    const args = CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu');
    await expect(openBrowser({ args })).rejects.toThrow(/headless Chromium has no (WebGPU adapter|navigator\.gpu).*apt-get install -y chromium/);
  });
});
