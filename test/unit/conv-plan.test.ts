/** Pure tests (no GPU) of the convolution kernel table, the planner's dispatch shapes and the generated shaders. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CONV_VARIANTS, GENERIC, MAX_IM2COL_ELEMENTS, adapterTraits, candidates, convKind, laneRows, laneUse, CLASS_LANE_USE, convShape, convVariant, defaultConvTuning, im2colRows, multiStep, packedRows, scratchFits, suits, pickVariant, shapeClass, variantRuns, withChoice, type AdapterTraits, type ConvGeometry, type ConvKind } from '../../src/ops/conv-variants.js';
import { packConvWeights, packSplitKWeights, packedConvWeightLength, planConv, planConvSteps, type ConvParams } from '../../src/ops/conv.js';
import { shader } from '../../src/gpu/shader.js';
import { packWinogradWeights, winogradTiles, winogradWeightLength } from '../../src/ops/winograd.js';
import { planModel } from '../../src/plan/model-plan.js';
import { picker, trainPicker } from '../../src/ops/conv-variants.js';
import { buildTrainProgram } from '../../src/train/net.js';
import { buildSpec } from '../../src/model/spec.js';
import { attentionScratchElements, SPLIT_MAX_SCRATCH } from '../../src/ops/attention.js';
// @ts-expect-error: a plain .mjs tool without types
import { ALL_KERNELS, generate, rtName } from '../../tools/gen-shaders.mjs';
import { expectedTensors } from '../../src/model/spec.js';
import { readWeights, writeWeights } from '../../src/weights/weights.js';

/** A yolo11n weight file with every tensor zero: planning looks at shapes only. */
async function zeroWeights(nc: number) {
  const shapes = expectedTensors('n', nc);
  const bytes = await writeWeights(
    { scale: 'n', nc, names: Array.from({ length: nc }, (_, i) => `c${i}`), imgsz: [640, 640], source: { file: 'zeros', sha256: '0'.repeat(64), format: 'zeros' } },
    [...shapes].map(([name, shape]) => ({ name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) })),
  );
  return readWeights(bytes);
}

const swiftshader: AdapterTraits = adapterTraits({ vendor: 'google', architecture: 'swiftshader', device: '', description: '', subgroupMinSize: 4, subgroupMaxSize: 4 }, ['subgroups', 'timestamp-query']);
const gpu32: AdapterTraits = adapterTraits({ vendor: 'nvidia', architecture: 'hopper', device: '', description: '', subgroupMinSize: 32, subgroupMaxSize: 32 }, ['subgroups']);

describe('generated shaders (conv, depthwise, attention)', () => {
  test('shaders/ holds exactly what tools/gen-shaders.mjs writes (npm run gen:shaders)', () => {
    for (const k of ALL_KERNELS) expect(readFileSync(`shaders/${rtName(k)}.wgsl`, 'utf8'), rtName(k)).toBe(generate(k));
  });

  test('every variant names a shader that exists and declares the overrides the planner sets', () => {
    for (const v of CONV_VARIANTS) {
      const p = params(v.kind === 'pw' ? 1 : 3, v.kind === '3x3s2' ? 2 : 1, 20, 24);
      const m = v.winograd ?? 2;
      const tiles = winogradTiles(p.output.h, p.output.w, m);
      const n = (m + 2) ** 2;
      const wino = { weightOffset: 8192, v: { offset: 1 << 22, c: n * p.input.c, h: 1, w: tiles }, m: { offset: 1 << 23, c: n * p.output.c, h: 1, w: tiles } };
      const ds = planConvSteps({ ...p, cols: { offset: 1 << 21, c: im2colRows(v, p.input.c, p.output.c), h: p.output.h, w: p.output.w }, wino }, v);
      expect(ds.map((d) => d.shader), v.id).toEqual(v.im2col ? ['im2col-3x3', v.shader, ...(v.splitK ? ['splitk-reduce'] : [])] : v.winograd ? [v.winograd === 4 ? 'winograd-f4-input' : 'winograd-input', v.shader, v.winograd === 4 ? 'winograd-f4-output' : 'winograd-output'] : [v.shader]);
      for (const d of ds) {
        const info = shader(d.shader);
        expect(new Set(Object.keys(d.constants)), v.id).toEqual(new Set(info.overrides.filter((o) => o in d.constants)));
        for (const k of Object.keys(d.constants)) expect(info.overrides, `${v.id} ${k}`).toContain(k);
        expect(new Set(Object.keys(d.uniforms)), v.id).toEqual(new Set(info.uniform!.fields.keys()));
      }
    }
  });
});

function params(k: number, stride: number, cout: number, hw: number, cin = 8): ConvParams {
  const o = Math.floor((hw + 2 * Math.floor(k / 2) - k) / stride) + 1;
  return { label: 't', input: { offset: 0, c: cin, h: hw, w: hw }, output: { offset: 1 << 20, c: cout, h: o, w: o }, k, stride, groups: 1, act: true, weightOffset: 0, biasOffset: 4096 };
}

