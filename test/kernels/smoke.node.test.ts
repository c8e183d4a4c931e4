import { describe, expect, test } from 'vitest';
import { nodeGPU } from '../helpers/gpu-node.js';
import { runKernel } from '../helpers/kernel.js';

describe('WebGPU smoke (Node, Dawn)', () => {
  test('a WGSL kernel runs on a real adapter and computes a*x+b', async () => {
    const { device, adapterInfo } = await nodeGPU();
    expect(adapterInfo.vendor + adapterInfo.description).not.toBe('');
    const n = 1000;
    const x = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);
    const { y } = await runKernel(device, {
      shader: 'smoke',
      constants: { WG: 64 },
      uniforms: { n, a: 3, b: -2 },
      buffers: { x, y: new Float32Array(n) },
      workgroups: [Math.ceil(n / 64)],
    });
    for (let i = 0; i < n; i++) expect(y[i]).toBe(3 * x[i] - 2);
  });
});
