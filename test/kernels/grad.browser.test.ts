/**
 * The backward kernels on real WebGPU (headless Chromium) against finite differences of float64
 * TypeScript forwards (test/helpers/ref-grad.ts) on small random shapes: the convolution's gradient
 * w.r.t. its input, weights and bias (1×1 and 3×3, stride 1 and 2, channel counts that are not
 * multiples of the kernels' tiles), the depthwise 3×3's, SiLU with the residual, and the 2×
 * upsample's. Every gradient is accumulated into a buffer that already holds values, as in training.
 * The relative error (max |GPU − finite difference| / max |finite difference|) is printed and bounded.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { seededRandom } from '../helpers/kernel.js';
import { convF64, f32, finiteDiff, project, relError } from '../helpers/ref-grad.js';
import { packConvWeights, planConv, planConvSteps } from '../../src/ops/conv.js';
import { adapterTraits, convVariant, defaultConvTuning, picker, type ConvPicker } from '../../src/ops/conv-variants.js';
import { packWinogradWeights, planWinogradWeights, winogradShapes, winogradWeightLength } from '../../src/ops/winograd.js';
import { convGradWeightSums, flippedLength, planConvGradInput, planConvGradWeight, planWeightFlip } from '../../src/ops/conv-grad.js';
import { planSiluAct, planSiluGrad, planUpsampleGrad, planZeroInsert } from '../../src/ops/act-grad.js';
import type { Dispatch } from '../../src/ops/types.js';

let s: BrowserSession;
let pick: ConvPicker;
beforeAll(async () => {
  s = await openBrowser();
  const a = await s.call<{ vendor: string; architecture: string; device: string; description: string; features: string[] }>('/test/browser/entries/kernels.ts', 'adapterInfo');
  const traits = adapterTraits(a, a.features);
  pick = picker(defaultConvTuning(traits), traits, true); // the one-dispatch kernels the trainer takes where trainPicker gives no Winograd
});
afterAll(async () => {
  await s?.close();
});

type Extra = Record<string, { type: 'f32'; data: number[] }>;
async function run(d: Dispatch[], arena: ArrayLike<number>, weights: ArrayLike<number>, extra: Extra = {}) {
  const r = await s.call<{ arena: number[]; extra: Record<string, number[]> }>('/test/browser/entries/kernels.ts', 'runDispatches', d, Array.from(arena), Array.from(weights), extra);
  expect(s.errors).toEqual([]);
  return r;
}

const sub = (a: ArrayLike<number>, off: number, n: number) => Float64Array.from({ length: n }, (_, i) => a[off + i]);
const minus = (a: Float64Array, b: ArrayLike<number>) => a.map((v, i) => v - b[i]);
const TOL = 2e-5;

describe('convolution backward vs finite differences (f64)', () => {
  test.each([
    [8, 12, 7, 9, 3, 1, 1],
    [8, 12, 7, 9, 3, 2, 1],
    [6, 20, 5, 6, 1, 1, 1],
    [5, 3, 6, 5, 3, 2, 1],
    [7, 5, 6, 6, 1, 2, 1], // 1×1 stride 2: the one-pass weight-gradient kernel
    [9, 1, 4, 70, 3, 1, 1], // one output channel (a 1-class head), more pixels than a lane row
    [6, 6, 7, 5, 3, 1, 6], // depthwise
    [5, 5, 6, 7, 3, 2, 5], // depthwise, stride 2
  ])('cin %i cout %i %i×%i k%i s%i groups %i', async (cin, cout, h, w, k, st, groups) => {
    const r = seededRandom(cin * 1000 + cout * 10 + k + st);
    const x = f32(cin * h * w, r);
    const wt = f32(cout * (cin / groups) * k * k, r, -0.5, 0.5);
    const b = f32(cout, r);
    const { y, oh, ow } = convF64(x, [cin, h, w], wt, b, cout, k, st, groups);
    const rr = f32(y.length, r);
    const L = () => project(rr, convF64(x, [cin, h, w], wt, b, cout, k, st, groups).y);
    const fdX = finiteDiff(x, L);
    const fdW = finiteDiff(wt, L);
    const fdB = finiteDiff(b, L);
    // Arena: [x][dZ = r][dX: random, accumulated into]; weights packed as the forward packs them.
    const dx0 = f32(x.length, r);
    const xOff = 3;
    const dzOff = xOff + x.length + 5;
    const dxOff = dzOff + y.length + 7;
    const arena = new Float64Array(dxOff + x.length + 2);
    arena.set(x, xOff);
    arena.set(rr, dzOff);
    arena.set(dx0, dxOff);
    const packed = packConvWeights(Float32Array.from(wt), { cin, cout, k, groups });
    const G = packed.length;
    const g0 = f32(G + 64 + cout, r); // grads: [dW packed][dB at G + 64], holding values already
    const input = { offset: xOff, c: cin, h, w };
    const dz = { offset: dzOff, c: cout, h: oh, w: ow };
    const p = { label: 't', input, dz, k, stride: st, groups };
    const out = await run([
      planConvGradInput({ ...p, dx: { ...input, offset: dxOff }, weightOffset: 0 }),
      ...planConvGradWeight({ ...p, gradOffset: 0, biasGradOffset: G + 64, buffer: 'wgrad', sums: 'wsums' }),
    ], arena, packed, { wgrad: { type: 'f32', data: Array.from(g0) }, wsums: { type: 'f32', data: new Array(Math.max(4, convGradWeightSums(p))).fill(12345) } }); // scratch holding garbage
    const gx = minus(sub(out.arena, dxOff, x.length), dx0);
    const gAll = minus(Float64Array.from(out.extra.wgrad), g0);
    // Unpack dW from the packed layout back to OIHW.
    const K = (cin / groups) * k * k;
    const mp = groups === 1 ? Math.ceil(cout / 16) * 16 : 0;
    const gw = Float64Array.from({ length: wt.length }, (_, i) => (groups === 1 ? gAll[(i % K) * mp + Math.floor(i / K)] : gAll[i]));
    const gb = sub(gAll, G + 64, cout);
    const e = [relError(gx, fdX), relError(gw, fdW), relError(gb, fdB)];
    console.log(`conv cin ${cin} cout ${cout} ${h}×${w} k${k} s${st} g${groups}: relative error dX ${e[0].toExponential(1)}, dW ${e[1].toExponential(1)}, dB ${e[2].toExponential(1)}`);
    for (const v of e) expect(v).toBeLessThan(TOL);
    // The packed layout's padding columns stay untouched.
    if (groups === 1) for (let kk = 0; kk < K; kk++) for (let m = cout; m < mp; m++) expect(gAll[kk * mp + m]).toBe(0);
    if (groups !== 1 ? st !== 1 : st === 2 && k !== 3) return;
    // Training's dX: the flipped weights W' (from the packed weights in `params`; depthwise: each
    // channel's taps reversed), dZ spread with zeros for stride 2, then the one-dispatch inference
    // kernel the trainer's picker gives this adapter where it takes no Winograd, accumulating in place.
    const fl = flippedLength(cin, cout, k, groups);
    const spreadOff = dxOff + x.length + 5;
    const arena2 = new Float64Array(spreadOff + cout * h * w + 3);
    arena2.set(arena.subarray(0, dxOff + x.length));
    const dx = { ...input, offset: dxOff };
    const dzIn = st === 2 ? { offset: spreadOff, c: cout, h, w } : dz;
    const dxConv = planConv({ label: 't.dx', input: dzIn, output: dx, k, stride: 1, groups, act: false, weightOffset: 64, biasOffset: 0, residual: dx }, pick({ k, stride: 1, cin: cout, cout: cin, outH: h, outW: w }));
    const flipped = await run([
      planWeightFlip({ label: 't', cin, cout, k, groups, weightOffset: 0, flipOffset: 64, buffer: 'wflip' }),
      ...(st === 2 ? [planZeroInsert({ label: 't', input: dz, output: dzIn })] : []),
      { ...dxConv, buffers: { weights: 'wflip' } },
    ], arena2, packed, { params: { type: 'f32', data: Array.from(packed) }, wflip: { type: 'f32', data: new Array(64 + fl).fill(0) } });
    const e2 = relError(minus(sub(flipped.arena, dxOff, x.length), dx0), fdX);
    console.log(`  dX as a convolution with flipped weights (${dxConv.shader}): relative error ${e2.toExponential(1)}`);
    expect(e2).toBeLessThan(TOL);
    if (k !== 3 || st !== 1 || groups !== 1) return;
    // Training's Winograd (src/train/net.ts): U made on the GPU (shaders/winograd-weights.wgsl) from the
    // packed weights for the forward and from W' for dX, then the input transform, the batched GEMMs
    // (reading U) and the output transform (the bias from params or W''s zeros; dX accumulated in place).
    for (const id of ['rt-3x3s1-wino-m16n8-sg-16x4', 'rt-3x3s1-wino4-m16n8-sg-16x4']) {
      const v = convVariant(id)!;
      const m = v.winograd!;
      const fwdS = winogradShapes(cin, cout, h, w, m);
      const dxS = winogradShapes(cout, cin, h, w, m);
      // Arena: [x][dZ][dX: dx0][y][V scratch][M scratch]; params: [packed W][64 zeros][bias].
      const yOff = dxOff + x.length + 5;
      const vOff = yOff + y.length + 3;
      const mOff = vOff + Math.max(fwdS.v.c, dxS.v.c) * fwdS.tiles;
      const arena3 = new Float64Array(mOff + Math.max(fwdS.m.c, dxS.m.c) * fwdS.tiles);
      arena3.set(arena.subarray(0, dxOff + x.length));
      const params = new Float32Array(G + 64 + cout);
      params.set(packed);
      params.set(b, G + 64);
      const uDx = Math.ceil(winogradWeightLength(cin, cout, m) / 64) * 64;
      const parts = (sh: typeof fwdS, weightOffset: number) => ({ weightOffset, v: { offset: vOff, ...sh.v }, m: { offset: mOff, ...sh.m } });
      const yView = { offset: yOff, c: cout, h, w };
      const route = ([before, gemm, after]: Dispatch[], weights: string) => [before, { ...gemm, buffers: { weights: 'wwino' } }, { ...after, buffers: { weights } }];
      const out3 = await run([
        planWinogradWeights({ label: 't', cin, cout, m, weightOffset: 0, outOffset: 0, src: 'params', dst: 'wwino' }),
        planWeightFlip({ label: 't', cin, cout, k, groups, weightOffset: 0, flipOffset: 64, buffer: 'wflip' }),
        planWinogradWeights({ label: 't.dx', cin: cout, cout: cin, m, weightOffset: 64, outOffset: uDx, src: 'wflip', dst: 'wwino' }),
        ...route(planConvSteps({ label: 't', input, output: yView, k, stride: 1, groups, act: false, weightOffset: 0, biasOffset: G + 64, wino: parts(fwdS, 0) }, v), 'params'),
        ...route(planConvSteps({ label: 't.dx', input: dz, output: dx, k, stride: 1, groups, act: false, weightOffset: 64, biasOffset: 0, residual: dx, wino: parts(dxS, uDx) }, v), 'wflip'),
      ], arena3, [0], {
        params: { type: 'f32', data: Array.from(params) }, wflip: { type: 'f32', data: new Array(64 + fl).fill(0) },
        wwino: { type: 'f32', data: new Array(uDx + winogradWeightLength(cout, cin, m)).fill(0) },
      });
      const uCpu = packWinogradWeights(Float32Array.from(wt), cin, cout, m);
      const eU = relError(sub(out3.extra.wwino, 0, uCpu.length), uCpu);
      const eY = relError(sub(out3.arena, yOff, y.length), y);
      const eX = relError(minus(sub(out3.arena, dxOff, x.length), dx0), fdX);
      console.log(`  Winograd F(${m}×${m}) (${id}): U on the GPU vs the CPU's ${eU.toExponential(1)}; forward ${eY.toExponential(1)}, dX ${eX.toExponential(1)}`);
      expect(eU).toBeLessThan(1e-6);
      expect(eY).toBeLessThan(TOL);
      expect(eX).toBeLessThan(TOL);
    }
  });
});

describe('element-wise backward vs finite differences (f64)', () => {
  test('SiLU with the residual: forward, dz written over z, the residual gradient accumulated', async () => {
    const r = seededRandom(5);
    const n = 301;
    const z = f32(n, r, -6, 6);
    const res = f32(n, r);
    const rr = f32(n, r);
    const silu = (v: number) => v / (1 + Math.exp(-v));
    const L = () => project(rr, z.map((v, i) => silu(v) + res[i]));
    const fdZ = finiteDiff(z, L, 1e-5);
    const fdR = finiteDiff(res, L, 1e-5);
    // Arena: [z][res][y][dy][dres: random].
    const dres0 = f32(n, r);
    const arena = new Float64Array(5 * n);
    arena.set(z, 0);
    arena.set(res, n);
    arena.set(rr, 3 * n);
    arena.set(dres0, 4 * n);
    const v = (i: number) => ({ offset: i * n, c: 1, h: 1, w: n });
    const out = await run([
      planSiluAct({ label: 't', z: v(0), y: v(2), residual: v(1) }),
      planSiluGrad({ label: 't', z: v(0), dy: v(3), dResidual: v(4) }),
    ], arena, [0]);
    const y = sub(out.arena, 2 * n, n);
    const fwd = relError(y, z.map((q, i) => silu(q) + res[i]));
    const e = [relError(sub(out.arena, 0, n), fdZ), relError(minus(sub(out.arena, 4 * n, n), dres0), fdR)];
    console.log(`SiLU + residual: forward ${fwd.toExponential(1)}, relative error dz ${e[0].toExponential(1)}, dres ${e[1].toExponential(1)}`);
    expect(fwd).toBeLessThan(1e-6);
    for (const q of e) expect(q).toBeLessThan(TOL);
  });

  test('2× upsample: dX accumulates the 2×2 sums', async () => {
    const r = seededRandom(6);
    const [c, h, w] = [3, 5, 7];
    const x = f32(c * h * w, r);
    const up = () => {
      const y = new Float64Array(c * 4 * h * w);
      for (let ci = 0; ci < c; ci++) for (let yy = 0; yy < 2 * h; yy++) for (let xx = 0; xx < 2 * w; xx++) y[(ci * 2 * h + yy) * 2 * w + xx] = x[(ci * h + (yy >> 1)) * w + (xx >> 1)];
      return y;
    };
    const rr = f32(4 * x.length, r);
    const fd = finiteDiff(x, () => project(rr, up()));
    const dx0 = f32(x.length, r);
    const arena = new Float64Array(5 * x.length + 9);
    arena.set(rr, 0);
    arena.set(dx0, 4 * x.length + 9);
    const out = await run([planUpsampleGrad({ label: 't', dy: { offset: 0, c, h: 2 * h, w: 2 * w }, dx: { offset: 4 * x.length + 9, c, h, w } })], arena, [0]);
    const e = relError(minus(sub(out.arena, 4 * x.length + 9, x.length), dx0), fd);
    console.log(`upsample 2×: relative error dX ${e.toExponential(1)}`);
    expect(e).toBeLessThan(TOL);
  });
});
