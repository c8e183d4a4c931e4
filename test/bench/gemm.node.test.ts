/**
 * The GEMM ceiling's subgroup kernels with the wide rows GPUs get (32×2 for subgroups of 32, 64×1 for
 * 64), run on this machine's adapter (Dawn in Node; SwiftShader's subgroups of 4 lie within those rows
 * too) and checked against the CPU dot products the ceiling checks every kernel with.
 */
import { expect, test } from 'vitest';
import { gemmCeiling } from '../../bench/gemm.js';
import { requestGPUContext } from '../../src/gpu/device.js';

test.each([32, 64])('subgroup GEMM kernels with rows for subgroups of %i compute the product', async (size) => {
  const ctx = await requestGPUContext();
  try {
    if (!ctx.device.features.has('subgroups')) return; // no subgroup kernels here
    const shape = { name: 'ragged 37×301×45', m: 37, n: 301, k: 45 };
    const r = await gemmCeiling(ctx.device, { ...ctx.adapterInfo, subgroupMaxSize: size }, 1, [shape]);
    const sg = r.rows.filter((x) => x.kernel.includes('subgroup'));
    expect(sg.map((x) => x.kernel)).toEqual([`rt 16×8 coalesced subgroup (${size}×${64 / size})`, `rt 16×16 coalesced subgroup (${size}×${64 / size})`]);
    for (const x of r.rows) {
      expect('error' in x ? x.error : '').toBe(''); // a wrong product is a row with an error
      if ('maxErr' in x) expect(x.maxErr).toBeLessThan(1e-3);
    }
  } finally {
    ctx.device.destroy();
  }
}, 120_000);
