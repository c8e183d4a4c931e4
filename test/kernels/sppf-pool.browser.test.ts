/**
 * shaders/sppf-pool.wgsl on real WebGPU (headless Chromium; Dawn for Node 0.6 aborts vitest's worker
 * at random on SwiftShader, see README) against the naive chained pool with −inf padding.
 * The input is slice 0 of SPPF's concat tensor (4c × h × w) and the three results go to slices 1–3;
 * everything else in the arena is a sentinel that must stay as it was.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planSppfPool } from '../../src/ops/sppf-pool.js';
import type { Dispatch, View } from '../../src/ops/types.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { maxAbsDiff, randomArray } from '../helpers/kernel.js';
import { refMaxPoolZeroPad, refSppfPools } from '../helpers/ref-misc.js';

const SENTINEL = 7777.25;

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

async function run(d: Dispatch[], arena: Float32Array): Promise<Float32Array> {
  const r = await s.call<{ arena: number[] }>('/test/browser/entries/kernels.ts', 'runDispatches', d, Array.from(arena), [0]);
  expect(s.errors).toEqual([]);
  return Float32Array.from(r.arena);
}

interface Opts { lo?: number; hi?: number; k?: number; fold?: (d: Dispatch) => Dispatch; kernel?: 'loop' | 'rt' }

async function runSppf(c: number, h: number, w: number, seed: number, { lo = -1, hi = 1, k = 5, fold, kernel }: Opts = {}) {
  const hw = h * w;
  const base = 37; // the concat tensor starts at an odd element offset
  const arena = new Float32Array(base + 4 * c * hw + 29).fill(SENTINEL);
  const x = randomArray(c * hw, seed, lo, hi);
  arena.set(x, base);
  const slice = (j: number): View => ({ offset: base + j * c * hw, c, h, w });
  let d = planSppfPool({ label: 'test.sppf', input: slice(0), outputs: [slice(1), slice(2), slice(3)], k }, kernel);
  if (fold) d = fold(d);
  const out = await run([d], arena);
  const got = [1, 2, 3].map((j) => out.subarray(base + j * c * hw, base + (j + 1) * c * hw));
  // Nothing outside slices 1..3 may change (slice 0 is the input).
  const outside = [...out.subarray(0, base + c * hw), ...out.subarray(base + 4 * c * hw)];
  const before = [...arena.subarray(0, base + c * hw), ...arena.subarray(base + 4 * c * hw)];
  return { x, got, outside, before };
}

describe('SPPF pool (headless Chromium WebGPU)', () => {
  const shapes = [[3, 5, 7], [4, 20, 20], [2, 13, 1], [5, 1, 9], [2, 16, 11], [17, 21, 37]];
  test.each((['loop', 'rt'] as const).flatMap((kernel) => shapes.map(([c, h, w]) => ({ kernel, c, h, w }))))('$kernel: c=$c $h×$w: three chained 5×5 −inf-padded max-pools, one dispatch', async ({ kernel, c, h, w }) => {
    const { x, got, outside, before } = await runSppf(c, h, w, 11 * c + h + w, { kernel });
    const ref = refSppfPools(x, c, h, w, 5);
    for (let j = 0; j < 3; j++) expect(maxAbsDiff(got[j], ref[j]), `y${j + 1}`).toBe(0);
    expect(outside).toEqual(before);
  });

  test.each(['loop', 'rt'] as const)('%s: negative inputs: −inf padding, not zero padding (the candle / tinygrad bug)', async (kernel) => {
    const [c, h, w] = [3, 5, 7];
    const { x, got } = await runSppf(c, h, w, 99, { lo: -3, hi: -0.5, kernel }); // all negative, like many SiLU outputs
    const ref = refSppfPools(x, c, h, w, 5);
    for (let j = 0; j < 3; j++) expect(maxAbsDiff(got[j], ref[j])).toBe(0);
    for (const y of got) for (const v of y) expect(v).toBeLessThan(0);
    const zero = refMaxPoolZeroPad(x, c, h, w, 5);
    expect(maxAbsDiff(got[0], zero)).toBeGreaterThan(0.5);
  });

  test('a grid folded into y covers every pixel once (as grid1d folds past 65535 groups)', async () => {
    // 3·9·10 = 270 pixels = 5 groups of 64, folded as 2 × 3 (one spare group).
    const [c, h, w] = [3, 9, 10];
    const { x, got, outside, before } = await runSppf(c, h, w, 4, { fold: (d) => ({ ...d, workgroups: [2, 3, 1] }) });
    const ref = refSppfPools(x, c, h, w, 5);
    for (let j = 0; j < 3; j++) expect(maxAbsDiff(got[j], ref[j])).toBe(0);
    expect(outside).toEqual(before);
  });

  test('k = 3 (R = 1): the radius is a pipeline constant, not baked in', async () => {
    const [c, h, w] = [2, 6, 5];
    const { x, got, outside, before } = await runSppf(c, h, w, 8, { k: 3 });
    const ref = refSppfPools(x, c, h, w, 3);
    for (let j = 0; j < 3; j++) expect(maxAbsDiff(got[j], ref[j])).toBe(0);
    expect(outside).toEqual(before);
  });

  test('the chained pools equal single 5×5, 9×9, 13×13 windows clipped to the image', () => {
    const [c, h, w] = [2, 15, 17];
    const x = randomArray(c * h * w, 5, -2, 1);
    const [y1, y2, y3] = refSppfPools(x, c, h, w, 5);
    const clipped = (r: number) => {
      const y = new Float32Array(c * h * w);
      for (let ch = 0; ch < c; ch++) {
        for (let oy = 0; oy < h; oy++) {
          for (let ox = 0; ox < w; ox++) {
            let m = -Infinity;
            for (let iy = Math.max(0, oy - r); iy <= Math.min(h - 1, oy + r); iy++) {
              for (let ix = Math.max(0, ox - r); ix <= Math.min(w - 1, ox + r); ix++) m = Math.max(m, x[(ch * h + iy) * w + ix]);
            }
            y[(ch * h + oy) * w + ox] = m;
          }
        }
      }
      return y;
    };
    expect(maxAbsDiff(y1, clipped(2))).toBe(0);
    expect(maxAbsDiff(y2, clipped(4))).toBe(0);
    expect(maxAbsDiff(y3, clipped(6))).toBe(0);
  });
});
