/**
 * The attention kernels (shaders/attention.wgsl and the generated attention-rt*.wgsl) on real WebGPU
 * (headless Chromium) against a naive float64 transcription of Ultralytics Attention.forward
 * (q·k scores, softmax, v·attnᵀ, + pe(v)). The output is a channel slice of a larger tensor; every
 * other arena element is a sentinel that must not change.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attentionQueryTile, attentionScratchElements, planAttention, type AttentionKernel } from '../../src/ops/attention.js';
import type { Dispatch } from '../../src/ops/types.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { maxAbsDiff, randomArray } from '../helpers/kernel.js';
import { refAttention } from '../helpers/ref-misc.js';

const SENTINEL = 31337.5;

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

async function run(d: Dispatch[], arena: Float32Array, weights: Float32Array): Promise<Float32Array> {
  const r = await s.call<{ arena: number[] }>('/test/browser/entries/kernels.ts', 'runDispatches', d, Array.from(arena), Array.from(weights));
  expect(s.errors).toEqual([]);
  return Float32Array.from(r.arena);
}

interface Case { heads: number; kd: number; hd: number; h: number; w: number; range?: number; tq?: number; kernel?: AttentionKernel }

/**
 * Arena: [7 sentinels][qkv][3 sentinels][out tensor: 1 channel | attention output C | 2 channels][5 sentinels]
 * [scratch, for the kernels that need it][4 sentinels]; scratch may change, nothing else outside the output.
 * Weights: [junk][pe weights at 64][junk][pe bias, 64-aligned][junk].
 */
async function check({ heads, kd, hd, h, w, range = 1, tq, kernel = 'loop' }: Case) {
  const n = h * w;
  const cq = heads * (2 * kd + hd);
  const C = heads * hd;
  const seed = heads * 1000 + kd * 100 + hd + h * 7 + w;
  const qkv = randomArray(cq * n, seed, -range, range);
  const peW = randomArray(C * 9, seed + 1, -0.5, 0.5);
  const peB = randomArray(C, seed + 2);
  const qkvOff = 7;
  const outOff = qkvOff + qkv.length + 3 + n;
  const scratchOff = outOff + (C + 2) * n + 5;
  const scratchLen = attentionScratchElements(heads, n, kernel);
  const arena = new Float32Array(scratchOff + scratchLen + 4).fill(SENTINEL);
  arena.set(qkv, qkvOff);
  const wOff = 64;
  const bOff = Math.ceil((wOff + peW.length + 1) / 64) * 64;
  const weights = randomArray(bOff + Math.ceil((C + 1) / 64) * 64, seed + 3, 50, 60); // junk: used by mistake → visible
  weights.set(peW, wOff);
  weights.set(peB, bOff);
  let d = planAttention({
    label: 'test.attn', qkv: { offset: qkvOff, c: cq, h, w }, output: { offset: outOff, c: C, h, w },
    heads, keyDim: kd, headDim: hd, peWeightOffset: wOff, peBiasOffset: bOff,
    scratch: { offset: scratchOff, c: Math.max(1, scratchLen), h: 1, w: 1 },
  }, kernel);
  expect(d).toHaveLength(kernel === 'split-sg' ? 4 : 1);
  if (tq) d = [{ ...d[0], constants: { ...d[0].constants, TQ: tq }, workgroups: [Math.ceil(n / tq), heads, 1] }];
  const out = await run(d, arena, weights);
  const ref = refAttention(qkv, h, w, heads, kd, hd, peW, peB);
  const scale = Math.max(1, ...Array.from(ref, Math.abs));
  const err = maxAbsDiff(out.subarray(outOff, outOff + ref.length), ref);
  expect(err).toBeLessThanOrEqual(1e-4 * scale);
  const inScratch = (i: number) => i >= scratchOff && i < scratchOff + scratchLen;
  const changed = [...out].findIndex((v, i) => (i < outOff || i >= outOff + ref.length) && !inScratch(i) && v !== arena[i]);
  expect(changed, 'first changed element outside the output slice').toBe(-1);
  return err;
}

describe('C2PSA attention (headless Chromium WebGPU)', () => {
  const shapes: Case[] = [
    { heads: 2, kd: 32, hd: 64, h: 10, w: 10 }, // yolo11n model.10 at 320×320
    { heads: 2, kd: 32, hd: 64, h: 20, w: 20 }, // yolo11n model.10 at 640×640: N = 400, 7 key tiles
    { heads: 2, kd: 32, hd: 64, h: 8, w: 12 }, // rectangular
    { heads: 4, kd: 32, hd: 64, h: 6, w: 7 }, // yolo11s/m/l head count
    { heads: 1, kd: 5, hd: 12, h: 5, w: 7 }, // odd dims: key tiles of 12, 35 = 2·12 + 11 keys
    { heads: 3, kd: 2, hd: 9, h: 1, w: 1 }, // a single position (hd 9: the subgroup kernel falls back to rt)
  ];
  const kernels: AttentionKernel[] = ['loop', 'rt', 'rt-sg', 'split-sg'];
  test.each(kernels.flatMap((kernel) => shapes.map((c) => ({ ...c, kernel }))))('$kernel: heads $heads keyDim $kd headDim $hd at $h×$w', async (c) => {
    await check(c);
  });

  test.each(kernels)('%s: large logits: the softmax subtracts the running row max (no overflow to inf/NaN)', async (kernel) => {
    // |q|, |k| ≤ 6, keyDim 32: scores reach ~±200, exp() of which overflows f32.
    await check({ heads: 2, kd: 32, hd: 64, h: 9, w: 11, range: 6, kernel });
  });

  test.each([16, 5, 1])('query tile TQ = %i gives the same result', async (tq) => {
    await check({ heads: 2, kd: 32, hd: 64, h: 7, w: 9, tq });
  });

  test('the planner picks 8 queries per workgroup at yolo11n 640 and 16 at 1280', () => {
    expect(attentionQueryTile(400, 2, 64)).toBe(8);
    expect(attentionQueryTile(1600, 2, 64)).toBe(16);
  });
});