describe('planConvSteps (Winograd variants)', () => {
  const v = CONV_VARIANTS.find((x) => x.winograd)!;
  const p = params(3, 1, 20, 23); // 8 → 20 channels on 23×23: 12×12 tiles (the last row and column half outside)
  const parts = { weightOffset: 8192, v: { offset: 1 << 21, c: 128, h: 1, w: 144 }, m: { offset: 1 << 22, c: 320, h: 1, w: 144 } };
  test('input transform (a prologue), the 16 GEMMs as one batched dispatch carrying the convolution, output transform (an epilogue)', () => {
    const [before, gemm, after] = planConvSteps({ ...p, wino: parts, residual: { offset: 1 << 23, c: 20, h: 23, w: 23 } }, v);
    expect(before).toMatchObject({ shader: 'winograd-input', prologue: true, variant: v.id, workgroups: [3, 8, 1] });
    expect(before.uniforms).toEqual({ in_off: 0, in_c: 8, in_h: 23, in_w: 23, out_off: 1 << 21, tiles_h: 12, tiles_w: 12 });
    // The direct convolution's FLOPs and geometry (its GFLOP/s the effective rate); the GEMMs' bias the zeros after U.
    expect(gemm).toMatchObject({ shader: v.shader, variant: v.id, flops: 2 * 20 * 72 * 529 });
    expect(gemm.conv).toEqual({ k: 3, stride: 1, cin: 8, cout: 20, inH: 23, inW: 23, outH: 23, outW: 23, act: true, res: true });
    expect(gemm.uniforms).toMatchObject({ in_off: 1 << 21, in_c: 8, out_off: 1 << 22, out_c: 20, out_h: 1, out_w: 144, w_off: 8192, b_off: 8192 + 16 * 8 * 32, act: 0, bat_in: 8 * 144, bat_w: 8 * 32, bat_out: 20 * 144, cout_pad: 32 });
    expect(gemm.constants).toMatchObject({ RES: 0 });
    expect(gemm.workgroups[2]).toBe(16 * (gemm.uniforms.zfold as number));
    // 23×23 is not whole 2×2 tiles: the output transform keeps its bounds tests (FULL 0).
    expect(after).toMatchObject({ shader: 'winograd-output', epilogue: true, variant: v.id, constants: { RES: 1, FULL: 0 }, workgroups: [3, 20, 1] });
    expect(after.uniforms).toMatchObject({ in_off: 1 << 22, out_off: 1 << 20, out_c: 20, out_h: 23, out_w: 23, res_off: 1 << 23, b_off: 4096, act: 1 });
  });
  test('without its parts, or with scratch of the wrong shape, it throws; planConv alone refuses it; stride 2 takes the generic kernel', () => {
    expect(() => planConvSteps(p, v)).toThrow(/transformed weights and scratch/);
    expect(() => planConvSteps({ ...p, wino: { ...parts, m: { ...parts.m, c: 319 } } }, v)).toThrow(/scratch/);
    expect(() => planConv(p, v)).toThrow(/three dispatches/);
    expect(planConvSteps({ ...params(3, 2, 20, 24), wino: parts }, v).map((d) => d.shader)).toEqual([GENERIC.shader]);
  });
  test('row-packed F(2×2): the 16 GEMMs along rows of 4 lanes (bat_rows = channel tiles each), whole workgroups, one z', () => {
    const vp = convVariant('rt-3x3s1-wino-m16n8-sg-4x16')!;
    expect(vp).toMatchObject({ winograd: 2, packRows: true, wx: 4, shader: 'conv-rt-pw-m16n8-sg' });
    // 8 → 20 channels: 2 channel tiles per GEMM, 32 rows of 4 lanes = 2 workgroups of 16 rows; 144 tiles / (4 lanes × 8) = 5 along x.
    const [, gemm] = planConvSteps({ ...p, wino: parts }, vp);
    expect(gemm.uniforms).toMatchObject({ wx: 4, bat_rows: 2, zfold: 1, bat_in: 8 * 144, bat_w: 8 * 32, bat_out: 20 * 144 });
    expect(gemm.workgroups).toEqual([5, 2, 1]);
    // The head's 10×10 conv at 320 (256 → 64): 25 tiles in one row of 4 lanes × 8, 16 × 4 rows = 4 workgroups,
    // every row busy (the 16-lane rows of the unpacked variant keep 4 of 16 lanes busy, 4 of 64 rows per workgroup).
    const head = { label: 'h', input: { offset: 0, c: 256, h: 10, w: 10 }, output: { offset: 1 << 20, c: 64, h: 10, w: 10 }, k: 3, stride: 1, groups: 1, act: true, weightOffset: 0, biasOffset: 4096 };
    const headParts = { weightOffset: 8192, v: { offset: 1 << 21, c: 16 * 256, h: 1, w: 25 }, m: { offset: 1 << 23, c: 16 * 64, h: 1, w: 25 } };
    expect(planConvSteps({ ...head, wino: headParts }, vp)[1].workgroups).toEqual([1, 4, 1]);
    const g = { k: 3, stride: 1, cin: 256, cout: 64, outH: 10, outW: 10 };
    expect(laneUse(vp, g)).toBeCloseTo(25 / 32, 6);
    expect(laneUse(convVariant('rt-3x3s1-wino-m16n8-sg-16x4')!, g)).toBeCloseTo(25 / 128, 6);
    // Unpacked planning of the same GEMMs keeps bat_rows 0 (one batch per z).
    expect(planConvSteps({ ...p, wino: parts }, v)[1].uniforms).toMatchObject({ bat_rows: 0 });
  });
  test('a row-packed variant whose GEMMs do not fill whole workgroups runs one GEMM per workgroup, as unpacked', () => {
    // F(4×4) packed in rows of 4 lanes: 36 GEMMs × 1 channel tile = 36 rows, not whole workgroups of 16 rows.
    const f4 = { ...convVariant('rt-3x3s1-wino-m16n8-sg-4x16')!, winograd: 4 as const };
    expect(packedRows(f4, 16)).toBe(0);
    expect(packedRows(f4, 64)).toBe(144);
    expect(packedRows(convVariant('rt-3x3s1-wino-m16n8-sg-4x16')!, 20)).toBe(32);
    expect(packedRows(convVariant('rt-3x3s1-wino-m16n8-sg-16x4')!, 64)).toBe(0);
    const parts4 = { weightOffset: 8192, v: { offset: 1 << 21, c: 36 * 8, h: 1, w: 36 }, m: { offset: 1 << 22, c: 36 * 16, h: 1, w: 36 } };
    const [, gemm] = planConvSteps({ ...params(3, 1, 16, 23), wino: parts4 }, f4);
    expect(gemm.uniforms).toMatchObject({ bat_rows: 0 });
    expect(gemm.workgroups[2]).toBe(36 * (gemm.uniforms.zfold as number));
    const g = { k: 3, stride: 1, cin: 8, cout: 16, outH: 23, outW: 23 };
    expect(laneUse(f4, g)).toBe(laneUse({ ...f4, packRows: undefined }, g));
  });
  test('F(4×4): 36 GEMMs over 6×6 tiles (23×23 → 6×6 tiles), its own transforms', () => {
    const v4 = CONV_VARIANTS.find((x) => x.winograd === 4)!;
    const parts4 = { weightOffset: 8192, v: { offset: 1 << 21, c: 36 * 8, h: 1, w: 36 }, m: { offset: 1 << 22, c: 36 * 20, h: 1, w: 36 } };
    const [before, gemm, after] = planConvSteps({ ...p, wino: parts4 }, v4);
    expect(before).toMatchObject({ shader: 'winograd-f4-input', uniforms: { tiles_h: 6, tiles_w: 6 }, workgroups: [1, 8, 1] });
    expect(gemm.uniforms).toMatchObject({ out_w: 36, b_off: 8192 + 36 * 8 * 32, bat_in: 8 * 36, bat_w: 8 * 32, bat_out: 20 * 36 });
    expect(gemm.workgroups[2]).toBe(36 * (gemm.uniforms.zfold as number));
    expect(after).toMatchObject({ shader: 'winograd-f4-output', epilogue: true });
    expect(() => planConvSteps({ ...p, wino: parts }, v4)).toThrow(/288 and 720 rows of 36 tiles/);
  });
  test('F(4×4) on 8-channel GEMM tiles: its GEMMs on the m8 1×1 kernel, one channel tile; offered and picked only where Cout ≤ 8', () => {
    const v8 = convVariant('rt-3x3s1-wino4-m8n25-sg-16x4')!;
    expect(v8).toMatchObject({ tm: 8, tn: 25, winograd: 4, shader: 'conv-rt-pw-m8n25-sg' });
    const p8 = { ...params(3, 1, 8, 23), wino: { weightOffset: 8192, v: { offset: 1 << 21, c: 36 * 8, h: 1, w: 36 }, m: { offset: 1 << 22, c: 36 * 8, h: 1, w: 36 } } };
    const [, gemm] = planConvSteps(p8, v8);
    expect(gemm).toMatchObject({ shader: 'conv-rt-pw-m8n25-sg', variant: v8.id, uniforms: { out_c: 8, cout_pad: 16, bat_w: 8 * 16 } });
    expect(gemm.workgroups[1]).toBe(1);
    const thin = { k: 3, stride: 1, cin: 16, cout: 8, outH: 160, outW: 160 };
    const wide = { ...thin, cin: 8, cout: 16 };
    expect(suits(v8, thin)).toBe(true);
    expect(suits(v8, wide)).toBe(false); // a 16-channel tile does it with half the weight loads
    expect(suits(convVariant('rt-3x3s1-m4n8-sg-16x4')!, wide)).toBe(true); // one-dispatch kernels are not held to it
    // The class choice made on the thin shape does not reach the wide one: it takes the family's default.
    const t = withChoice(defaultConvTuning(swiftshader), { '3x3s1/L': v8.id });
    expect(pickVariant(t, swiftshader, thin).id).toBe(v8.id);
    expect(pickVariant(t, swiftshader, wide).id).toBe(pickVariant({ family: 'register' }, swiftshader, wide).id);
  });
  test('U = G g Gᵀ: a kernel that only has its centre tap gives U = outer(G[:,1], G[:,1]); zeros in the channel padding and the GEMMs\' bias', () => {
    const w = new Float32Array(2 * 1 * 9);
    w[4] = 2; // channel 0: centre tap 2; channel 1: zeros
    const u = packWinogradWeights(w, 1, 2);
    const g1 = [0, 0.5, -0.5, 0];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) {
      expect(u[(a * 4 + b) * 16], `${a}${b}`).toBeCloseTo(2 * g1[a] * g1[b], 7);
      expect(u[(a * 4 + b) * 16 + 1]).toBe(0);
    }
    expect(u.length).toBe(16 * 16 + 16);
    expect(Array.from(u.subarray(256))).toEqual(new Array(16).fill(0));
    expect(() => packWinogradWeights(w, 2, 2)).toThrow(/expected 36/);
    // F(4×4): G's middle column (0, −1/6, 1/6, 1/12, −1/12, 0).
    const u4 = packWinogradWeights(w, 1, 2, 4);
    const g4 = [0, -1 / 6, 1 / 6, 1 / 12, -1 / 12, 0];
    for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) expect(u4[(a * 6 + b) * 16], `${a}${b}`).toBeCloseTo(2 * g4[a] * g4[b], 7);
    expect(u4.length).toBe(36 * 16 + 16);
  });
});

