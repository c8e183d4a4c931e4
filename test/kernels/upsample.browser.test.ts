/**
 * shaders/upsample2x.wgsl on real WebGPU (headless Chromium; Dawn for Node 0.6 aborts vitest's worker
 * at random on SwiftShader, see README) against a naive nearest 2× upsample. The output is a channel
 * slice of a larger concat tensor; every other arena element is a sentinel that must not change.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planUpsample } from '../../src/ops/upsample.js';
import type { Dispatch } from '../../src/ops/types.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { maxAbsDiff, randomArray } from '../helpers/kernel.js';
import { refUpsample2x } from '../helpers/ref-misc.js';

const SENTINEL = -4242.5;

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

/** Arena: [3 sentinels][input c×h×w][5 sentinels][concat: before ch | output c | after ch][2 sentinels]. */
async function check(c: number, h: number, w: number, before: number, after: number, fold?: (d: Dispatch) => Dispatch) {
  const x = randomArray(c * h * w, 1000 * c + 10 * h + w, -3, 3);
  const ohw = 4 * h * w;
  const inOff = 3;
  const catOff = inOff + x.length + 5;
  const outOff = catOff + before * ohw;
  const arena = new Float32Array(catOff + (before + c + after) * ohw + 2).fill(SENTINEL);
  arena.set(x, inOff);
  let d = planUpsample({ label: 'test.up', input: { offset: inOff, c, h, w }, output: { offset: outOff, c, h: 2 * h, w: 2 * w } });
  if (fold) d = fold(d);
  const out = await run([d], arena);
  const ref = refUpsample2x(x, c, h, w);
  expect(maxAbsDiff(out.subarray(outOff, outOff + ref.length), ref)).toBe(0);
  const changed = [...out].findIndex((v, i) => (i < outOff || i >= outOff + ref.length) && v !== arena[i]);
  expect(changed, 'first changed element outside the output slice').toBe(-1);
}

describe('nearest 2× upsample (headless Chromium WebGPU)', () => {
  test.each([
    [3, 5, 7, 2, 1],
    [8, 10, 10, 0, 4],
    [1, 1, 1, 1, 0],
    [5, 3, 9, 3, 3],
  ])('c=%i %i×%i into a concat slice (%i channels before, %i after)', async (c, h, w, before, after) => {
    await check(c, h, w, before, after);
  });

  test('a grid folded into y covers every element once (as grid1d folds past 65535 groups)', async () => {
    // 3·(2·7)·(2·6) = 504 outputs = 8 groups of 64, folded as 3 × 3 (one spare group).
    await check(3, 7, 6, 1, 1, (d) => ({ ...d, workgroups: [3, 3, 1] }));
  });
});
