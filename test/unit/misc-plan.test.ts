/** Pure planner tests (no GPU) for the SPPF pool, the 2× upsample and C2PSA attention. */
import { describe, expect, test } from 'vitest';
import { attentionQueryTile, attentionScratchElements, planAttention, type AttentionParams } from '../../src/ops/attention.js';
import { planSppfPool } from '../../src/ops/sppf-pool.js';
import { planUpsample } from '../../src/ops/upsample.js';
import type { View } from '../../src/ops/types.js';
import { shader } from '../../src/gpu/shader.js';

/** Every uniform the planner gives exists in the shader, and every shader uniform is given. */
function expectUniformsMatchShader(name: string, uniforms: Record<string, unknown>) {
  const info = shader(name);
  expect(new Set(Object.keys(uniforms))).toEqual(new Set(info.uniform!.fields.keys()));
  for (const k of Object.keys(uniforms)) expect(info.overrides).not.toContain(k);
}

describe('planSppfPool', () => {
  const c = 128, h = 20, w = 20, hw = h * w;
  const cat = (j: number): View => ({ offset: 1000 + j * c * hw, c, h, w }); // slices of the 4c concat
  const ok = () => planSppfPool({ label: 'model.9.m', input: cat(0), outputs: [cat(1), cat(2), cat(3)], k: 5 });

  test('one dispatch, one invocation per pixel, slices by offset', () => {
    const d = ok();
    expect(d.shader).toBe('sppf-pool');
    expect(d.label).toBe('model.9.m');
    expect(d.constants).toEqual({ WG: 64, R: 2 });
    expect(d.workgroups).toEqual([c * hw / 64, 1, 1]);
    expect(d.uniforms).toEqual({ in_off: 1000, c, h, w, out1: 1000 + c * hw, out2: 1000 + 2 * c * hw, out3: 1000 + 3 * c * hw });
    expectUniformsMatchShader('sppf-pool', d.uniforms);
    expect(shader('sppf-pool').overrides.sort()).toEqual(Object.keys(d.constants).sort());
  });

  test('odd sizes round the grid up; huge grids fold into y', () => {
    expect(planSppfPool({ label: 'p', input: { offset: 0, c: 3, h: 5, w: 7 }, outputs: [1, 2, 3].map((j) => ({ offset: j * 105, c: 3, h: 5, w: 7 })) as [View, View, View], k: 5 }).workgroups).toEqual([2, 1, 1]);
    const big = { c: 1024, h: 80, w: 80 }; // 6.5 M pixels → 102400 groups of 64
    const d = planSppfPool({ label: 'p', input: { offset: 0, ...big }, outputs: [1, 2, 3].map((j) => ({ offset: j * 6553600, ...big })) as [View, View, View], k: 5 });
    expect(d.workgroups[0]).toBeLessThanOrEqual(65535);
    expect(d.workgroups[0] * d.workgroups[1] * 64).toBeGreaterThanOrEqual(1024 * 80 * 80);
  });

  test('validation errors name the layer', () => {
    expect(() => planSppfPool({ label: 'model.9.m', input: cat(0), outputs: [cat(1), cat(2), cat(3)], k: 4 })).toThrow(/model\.9\.m: pool kernel 4 must be a positive odd integer/);
    expect(() => planSppfPool({ label: 'm', input: cat(0), outputs: [cat(1), { ...cat(2), c: c - 1 }, cat(3)], k: 5 })).toThrow(/output 2 is 127×20×20/);
    expect(() => planSppfPool({ label: 'm', input: cat(0), outputs: [cat(1), { ...cat(2), offset: cat(2).offset - 1 }, cat(3)], k: 5 })).toThrow(/outputs 1 and 2 overlap/);
    expect(() => planSppfPool({ label: 'm', input: cat(0), outputs: [{ ...cat(1), offset: 1001 }, cat(2), cat(3)], k: 5 })).toThrow(/output 1 overlaps the input/);
    expect(() => planSppfPool({ label: 'm', input: { offset: 0, c: 0, h: 1, w: 1 }, outputs: [cat(1), cat(2), cat(3)], k: 5 })).toThrow(/empty input/);
  });
});