describe('planConvSteps (im2col variants)', () => {
  const v = CONV_VARIANTS.find((x) => x.im2col && x.kind === '3x3s2')!;
  test('unfold then the 1×1 kernel over 9·Cin rows: the convolution\'s FLOPs, geometry and variant on the GEMM, the unfold a prologue', () => {
    const p = params(3, 2, 20, 24); // 8 → 20 channels, 24×24 → 12×12
    const cols = { offset: 1 << 21, c: 72, h: 12, w: 12 };
    const [unfold, gemm] = planConvSteps({ ...p, cols }, v);
    expect(unfold).toMatchObject({ shader: 'im2col-3x3', prologue: true, variant: v.id, workgroups: [Math.ceil(144 / 64), 8, 1] });
    expect(unfold.uniforms).toMatchObject({ in_off: 0, in_c: 8, in_h: 24, in_w: 24, out_off: cols.offset, out_h: 12, out_w: 12, stride: 2 });
    expect(gemm).toMatchObject({ shader: v.shader, variant: v.id, flops: 2 * 20 * 72 * 144 });
    expect(gemm.uniforms).toMatchObject({ in_off: cols.offset, in_c: 72, in_h: 12, in_w: 12, out_off: 1 << 20, out_c: 20, cout_pad: 32 });
    expect(gemm.conv).toEqual({ k: 3, stride: 2, cin: 8, cout: 20, inH: 24, inW: 24, outH: 12, outW: 12, act: true, res: false });
    expect(gemm.prologue).toBeUndefined();
  });

  test('split-K: the GEMM batched over equal slices of the 9·Cin rows into partials after them, then their sum with bias, SiLU and residual as an epilogue', () => {
    const sk = CONV_VARIANTS.find((x) => x.splitK === 4 && x.kind === '3x3s1')!;
    const p = { ...params(3, 1, 20, 10), residual: { offset: 1 << 19, c: 20, h: 10, w: 10 } }; // 8 → 20 channels on 10×10
    const rows = 72 + 4 * 20;
    expect(im2colRows(sk, 8, 20)).toBe(rows);
    const cols = { offset: 1 << 21, c: rows, h: 10, w: 10 };
    const [unfold, gemm, sum] = planConvSteps({ ...p, cols }, sk);
    expect(unfold).toMatchObject({ shader: 'im2col-3x3', prologue: true, variant: sk.id });
    const partials = cols.offset + 72 * 100;
    expect(gemm).toMatchObject({ shader: sk.shader, variant: sk.id, flops: 2 * 20 * 72 * 100 });
    // The slices' bias: the zeros packSplitKWeights puts after the 72 × 32 packed weights.
    expect(gemm.uniforms).toMatchObject({ in_off: cols.offset, in_c: 18, out_off: partials, out_c: 20, act: 0, w_off: p.weightOffset, b_off: p.weightOffset + 72 * 32, bat_in: 18 * 100, bat_w: 18 * 32, bat_out: 20 * 100 });
    expect(gemm.constants).toMatchObject({ RES: 0 });
    expect(gemm.workgroups[2]).toBe(4);
    expect(sum).toMatchObject({ shader: 'splitk-reduce', epilogue: true, variant: sk.id, constants: { RES: 1 }, workgroups: [2, 20, 1] });
    expect(sum.uniforms).toMatchObject({ in_off: partials, parts: 4, out_off: p.output.offset, out_c: 20, npix: 100, res_off: 1 << 19, b_off: p.biasOffset, act: 1 });
    const packed = packSplitKWeights(new Float32Array(20 * 72).fill(1), { cin: 8, cout: 20, k: 3, groups: 1 });
    expect([packed.length, packed[72 * 32 - 13], packed[72 * 32 - 12], Math.max(...packed.subarray(72 * 32))]).toEqual([73 * 32, 1, 0, 0]);
    // Slices must be equal: 9·Cin = 18 does not split in 4.
    expect(scratchFits(sk, { k: 3, stride: 1, cin: 2, cout: 20, outH: 10, outW: 10 })).toBe(false);
    expect(() => planConvSteps({ ...params(3, 1, 20, 10), input: { offset: 0, c: 2, h: 10, w: 10 }, cols: { offset: 1 << 21, c: 18 + 80, h: 10, w: 10 } }, sk)).toThrow(/multiples of 4/);
  });

  test('without a scratch of the right shape it throws; planConv alone refuses it; another kind or a depthwise conv takes one dispatch', () => {
    const p = params(3, 2, 20, 24);
    expect(() => planConvSteps(p, v)).toThrow(/im2col scratch/);
    expect(() => planConvSteps({ ...p, cols: { offset: 1 << 21, c: 71, h: 12, w: 12 } }, v)).toThrow(/im2col scratch/);
    expect(() => planConv(p, v)).toThrow(/two dispatches/);
    expect(planConvSteps(params(3, 1, 20, 24), v).map((d) => d.shader)).toEqual([GENERIC.shader]);
    const dw = { ...params(3, 1, 8, 24), groups: 8 };
    expect(planConvSteps(dw, CONV_VARIANTS.find((x) => x.im2col && x.kind === '3x3s1')!).map((d) => d.shader)).toEqual(['dwconv-rt-3x3s1-n8']);
  });

  test('a model planned with an im2col choice gets a scratch tensor per such conv; the trainer\'s direct picker never picks one', async () => {
    const file = await zeroWeights(80);
    const t = withChoice({ family: 'register' }, { '3x3s2/S': v.id }); // no class defaults: this choice's im2col only
    const plan = planModel(file, [320, 320], { conv: picker(t, swiftshader), attention: 'split-sg' });
    const unfolds = plan.dispatches.filter((d) => d.shader === 'im2col-3x3');
    expect(unfolds.map((d) => d.label)).toEqual(['model.3']); // 80×80 → 40×40: the one 3x3s2/S conv at 320
    const i = plan.dispatches.indexOf(unfolds[0]);
    expect(plan.dispatches[i + 1]).toMatchObject({ label: 'model.3', variant: v.id, conv: { k: 3, stride: 2 } });
    const direct = picker(t, swiftshader, true)({ k: 3, stride: 2, cin: 32, cout: 64, outH: 40, outW: 40 });
    expect(direct.im2col).toBeFalsy();
    expect(direct.kind).toBe('3x3s2');
  });

  test('the trainer\'s picker: Winograd where the table takes it, never im2col; its program makes U on the GPU before each forward and after the flips', () => {
    const t = defaultConvTuning(swiftshader);
    const tp = trainPicker(t, swiftshader);
    const g = (stride: number, px: number) => ({ k: 3, stride, cin: 64, cout: 64, outH: px, outW: px });
    expect(tp(g(1, 80)).winograd).toBe(4); // 3x3s1/M: F(4×4), as inference
    expect(tp(g(1, 20)).winograd).toBe(2);
    expect(pickVariant(t, swiftshader, g(2, 40)).im2col).toBe(true); // inference: im2col …
    expect([tp(g(2, 40)).kind, multiStep(tp(g(2, 40)))]).toEqual(['3x3s2', false]); // … the trainer: one dispatch
    expect(tp(g(2, 40)).id).toBe(picker(t, swiftshader, true)(g(2, 40)).id);

    const prog = buildTrainProgram(buildSpec('n', 1), 'head', [320, 320], tp);
    const wino = prog.forward.filter((d) => d.shader === 'winograd-weights');
    // Detect's box branch: the two 3×3 convolutions of each level (40×40, 20×20, 10×10 at 320).
    expect(wino.map((d) => d.label)).toEqual(['model.23.cv2.0.0.wino', 'model.23.cv2.0.1.wino', 'model.23.cv2.1.0.wino', 'model.23.cv2.1.1.wino', 'model.23.cv2.2.0.wino', 'model.23.cv2.2.1.wino']);
    expect(wino.map((d) => d.constants.M)).toEqual([4, 4, 2, 2, 2, 2]);
    for (const d of wino) expect(d.buffers).toEqual({ src: 'params', dst: 'wwino' });
    const i = prog.forward.indexOf(wino[0]);
    expect(prog.forward.slice(i + 1, i + 4).map((d) => [d.shader, d.buffers?.weights])).toEqual([
      ['winograd-f4-input', undefined], ['conv-rt-pw-m16n8-sg', 'wwino'], ['winograd-f4-output', 'params'],
    ]);
    // The validation forward reads `ema` wherever the forward reads `params`.
    expect(prog.forwardEma.filter((d) => d.shader === 'winograd-weights').every((d) => d.buffers?.src === 'ema')).toBe(true);
    expect(prog.forwardEma.some((d) => Object.values(d.buffers ?? {}).includes('params'))).toBe(false);
    // dX of cv2.x.1 (its input cv2.x.0 needs a gradient): U from W' after the flips, its GEMM on wwino.
    const flipWino = prog.flips.filter((d) => d.shader === 'winograd-weights');
    expect(flipWino.map((d) => d.label).sort()).toEqual(['model.23.cv2.0.1.dx.wino', 'model.23.cv2.1.1.dx.wino', 'model.23.cv2.2.1.dx.wino']);
    expect(prog.flips.indexOf(flipWino[0])).toBeGreaterThan(prog.flips.map((d) => d.shader).lastIndexOf('conv-weight-flip'));
    for (const d of flipWino) expect(d.buffers).toEqual({ src: 'wflip', dst: 'wwino' });
    // Every U slot and the scratch fit their buffers: wwino, and the arena after the gradients.
    const all = [...prog.forward, ...prog.backward, ...prog.flips];
    for (const d of all.filter((d) => d.shader === 'winograd-weights')) {
      const u = d.uniforms as Record<string, number>;
      expect(u.u_off + winogradWeightLength(u.cin, u.cout, d.constants.M as 2 | 4)).toBeLessThanOrEqual(prog.winoElements);
    }
    const scratch = all.filter((d) => /^winograd(-f4)?-input$/.test(d.shader)).map((d) => (d.uniforms as Record<string, number>).out_off);
    expect(scratch.length).toBeGreaterThan(0);
    for (const off of scratch) expect(off).toBe(2 * prog.gradOffset);
    expect(prog.arenaElements).toBeGreaterThan(2 * prog.gradOffset);
  });

  test('an im2col choice whose scratch would pass MAX_IM2COL_ELEMENTS gives way: to the class choice, else the family default', () => {
    const big = { k: 3, stride: 2, cin: 16, cout: 32, outH: 1440, outW: 1440 }; // model.1 at 2880: 9·16·1440² elements
    expect(9 * big.cin * big.outH * big.outW).toBeGreaterThan(MAX_IM2COL_ELEMENTS);
    const shape = convShape(3, 2, 16, 32, 1440, 1440);
    const onShape = pickVariant(withChoice(defaultConvTuning(swiftshader), { [shape]: v.id }), swiftshader, big);
    expect(onShape.im2col).toBeFalsy();
    expect(onShape.id).toBe(pickVariant(defaultConvTuning(swiftshader), swiftshader, big).id); // the class's default
    const small = { ...big, outH: 40, outW: 40 };
    expect(pickVariant(withChoice(defaultConvTuning(swiftshader), { '3x3s2/S': v.id }), swiftshader, small).id).toBe(v.id);
  });
});

