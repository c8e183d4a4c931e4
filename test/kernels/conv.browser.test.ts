import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { maxAbsDiff, randomArray } from '../helpers/kernel.js';
import { refConv } from '../helpers/ref-conv.js';
import { packConvWeights, packSplitKWeights, planConvSteps } from '../../src/ops/conv.js';
import { CONV_VARIANTS, GENERIC, adapterTraits, im2colElements, im2colRows, convKind, scratchFits, variantRuns, type AdapterTraits } from '../../src/ops/conv-variants.js';
import { packWinogradWeights, winogradElements, winogradScratch, winogradTiles } from '../../src/ops/winograd.js';

interface Case { cin: number; cout: number; h: number; w: number; k: number; stride: number; groups: number; act: boolean; res: boolean; inPlace?: boolean; wide?: boolean }

const cases: Case[] = [
  { cin: 3, cout: 13, h: 7, w: 5, k: 3, stride: 2, groups: 1, act: true, res: false },
  { cin: 16, cout: 8, h: 9, w: 11, k: 1, stride: 1, groups: 1, act: true, res: true },
  { cin: 5, cout: 17, h: 6, w: 6, k: 3, stride: 1, groups: 1, act: false, res: false },
  { cin: 8, cout: 8, h: 10, w: 7, k: 3, stride: 1, groups: 1, act: true, res: true },
  { cin: 12, cout: 12, h: 5, w: 9, k: 3, stride: 1, groups: 12, act: true, res: false },
  { cin: 7, cout: 7, h: 19, w: 21, k: 3, stride: 1, groups: 7, act: true, res: true },
  { cin: 6, cout: 6, h: 8, w: 7, k: 3, stride: 2, groups: 6, act: false, res: true },
  { cin: 40, cout: 70, h: 13, w: 11, k: 3, stride: 1, groups: 1, act: true, res: false }, // several K slices and tiles
  // Register-tile edges: channel tails (cout 1, 33), a row shorter than the lane row, tall and wide planes,
  // an odd plane under stride 2, more pixels than one pixel tile, 1×1 planes.
  { cin: 7, cout: 1, h: 3, w: 21, k: 1, stride: 1, groups: 1, act: true, res: false, wide: true },
  { cin: 9, cout: 33, h: 17, w: 35, k: 1, stride: 1, groups: 1, act: true, res: true, wide: true },
  { cin: 24, cout: 40, h: 23, w: 29, k: 3, stride: 1, groups: 1, act: true, res: true, wide: true }, // 3 channel tiles: 2 rows of lanes
  { cin: 4, cout: 16, h: 19, w: 3, k: 3, stride: 1, groups: 1, act: true, res: true },
  { cin: 6, cout: 20, h: 2, w: 40, k: 3, stride: 1, groups: 1, act: false, res: false, wide: true },
  { cin: 5, cout: 18, h: 11, w: 13, k: 3, stride: 2, groups: 1, act: true, res: false },
  { cin: 3, cout: 16, h: 34, w: 36, k: 3, stride: 2, groups: 1, act: true, res: false, wide: true },
  { cin: 8, cout: 24, h: 13, w: 11, k: 3, stride: 2, groups: 1, act: true, res: true, wide: true }, // split-K's equal slices of 9·Cin
  { cin: 2, cout: 16, h: 1, w: 1, k: 3, stride: 1, groups: 1, act: true, res: false },
  { cin: 2, cout: 16, h: 1, w: 1, k: 3, stride: 2, groups: 1, act: true, res: false },
  // The residual is the output, accumulated in place (training's input gradients): lanes past the
  // plane's end, which otherwise store a clamped copy again, would add it twice.
  { cin: 16, cout: 8, h: 9, w: 11, k: 1, stride: 1, groups: 1, act: false, res: true, inPlace: true },
  { cin: 8, cout: 20, h: 10, w: 7, k: 3, stride: 1, groups: 1, act: false, res: true, inPlace: true, wide: true },
  { cin: 7, cout: 7, h: 19, w: 21, k: 3, stride: 1, groups: 7, act: false, res: true, inPlace: true },
  // Cout in whole 16-channel tiles (FULL_M: lanes past Cout store a copy of the last tile) and rows in
  // whole lane tiles (FULL_N: no row tests), in place and not.
  { cin: 16, cout: 16, h: 8, w: 9, k: 1, stride: 1, groups: 1, act: false, res: true, inPlace: true },
  { cin: 8, cout: 32, h: 16, w: 7, k: 3, stride: 1, groups: 1, act: false, res: true, inPlace: true },
  { cin: 4, cout: 16, h: 16, w: 5, k: 3, stride: 2, groups: 1, act: true, res: false },
  // Whole Winograd tiles (2×2 and 4×4: FULL, no bounds tests in the output transform) and whole depthwise row tiles.
  { cin: 6, cout: 16, h: 8, w: 12, k: 3, stride: 1, groups: 1, act: true, res: true, wide: true },
  { cin: 5, cout: 5, h: 16, w: 9, k: 3, stride: 1, groups: 5, act: true, res: true },
  // The detect head's 10×10 shape (25 F(2×2) tiles, 4 channel tiles): the row-packed Winograd GEMMs fill whole workgroups.
  { cin: 20, cout: 64, h: 10, w: 10, k: 3, stride: 1, groups: 1, act: true, res: false, wide: true },
];

let s: BrowserSession;
let traits: AdapterTraits;
beforeAll(async () => {
  s = await openBrowser();
  const a = await s.call<{ vendor: string; architecture: string; device: string; description: string; features: string[] }>('/test/browser/entries/kernels.ts', 'adapterInfo');
  traits = adapterTraits(a, a.features);
});
afterAll(async () => {
  await s?.close();
});