describe('planUpsample', () => {
  test('one invocation per input element (its 2×2 output block); the output may be a concat slice', () => {
    const d = planUpsample({ label: 'model.11', input: { offset: 64, c: 256, h: 20, w: 20 }, output: { offset: 500_000 + 128 * 1600, c: 256, h: 40, w: 40 } });
    expect(d.shader).toBe('upsample2x');
    expect(d.workgroups).toEqual([256 * 400 / 64, 1, 1]);
    expect(d.uniforms).toEqual({ in_off: 64, c: 256, h: 20, w: 20, out_off: 500_000 + 128 * 1600 });
    expectUniformsMatchShader('upsample2x', d.uniforms);
    expect(planUpsample({ label: 'u', input: { offset: 0, c: 3, h: 5, w: 7 }, output: { offset: 200, c: 3, h: 10, w: 14 } }).workgroups).toEqual([2, 1, 1]);
  });

  test('validation errors', () => {
    expect(() => planUpsample({ label: 'model.14', input: { offset: 0, c: 4, h: 5, w: 7 }, output: { offset: 500, c: 4, h: 10, w: 15 } })).toThrow(/model\.14: output 4×10×15 is not 2× of input 4×5×7/);
    expect(() => planUpsample({ label: 'u', input: { offset: 0, c: 4, h: 5, w: 7 }, output: { offset: 500, c: 3, h: 10, w: 14 } })).toThrow(/not 2×/);
    expect(() => planUpsample({ label: 'u', input: { offset: 100, c: 4, h: 5, w: 7 }, output: { offset: 0, c: 4, h: 10, w: 14 } })).toThrow(/overlaps/);
  });
});