describe('planConv', () => {
  test('register kernels: 64 lanes split between channels and pixels to leave the fewest idle', () => {
    const v = CONV_VARIANTS.find((x) => x.kind === '3x3s1' && x.wx === 16)!;
    // 16 channels (one tile) on 80 columns: rows of 64 lanes would leave 48 of 128 idle, 4 rows of 16
    // along channels 3 of 4 rows; 2 rows of 32 lanes, both along row tiles (yrows 2), leave 16 of 96.
    const d = planConv(params(3, 1, 16, 80), v);
    // One pipeline whatever the split (one more with a residual); FULL_M: 16 channels fill the tile, so
    // no channel tests; FULL_N: 80 rows are whole tiles of v.tn, in pairs, so no row tests.
    expect(d.constants).toEqual({ RES: 0, IN_PLACE: 0, FULL_M: 1, FULL_N: 1 });
    expect(d.uniforms).toMatchObject({ wx: 32, yrows: 2 });
    expect(d.workgroups).toEqual([Math.ceil(80 / 32), Math.ceil(80 / v.tn / 2), 1]);
    // 72 rows: 9 row tiles in pairs, the last pair half outside the plane, so the row tests stay.
    const d72 = planConv(params(3, 1, 16, 72), v);
    expect(d72.uniforms).toMatchObject({ wx: 32, yrows: 2 });
    expect(d72.constants).toMatchObject({ FULL_N: 0 });
    expect(d72.workgroups).toEqual([3, 5, 1]);
    // model.0 at 320 (160 columns, 160 rows): 5 × 32 lanes, every lane busy, instead of 3 × 64.
    expect(planConv(params(3, 2, 16, 320, 3), CONV_VARIANTS.find((x) => x.kind === '3x3s2' && x.wx === 16 && x.tn === 8)!).uniforms).toMatchObject({ wx: 32, yrows: 2 });
    // 70 → 80 padded: 5 channel tiles of 16 over 80 columns. 4 rows × 16 lanes: 8 × 80 = 640 slots;
    // 2 rows × 32: 6 × 96 = 576; 1 row × 64: 5 × 128 = 640; 2 rows × 32, one along channels and one
    // along row tiles: 5 × 96 = 480. So the last, 5 channel groups.
    const d2 = planConv(params(3, 1, 70, 80), v);
    expect(d2.uniforms).toMatchObject({ wx: 32, yrows: 2 });
    expect(d2.workgroups).toEqual([3, Math.ceil(80 / v.tn / 2), 5]);
    expect(d2.uniforms).toMatchObject({ cout_pad: 80, act: 1 });
    expect(d2.constants).toEqual({ RES: 0, IN_PLACE: 0, FULL_M: 0, FULL_N: 1 }); // 70 channels: the last tile is partial
    expect(planConv(params(3, 1, 16, 20), v).constants).toMatchObject({ FULL_N: 20 % v.tn === 0 ? 1 : 0 });
    expect(planConv(params(1, 1, 16, 20), CONV_VARIANTS.find((x) => x.kind === 'pw')!).constants).toEqual({ RES: 0, IN_PLACE: 0, FULL_M: 1 }); // flat pixels: no row tests
    // 3 channel tiles over 80 columns: 4 rows of 16 along channels (one idle) fit the columns exactly,
    // 4 × 80 = 320 slots per row tile; 2 rows of 32, one along row tiles, 3 × 96 = 288
    expect(planConv(params(3, 1, 40, 80), v).uniforms).toMatchObject({ wx: 32, yrows: 2 });
    expect(d2.flops).toBe(2 * 70 * 8 * 9 * 80 * 80);
    // A 1×1 conv with 80 channels on an 80×80 plane (the class branch of COCO's Detect): one row of 64
    // lanes, no channel slot idle, where 4 rows would compute 128 channels for 80.
    const pw = CONV_VARIANTS.find((x) => x.kind === 'pw' && x.tn === 16)!;
    const d3 = planConv(params(1, 1, 80, 80), pw);
    expect(d3.uniforms.wx).toBe(64);
    expect(d3.workgroups).toEqual([Math.ceil((80 * 80) / (64 * 16)), 5, 1]);
  });

  test('narrow channel tiles (8 channels per lane) count channel groups from Cout, not from its padding to 16', () => {
    const m8 = CONV_VARIANTS.find((x) => x.kind === '3x3s1' && x.tm === 8)!;
    // model.2.m.0.cv1 of yolo11n at 640: 16 → 8 channels on 160×160. One 8-channel tile: one row of 64
    // lanes, one channel group (a 16-channel tile would compute 8 channels of zero padding).
    const d = planConv(params(3, 1, 8, 160, 16), m8);
    expect(d.uniforms).toMatchObject({ wx: 32, yrows: 2, cout_pad: 16 }); // 160 columns: rows of 32, two along row tiles
    expect(d.workgroups).toEqual([Math.ceil(160 / 32), Math.ceil(160 / m8.tn / 2), 1]);
    // 24 channels: three tiles of 8, where tiles of 16 would need two (32 channels, 8 idle)
    const d2 = planConv(params(3, 1, 24, 160, 16), m8);
    const rows = 64 / (d2.uniforms.wx as number) / (d2.uniforms.yrows as number); // rows of lanes along channels
    expect(d2.workgroups[2] * rows * m8.tm).toBeGreaterThanOrEqual(24);
    expect((d2.workgroups[2] - 1) * rows * m8.tm).toBeLessThan(24);
  });

  test('laneRows: the fewest idle slots, most rows among equals, never rows narrower than the variant allows', () => {
    expect(laneRows(16, 6400, 8, 16)).toBe(4); // plenty of both: as many rows as allowed
    expect(laneRows(16, 6400, 8, 8)).toBe(8);
    expect(laneRows(1, 6400, 8, 16)).toBe(1);
    expect(laneRows(5, 6400, 16, 16)).toBe(1);
    // 4 channel tiles, 20 columns: 4 rows of 16 (32 columns) tie with 2 rows of 32 (128 slots) and win on
    // rows; 8 rows of 8 would fit the columns (24) but leave 4 rows idle (192)
    expect(laneRows(4, 20, 1, 8)).toBe(4);
  });

  test('a variant for another kernel size falls back to the generic kernel', () => {
    const pw = CONV_VARIANTS.find((x) => x.kind === 'pw')!;
    expect(planConv(params(3, 2, 16, 40), pw).variant).toBe(GENERIC.id);
    expect(planConv(params(5, 1, 16, 40), pw).shader).toBe('conv2d-tiled');
  });

  test('huge planes fold pixel tiles into z within the 65535 limit', () => {
    for (const v of CONV_VARIANTS.filter((x) => x.kind === 'pw' || x.kind === 'any')) {
      const d = planConv(params(1, 1, 32, 4096, 3), v);
      expect(Math.max(...d.workgroups), v.id).toBeLessThanOrEqual(65535);
      const perGroup = v.kind === 'pw' ? (d.uniforms.wx as number) * v.tn : v.tn;
      expect(d.workgroups[0] * d.workgroups[2] * perGroup, v.id).toBeGreaterThanOrEqual(4096 * 4096);
    }
    for (const v of CONV_VARIANTS.filter((x) => x.pixels)) {
      const d = planConv(params(3, v.kind === '3x3s2' ? 2 : 1, 32, 8192, 3), v);
      const o = v.kind === '3x3s2' ? 4096 : 8192;
      expect(Math.max(...d.workgroups), v.id).toBeLessThanOrEqual(65535);
      expect(d.workgroups[0] * d.workgroups[2] * (d.uniforms.wx as number) * v.tn, v.id).toBeGreaterThanOrEqual(o * o);
    }
  });

  test('weights pack to [K][Cout padded to 16] with zeros in the padding', () => {
    const c = { cin: 2, cout: 3, k: 1, groups: 1 };
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]); // OIHW [3][2]
    const p = packConvWeights(w, c);
    expect(p.length).toBe(packedConvWeightLength(c));
    expect(Array.from(p.slice(0, 4))).toEqual([1, 3, 5, 0]);
    expect(Array.from(p.slice(16, 20))).toEqual([2, 4, 6, 0]);
  });

  test('a whole yolo11n plan at 8192×8192 keeps every grid dimension within 65535', async () => {
    const file = await zeroWeights(3);
    for (const t of [{ family: 'register' as const }, { family: 'tiled' as const }]) {
      const plan = planModel(file, [8192, 8192], { conv: picker(t, swiftshader), attention: t.family === 'register' ? 'split-sg' : 'loop' });
      for (const d of plan.dispatches) expect(Math.max(...d.workgroups), `${t.family} ${d.label}`).toBeLessThanOrEqual(65535);
      // The split attention's N² scores would need 34 GB here: the one-dispatch kernel runs instead.
      if (t.family === 'register') expect(plan.dispatches.filter((d) => d.shader.startsWith('attention')).map((d) => d.shader)).toEqual(['attention-rt-sg']);
    }
  });

  test('the split attention runs up to 1280×1280 and its scratch stays within SPLIT_MAX_SCRATCH', async () => {
    const file = await zeroWeights(3);
    for (const [size, shaders] of [[640, 4], [1280, 4], [1920, 1]] as const) {
      const plan = planModel(file, [size, size], { conv: picker({ family: 'register' }, swiftshader), attention: 'split-sg' });
      expect(plan.dispatches.filter((d) => d.shader.startsWith('attention')), `${size}`).toHaveLength(shaders);
    }
    expect(attentionScratchElements(2, 1600, 'split-sg')).toBeLessThanOrEqual(SPLIT_MAX_SCRATCH);
  });
});