describe('conv kernels vs naive reference (headless Chromium WebGPU)', () => {
  // Every kernel variant that computes the case's convolution (depthwise: its one kernel).
  // Depthwise: the register family's kernel (3×3 s1) and the generic one.
  // The wide-row twins (the same shaders with rows of 32 or 64 lanes, for GPUs) on the `wide` cases:
  // channel tails, ragged and wide planes, split-K, in place, whole Winograd tiles, the head's 10×10.
  const all = cases.flatMap((c) => (c.groups !== 1 ? [CONV_VARIANTS[0], GENERIC] : CONV_VARIANTS.filter((v) => (v.kind === 'any' || v.kind === convKind(c.k, c.stride)) && (!v.wide || c.wide))).map((v) => ({ ...c, variant: v.id })));
  test.each(all)('$variant: cin $cin cout $cout $h×$w k$k s$stride g$groups act $act res $res in place $inPlace', async (cs) => {
    const variant = CONV_VARIANTS.find((v) => v.id === cs.variant)!;
    // Subgroup variants on an adapter without them: the tuner never offers them there.
    if (!variantRuns(variant, traits)) return;
    // Split-K variants only where their slices are equal (the picker and the tuner check the same).
    if (cs.groups === 1 && !scratchFits(variant, { k: cs.k, stride: cs.stride, cin: cs.cin, cout: cs.cout, outH: 1, outW: 1 })) return;
    const seed = cs.cin * 1000 + cs.cout * 10 + cs.k;
    const x = randomArray(cs.cin * cs.h * cs.w, seed, -2, 2);
    const wt = randomArray(cs.cout * (cs.cin / cs.groups) * cs.k * cs.k, seed + 1, -0.5, 0.5);
    const bias = randomArray(cs.cout, seed + 2);
    const pad = Math.floor(cs.k / 2);
    const oh = Math.floor((cs.h + 2 * pad - cs.k) / cs.stride) + 1;
    const ow = Math.floor((cs.w + 2 * pad - cs.k) / cs.stride) + 1;
    const res = cs.res ? randomArray(cs.cout * oh * ow, seed + 3) : undefined;
    const ref = refConv(x, [cs.cin, cs.h, cs.w], wt, bias, cs.cout, cs.k, cs.stride, cs.groups, cs.act, res);
    // Arena: [5 sentinels][input][7 sentinels][2 channels | output | 1 channel][residual][3 sentinels][im2col or
    // Winograd scratch], sentinel −123.5; only the output and the scratch may change.
    const inOff = 5;
    const outOff = inOff + x.length + 7 + 2 * oh * ow;
    const resOff = outOff + (cs.cout + 1) * oh * ow;
    const colsOff = resOff + (res && !cs.inPlace ? res.length : 0) + 3;
    const wm = cs.groups === 1 ? variant.winograd : undefined;
    const wino = !!wm;
    const ws = winogradScratch(cs.cin, cs.cout, oh, ow, wm ?? 2);
    const mOff = colsOff + ws.v;
    const arena = new Float32Array(colsOff + (variant.im2col ? im2colElements(variant, cs.cin, cs.cout, oh, ow) : wino ? ws.v + ws.m : 0)).fill(-123.5);
    arena.set(x, inOff);
    if (res) arena.set(res, cs.inPlace ? outOff : resOff);
    // Winograd: the transformed weights (and the GEMMs' zero bias) in the packed ones' place.
    // Split-K: the packed weights, then their GEMMs' zero bias.
    const packed = wm ? packWinogradWeights(wt, cs.cin, cs.cout, wm) : variant.splitK && cs.groups === 1 ? packSplitKWeights(wt, cs) : packConvWeights(wt, cs);
    const bOff = Math.ceil(packed.length / 64) * 64;
    const weights = new Float32Array(bOff + Math.ceil(cs.cout / 64) * 64);
    weights.set(packed, 0);
    weights.set(bias, bOff);
    const ds = planConvSteps({
      label: 'test', input: { offset: inOff, c: cs.cin, h: cs.h, w: cs.w }, output: { offset: outOff, c: cs.cout, h: oh, w: ow },
      k: cs.k, stride: cs.stride, groups: cs.groups, act: cs.act, weightOffset: 0, biasOffset: bOff,
      residual: res ? { offset: cs.inPlace ? outOff : resOff, c: cs.cout, h: oh, w: ow } : undefined,
      cols: { offset: colsOff, c: im2colRows(variant, cs.cin, cs.cout), h: oh, w: ow },
      wino: { weightOffset: 0, v: { offset: colsOff, c: winogradElements(wm ?? 2) * cs.cin, h: 1, w: winogradTiles(oh, ow, wm ?? 2) }, m: { offset: mOff, c: winogradElements(wm ?? 2) * cs.cout, h: 1, w: winogradTiles(oh, ow, wm ?? 2) } },
    }, variant);
    expect(ds.length).toBe(wino ? 3 : variant.im2col && cs.groups === 1 ? (variant.splitK ? 3 : 2) : 1);
    const r = await s.call<{ arena: number[] }>('/test/browser/entries/kernels.ts', 'runDispatches', ds, Array.from(arena), Array.from(weights));
    const got = r.arena.slice(outOff, outOff + ref.y.length);
    const scale = Math.max(1, ...Array.from(ref.y, Math.abs));
    expect(maxAbsDiff(got, ref.y)).toBeLessThanOrEqual(1e-4 * scale);
    const outside = r.arena.filter((v, i) => (i < outOff || i >= outOff + ref.y.length) && i < colsOff && v !== arena[i]);
    expect(outside.length).toBe(0);
  });
});