describe('planAttention', () => {
  /** yolo11n model.10.m.0 at 640: heads 2, keyDim 32, headDim 64, 20×20. */
  const base = (h = 20, w = 20, heads = 2, keyDim = 32, headDim = 64): AttentionParams => ({
    label: 'model.10.m.0.attn',
    qkv: { offset: 256, c: heads * (2 * keyDim + headDim), h, w },
    output: { offset: 256 + heads * (2 * keyDim + headDim) * h * w, c: heads * headDim, h, w },
    heads, keyDim, headDim, peWeightOffset: 4096, peBiasOffset: 8192,
  });

  test('one dispatch; workgroups = query tiles × heads; constants specialise the dims', () => {
    const ds = planAttention(base());
    expect(ds).toHaveLength(1);
    const d = ds[0];
    expect(d.shader).toBe('attention');
    expect(d.constants).toEqual({ KD: 32, HD: 64, TQ: 8 });
    expect(d.workgroups).toEqual([50, 2, 1]);
    expect(d.uniforms).toMatchObject({ qkv_off: 256, out_off: 256 + 256 * 400, h: 20, w: 20, heads: 2, pe_w: 4096, pe_b: 8192 });
    expect(d.uniforms.scale).toBeCloseTo(32 ** -0.5, 12);
    expectUniformsMatchShader('attention', d.uniforms);
    expect(shader('attention').overrides.sort()).toEqual(Object.keys(d.constants).sort());
  });

  test('query tile: 16 when that still gives ≥ 128 workgroups, else 8, never above headDim', () => {
    expect(planAttention(base(40, 40))[0]).toMatchObject({ constants: { TQ: 16 }, workgroups: [100, 2, 1] }); // 1280 input
    expect(planAttention(base(20, 20, 8))[0]).toMatchObject({ constants: { TQ: 16 }, workgroups: [25, 8, 1] });
    expect(planAttention(base(5, 7, 1, 5, 6))[0]).toMatchObject({ constants: { KD: 5, HD: 6, TQ: 6 }, workgroups: [6, 1, 1] });
    expect(attentionQueryTile(13 * 13, 2, 64)).toBe(8);
  });

  test('the one-dispatch kernels need no arena scratch; split-sg keeps heads × N × (N + 1)', () => {
    expect(attentionScratchElements(8, 1600)).toBe(0);
    expect(attentionScratchElements(8, 1600, 'rt-sg')).toBe(0);
    expect(attentionScratchElements(2, 400, 'split-sg')).toBe(2 * 400 * 401);
  });

  test('split-sg: scores GEMM, column softmax, pe, output GEMM; uniforms match the shaders; FLOPs as the one-dispatch form', () => {
    const p = base();
    const scratch = { offset: 1_000_000, c: attentionScratchElements(2, 400, 'split-sg'), h: 1, w: 1 };
    const ds = planAttention({ ...p, scratch }, 'split-sg');
    expect(ds.map((d) => d.shader)).toEqual(['attention-gemm-rt-sg', 'attention-softmax-cols', 'attention-pe', 'attention-gemm-rt-sg']);
    expect(ds.map((d) => d.label)).toEqual(['model.10.m.0.attn.scores', 'model.10.m.0.attn.softmax', 'model.10.m.0.attn.pe', 'model.10.m.0.attn']);
    for (const d of ds) expectUniformsMatchShader(d.shader, d.uniforms);
    const [sc, sm, pe, pv] = ds;
    // Scores: A = keys of head 0 (after its 32 query rows), B = queries; 400 key rows × 400 queries per head.
    expect(sc.uniforms).toMatchObject({ a_off: 256 + 32 * 400, a_ks: 400, a_rs: 1, b_off: 256, out_off: 1_000_000, kdim: 32, rows: 400, n: 400, head_a: 128 * 400, head_b: 128 * 400 });
    expect(sc.constants).toEqual({ PV: 0 });
    expect(sm.uniforms).toEqual({ s_off: 1_000_000, inv_off: 1_000_000 + 2 * 400 * 400, n: 400, heads: 2 });
    expect(pe.workgroups).toEqual([7, 16, 1]);
    // Output: A(k, r) = v[r][k] (values after 64 query/key rows), B = the scores scratch, 64 rows per head.
    expect(pv.uniforms).toMatchObject({ a_off: 256 + 64 * 400, a_ks: 1, a_rs: 400, b_off: 1_000_000, out_off: 256 + 256 * 400, kdim: 400, rows: 64, head_b: 400 * 400 });
    expect(pv.constants).toEqual({ PV: 1 });
    expect(pv.workgroups[2]).toBe(2);
    const total = ds.reduce((s, d) => s + (d.flops ?? 0), 0);
    expect(total).toBe(planAttention(p)[0].flops);
    expect(() => planAttention(p, 'split-sg')).toThrow(/needs 320800 elements of scratch/);
    expect(() => planAttention({ ...p, scratch: { ...scratch, offset: p.output.offset + 10 } }, 'split-sg')).toThrow(/scratch overlaps the output/);
  });

  test('validation errors', () => {
    const p = base();
    expect(() => planAttention({ ...p, qkv: { ...p.qkv, c: 255 } })).toThrow(/model\.10\.m\.0\.attn: qkv has 255 channels, expected heads·\(2·keyDim \+ headDim\) = 256/);
    expect(() => planAttention({ ...p, output: { ...p.output, c: 64 } })).toThrow(/output is 64×20×20, must be 128×20×20/);
    expect(() => planAttention({ ...p, output: { ...p.output, w: 19 } })).toThrow(/must be 128×20×20/);
    expect(() => planAttention({ ...p, output: { ...p.output, offset: 300 } })).toThrow(/overlaps qkv/);
    expect(() => planAttention(base(4, 4, 1, 65, 128))).toThrow(/keyDim 65 exceeds/);
    expect(() => planAttention(base(4, 4, 1, 32, 129))).toThrow(/headDim 129 exceeds/);
    expect(() => planAttention({ ...p, heads: 0 })).toThrow(/positive integers/);
    expect(() => planAttention({ ...p, keyDim: 2.5 })).toThrow(/positive integers/);
  });
});