/** A convolution's geometry: 64 → 64 channels onto a size × size output. */
const geom = (k: number, stride: number, size: number): ConvGeometry => ({ k, stride, cin: 64, cout: 64, outH: size, outW: size });

describe('kernel choice without a measurement', () => {
  test('CPU adapters get register tiles (subgroup variants where subgroups fit), GPUs workgroup tiles', () => {
    expect(swiftshader.cpu).toBe(true);
    expect(gpu32.cpu).toBe(false);
    const cpu = defaultConvTuning(swiftshader);
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 160)).shader).toMatch(/^conv-rt-3x3s1-.*-sg$/);
    expect(pickVariant(cpu, swiftshader, geom(1, 1, 80)).shader).toMatch(/^conv-rt-pw-/);
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 10)).shader).toMatch(/^conv-rt-3x3s2-/);
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 80), true).shader).toMatch(/^conv-rt-3x3s2-/);
    expect(pickVariant(cpu, swiftshader, geom(5, 1, 80))).toBe(GENERIC);
    expect(pickVariant(defaultConvTuning(gpu32), gpu32, geom(3, 1, 80)).family).toBe('tiled');
  });

  test('CPU adapters take the measured kernel of each shape class, the family first where it cannot run', () => {
    const cpu = defaultConvTuning(swiftshader);
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 160)).id).toBe('rt-3x3s2-m16n16-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 80)).id).toBe('rt-3x3s2-m16n16-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 40)).id).toBe('rt-3x3s2-i2c-m16n8-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 10)).id).toBe('rt-3x3s2-px-m16n8-sg-8x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 80)).id).toBe('rt-3x3s1-wino4-m16n8-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 160)).id).toBe('rt-3x3s1-m4n8-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 20)).id).toBe('rt-3x3s1-wino-m16n8-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 10)).id).toBe('rt-3x3s1-wino-m16n8-sg-4x16');
    // Under 10×10 (class V): kernels of 4 pixels per lane, not the families' first (8 per lane).
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 8)).id).toBe('rt-3x3s1-m8n4-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 2)).id).toBe('rt-3x3s1-m8n4-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 5)).id).toBe('rt-3x3s2-px-m16n4-sg-8x4');
    expect(pickVariant(cpu, swiftshader, geom(1, 1, 9)).id).toBe('rt-pw-m16n4-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(1, 1, 10)).id).toBe(candidates('pw', swiftshader)[0].id);
    // A row-packed F(2×2) choice for a class keeps planes of ≥ 24 tiles only (8×8 has 16): here U's, forced down to 8×8.
    expect(pickVariant(withChoice(cpu, { '3x3s1/V': 'rt-3x3s1-wino-m16n8-sg-4x16' }), swiftshader, geom(3, 1, 8)).id).toBe(candidates('3x3s1', swiftshader)[0].id);
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 10), true).id).toBe('rt-3x3s1-m8n4-sg-16x4');
    // A picker that takes no multi-step kernel (the trainer's) gets the class's one-dispatch kernel instead.
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 40), true).id).toBe('rt-3x3s2-px-m16n8-sg-8x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 2, 80), true).id).toBe('rt-3x3s2-m16n16-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 80), true).id).toBe('rt-3x3s1-m4n8-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 40), true).id).toBe('rt-3x3s1-m8n4-sg-16x4');
    expect(pickVariant(cpu, swiftshader, geom(3, 1, 20), true).id).toBe('rt-3x3s1-m8n4-sg-16x4');
    for (const [cls, id] of Object.entries(cpu.direct!)) expect([convVariant(id)?.kind, multiStep(convVariant(id)!)]).toEqual([cls.split('/')[0], false]);
    for (const [cls, id] of Object.entries(cpu.byClass!)) if (multiStep(convVariant(id)!)) expect(cpu.direct![cls]).toBeDefined();
    expect(pickVariant(cpu, swiftshader, geom(1, 1, 20)).id).toBe(candidates('pw', swiftshader)[0].id);
    for (const [cls, id] of Object.entries(cpu.byClass!)) expect(convVariant(id)?.kind).toBe(cls.split('/')[0]);
    const noSubgroups = { ...swiftshader, subgroups: false };
    const plain = pickVariant(defaultConvTuning(noSubgroups), noSubgroups, geom(3, 2, 40));
    expect(plain.subgroups).toBe(false);
    expect(plain.family).toBe('register');
  });

  test('subgroup variants need subgroups that fit within a row of lanes', () => {
    const sg = CONV_VARIANTS.find((v) => v.subgroups && v.wx === 16)!;
    expect(variantRuns(sg, swiftshader)).toBe(true);
    expect(variantRuns(sg, gpu32)).toBe(false); // 32-lane subgroups would span rows of 16 lanes with other channels
    expect(variantRuns(sg, { ...swiftshader, subgroups: false })).toBe(false);
    expect(candidates('pw', swiftshader).at(-1)!.kind).toBe('any');
  });

  test('GPUs get the subgroup kernels with rows as wide as their subgroups; CPU adapters keep their candidates', () => {
    const ids = (a: AdapterTraits, k: ConvKind) => candidates(k, a).map((v) => v.id);
    // SwiftShader (subgroups of 4): the 16- and 8-lane originals run, so no wide twin is offered.
    for (const k of ['pw', '3x3s1', '3x3s2'] as const) expect(candidates(k, swiftshader).some((v) => v.wide)).toBe(false);
    // 32-lane subgroups (NVIDIA, Apple): each subgroup kernel once, with rows of 32 (the planner may widen them to 64).
    const g32 = candidates('3x3s1', gpu32).filter((v) => v.subgroups);
    expect(g32.length).toBeGreaterThan(10); // direct, im2col, split-K and Winograd kernels
    expect(g32.every((v) => v.wx === 32 && variantRuns(v, gpu32))).toBe(true);
    expect(ids(gpu32, '3x3s1')).toContain('rt-3x3s1-wino4-m16n8-sg-32x2');
    expect(ids(gpu32, 'pw')).toContain('rt-pw-m16n8-sg-32x2');
    expect(ids(gpu32, '3x3s1').some((id) => id.includes('-4x16'))).toBe(false); // row-packed Winograd needs rows of 4
    // 64-lane subgroups (AMD): rows of 64; subgroups of 8–32 (Intel): rows of 32.
    const gpu64 = { ...gpu32, subgroupMinSize: 64, subgroupMaxSize: 64 };
    expect(candidates('pw', gpu64).filter((v) => v.subgroups).every((v) => v.wx === 64)).toBe(true);
    expect(candidates('pw', { ...gpu32, subgroupMinSize: 8 }).filter((v) => v.subgroups).every((v) => v.wx === 32)).toBe(true);
    // Every twin is its original kernel (same shader, tile and kind) with wider rows.
    for (const v of CONV_VARIANTS.filter((x) => x.wide)) {
      const orig = CONV_VARIANTS.find((x) => !x.wide && x.id.replace(/-\d+x\d+$/, '') === v.id.replace(/-\d+x\d+$/, ''))!;
      expect({ ...v, id: '', wx: 0, wy: 0, wide: undefined }).toEqual({ ...orig, id: '', wx: 0, wy: 0, wide: undefined });
    }
  });

  test('a tuned choice applies to its shape class only, and only if it runs here', () => {
    const sgId = CONV_VARIANTS.find((v) => v.kind === '3x3s1' && v.subgroups && v.wx === 8)!.id;
    const t = { family: 'register' as const, byClass: { [shapeClass(3, 1, 6400)]: sgId } };
    expect(pickVariant(t, swiftshader, geom(3, 1, 80)).id).toBe(sgId);
    expect(pickVariant(t, swiftshader, geom(3, 1, 10)).id).not.toBe(sgId); // class 3x3s1/U: the default
    expect(pickVariant(t, { ...swiftshader, subgroups: false }, geom(3, 1, 80)).subgroups).toBe(false);
    expect(pickVariant({ family: 'register', byClass: { '3x3s1/M': 'no-such-kernel' } }, swiftshader, geom(3, 1, 80)).kind).toBe('3x3s1');
  });

  test('laneUse: the share of lane slots on real outputs, with the planner\'s lane split', () => {
    const n25 = convVariant('rt-pw-m16n25-sg-16x4')!;
    const n8 = convVariant('rt-pw-m16n8-sg-16x4')!;
    const pw = (cout: number, size: number): ConvGeometry => ({ k: 1, stride: 1, cin: 64, cout, outH: size, outW: size });
    expect(laneUse(n25, pw(256, 20))).toBe(1); // 16 lanes × 25 pixels: the 20×20 plane exactly
    expect(laneUse(n25, pw(32, 20))).toBe(0.5); // 2 channel tiles in 4 rows
    expect(laneUse(n8, pw(32, 20))).toBe(800 / 1024); // 2 rows of 32 lanes × 8 pixels: 512 per tile, 2 tiles
    expect(laneUse(n25, pw(64, 10))).toBe(100 / 400);
    expect(laneUse(GENERIC, pw(32, 20))).toBe(1);
    // a 3×3 column kernel: 8 output rows per lane on a 20-row plane leave 4 of 24 rows idle
    expect(laneUse(convVariant('rt-3x3s1-m16n8-sg-16x4')!, { k: 3, stride: 1, cin: 64, cout: 64, outH: 20, outW: 16 })).toBeCloseTo(20 / 24);
  });

  test('a class\'s choice skips an unmeasured shape it would leave idle; an exact choice is taken as it is', () => {
    const n25 = 'rt-pw-m16n25-sg-16x4';
    const t = { family: 'register' as const, byClass: { 'pw/T': n25 } };
    const pw = (cout: number): ConvGeometry => ({ k: 1, stride: 1, cin: 64, cout, outH: 20, outW: 20 });
    expect(laneUse(convVariant(n25)!, pw(32))).toBeLessThan(CLASS_LANE_USE * laneUse(convVariant('rt-pw-m16n8-sg-16x4')!, pw(32)));
    expect(pickVariant(t, swiftshader, pw(256)).id).toBe(n25);
    expect(pickVariant(t, swiftshader, pw(32)).id).toBe('rt-pw-m16n8-sg-16x4'); // the family default
    expect(pickVariant({ ...t, byClass: { ...t.byClass, [convShape(1, 1, 64, 32, 20, 20)]: n25 } }, swiftshader, pw(32)).id).toBe(n25);
  });

  test('an exact shape\'s choice comes before its class\'s', () => {
    const [a, b] = CONV_VARIANTS.filter((v) => v.kind === '3x3s1' && v.subgroups).map((v) => v.id);
    const shape = convShape(3, 1, 64, 64, 80, 80);
    expect(shape).toBe('3x3s1/64>64@80x80');
    const t = { family: 'register' as const, byClass: { '3x3s1/M': a, [shape]: b } };
    expect(pickVariant(t, swiftshader, geom(3, 1, 80)).id).toBe(b);
    expect(pickVariant(t, swiftshader, { ...geom(3, 1, 80), cin: 32 }).id).toBe(a);
    expect(pickVariant(t, swiftshader, { ...geom(3, 1, 80), cout: 128 }).id).toBe(a);
  });

  test('shape classes: kind and an output-size bucket', () => {
    expect(convKind(1, 1)).toBe('pw');
    expect(convKind(3, 2)).toBe('3x3s2');
    expect(convKind(1, 2)).toBe('any');
    expect([160, 80, 40, 20, 10, 9].map((s) => shapeClass(3, 1, s * s))).toEqual(['3x3s1/L', '3x3s1/M', '3x3s1/S', '3x3s1/T', '3x3s1/U', '3x3s1/V']);
    expect(shapeClass(3, 1, 80 * 80 - 1)).toBe('3x3s1/S');
  });
});
