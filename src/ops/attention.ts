/**
 * Planner for C2PSA's attention core (Ultralytics Attention.forward between `qkv` and `proj`):
 * scores, softmax, attn·v and the positional depthwise 3×3 conv `pe(v)`, in ONE dispatch
 * (flash-attention style: the heads × N × N scores stay in workgroup memory). Kernels: `loop`
 * (shaders/attention.wgsl, loop-indexed arrays, for GPUs) and `rt` / `rt-sg` (attention-rt*.wgsl,
 * generated: 16 queries per workgroup as named vec4s, for CPU adapters; -sg broadcasts shared loads),
 * and `split-sg` for CPU adapters with subgroups: FOUR dispatches, the scores GEMM
 * (attention-gemm-rt-sg.wgsl) into arena scratch (heads × N × N), a softmax down each query's column
 * (attention-softmax-cols.wgsl), pe(v) into the output (attention-pe.wgsl), and the output GEMM adding
 * Σ/Σ to it — the GEMMs laid out like the 1×1 conv kernels (lanes along queries, no barriers, no
 * workgroup memory).
 */
import { laneRows, RT_LANES } from './conv-variants.js';
import type { Dispatch, View } from './types.js';

export interface AttentionParams {
  label: string;
  /** The qkv conv's output: heads·(2·keyDim + headDim) × h × w (per head: q, k, v channel blocks). */
  qkv: View;
  /** heads·headDim × h × w: attn·v + pe(v), the input of `proj`. May be a channel slice. */
  output: View;
  heads: number;
  keyDim: number;
  headDim: number;
  /** pe weights, raw OIHW [C][1][3][3] (C = heads·headDim), element offset in the weights buffer. */
  peWeightOffset: number;
  /** pe bias [C], element offset in the weights buffer. */
  peBiasOffset: number;
  /** Arena scratch of attentionScratchElements(heads, N, kernel) elements (only `split-sg` needs any). */
  scratch?: View;
}

/** Kernel limits (shaders/attention.wgsl MAX_KD, MAX_HD, MAX_TQ); Ultralytics gives keyDim < 64, 64 ≤ headDim < 128. */
export const ATTENTION_MAX_KEY_DIM = 64;
export const ATTENTION_MAX_HEAD_DIM = 128;
const MAX_TQ = 16;
/** Below this many workgroups at MAX_TQ queries each, halve the query tile so more GPU cores get work. */
const MIN_WORKGROUPS = 128;

/** Most scratch elements `split-sg` may take (32 MiB: inputs up to 1280×1280 for yolo11n's 2 heads); above, `rt-sg`. */
export const SPLIT_MAX_SCRATCH = 8 * 1024 * 1024;

/** The kernel that runs for `heads` heads over `n` positions: `split-sg`'s N² scratch falls back to the one-dispatch `rt-sg` past SPLIT_MAX_SCRATCH. */
export function attentionKernelFor(kernel: AttentionKernel, heads: number, n: number): AttentionKernel {
  return kernel === 'split-sg' && attentionScratchElements(heads, n, kernel) > SPLIT_MAX_SCRATCH ? 'rt-sg' : kernel;
}

/** Arena scratch a kernel needs: `split-sg` keeps the scores (heads × N × N) and 1/Σ (heads × N); the others none. */
export function attentionScratchElements(heads: number, n: number, kernel: AttentionKernel = 'loop'): number {
  return kernel === 'split-sg' ? heads * n * (n + 1) : 0;
}

/** Query positions per workgroup: 16, or 8 when 16 would leave fewer than MIN_WORKGROUPS workgroups; ≤ headDim. */
export function attentionQueryTile(n: number, heads: number, headDim: number): number {
  const tq = Math.ceil(n / MAX_TQ) * heads >= MIN_WORKGROUPS ? MAX_TQ : MAX_TQ / 2;
  return Math.min(tq, headDim);
}

export type AttentionKernel = 'loop' | 'rt' | 'rt-sg' | 'split-sg';

/** Queries per workgroup of the generated kernels (attention-rt*.wgsl const TQ). */
const RT_TQ = 16;

export function planAttention(p: AttentionParams, kernel: AttentionKernel = 'loop'): Dispatch[] {
  const { qkv, output: o, heads, keyDim, headDim, label } = p;
  const isInt = (v: number) => Number.isInteger(v) && v >= 1;
  if (!isInt(heads) || !isInt(keyDim) || !isInt(headDim)) throw new Error(`${label}: heads ${heads}, keyDim ${keyDim}, headDim ${headDim} must be positive integers`);
  if (keyDim > ATTENTION_MAX_KEY_DIM) throw new Error(`${label}: keyDim ${keyDim} exceeds the attention kernel's ${ATTENTION_MAX_KEY_DIM}`);
  if (headDim > ATTENTION_MAX_HEAD_DIM) throw new Error(`${label}: headDim ${headDim} exceeds the attention kernel's ${ATTENTION_MAX_HEAD_DIM}`);
  const cqkv = heads * (2 * keyDim + headDim);
  const c = heads * headDim;
  if (qkv.c !== cqkv) throw new Error(`${label}: qkv has ${qkv.c} channels, expected heads·(2·keyDim + headDim) = ${cqkv}`);
  if (qkv.h < 1 || qkv.w < 1) throw new Error(`${label}: empty qkv ${qkv.c}×${qkv.h}×${qkv.w}`);
  if (o.c !== c || o.h !== qkv.h || o.w !== qkv.w) throw new Error(`${label}: output is ${o.c}×${o.h}×${o.w}, must be ${c}×${qkv.h}×${qkv.w}`);
  const n = qkv.h * qkv.w;
  if (o.offset < qkv.offset + cqkv * n && qkv.offset < o.offset + c * n) throw new Error(`${label}: output overlaps qkv`);
  // The generated kernels need ≥ 4 lanes (one per group of 4 queries), the subgroup one whole groups of 4.
  if (kernel === 'split-sg') return planSplit(p, n);
  const k = kernel === 'rt-sg' && headDim % 4 ? 'rt' : kernel !== 'loop' && headDim < 4 ? 'loop' : kernel;
  const tq = k === 'loop' ? attentionQueryTile(n, heads, headDim) : RT_TQ;
  if (Math.ceil(n / tq) > 65535) throw new Error(`${label}: ${n} positions need more than 65535 workgroups`);
  return [{
    label,
    shader: k === 'loop' ? 'attention' : k === 'rt' ? 'attention-rt' : 'attention-rt-sg',
    constants: k === 'loop' ? { KD: keyDim, HD: headDim, TQ: tq } : { KD: keyDim, HD: headDim },
    flops: 2 * heads * n * n * (keyDim + headDim) + 2 * 9 * heads * headDim * n, // QᵀK, V·Aᵀ, 3×3 positional conv
    uniforms: {
      qkv_off: qkv.offset, out_off: o.offset, h: qkv.h, w: qkv.w, heads,
      pe_w: p.peWeightOffset, pe_b: p.peBiasOffset, scale: keyDim ** -0.5,
    },
    workgroups: [Math.ceil(n / tq), heads, 1],
  }];
}

/** Rows and positions per lane of attention-gemm-rt-sg.wgsl (tools/shaders/attention-split.mjs). */
const GEMM_TM = 16;
const GEMM_TN = 8;

/** `split-sg`: scores GEMM → column softmax → output GEMM (+ 1/Σ, + pe(v)); see the header. */
function planSplit(p: AttentionParams, n: number): Dispatch[] {
  const { qkv, output: o, heads, keyDim: kd, headDim: hd, label } = p;
  const s = p.scratch;
  const need = attentionScratchElements(heads, n, 'split-sg');
  if (!s || s.c * s.h * s.w < need) throw new Error(`${label}: the split attention needs ${need} elements of scratch`);
  if (s.offset < qkv.offset + qkv.c * n && qkv.offset < s.offset + need) throw new Error(`${label}: scratch overlaps qkv`);
  if (s.offset < o.offset + o.c * n && o.offset < s.offset + need) throw new Error(`${label}: scratch overlaps the output`);
  const invOff = s.offset + heads * n * n;
  const headStride = (2 * kd + hd) * n;
  const gemm = (rows: number) => {
    const wy = laneRows(Math.ceil(rows / GEMM_TM), n, GEMM_TN, 8);
    const wx = RT_LANES / wy;
    return { wx, workgroups: [Math.ceil(n / (wx * GEMM_TN)), Math.ceil(rows / (GEMM_TM * wy)), heads] as [number, number, number] };
  };
  const common = { n, head_a: headStride, inv_off: invOff };
  const sc = gemm(n);
  const pv = gemm(hd);
  if (Math.max(sc.workgroups[0], sc.workgroups[1], Math.ceil(n / 64)) > 65535) throw new Error(`${label}: ${n} positions need more than 65535 workgroups`);
  return [{
    label: `${label}.scores`, shader: 'attention-gemm-rt-sg', constants: { PV: 0 },
    flops: 2 * heads * n * n * kd,
    uniforms: {
      ...common, a_off: qkv.offset + kd * n, a_ks: n, a_rs: 1, b_off: qkv.offset, head_b: headStride,
      out_off: s.offset, kdim: kd, rows: n, scale: kd ** -0.5, wx: sc.wx,
    },
    workgroups: sc.workgroups,
  }, {
    label: `${label}.softmax`, shader: 'attention-softmax-cols', constants: {},
    uniforms: { s_off: s.offset, inv_off: invOff, n, heads },
    workgroups: [Math.ceil(n / 64), heads, 1],
  }, {
    label: `${label}.pe`, shader: 'attention-pe', constants: {}, flops: 2 * 9 * heads * hd * n,
    uniforms: { qkv_off: qkv.offset, out_off: o.offset, h: qkv.h, w: qkv.w, kd, hd, channels: heads * hd, pe_w: p.peWeightOffset, pe_b: p.peBiasOffset },
    workgroups: [Math.ceil(n / 64), Math.ceil((heads * hd) / 8), 1], // 8 channels per lane (attention-pe.wgsl CPL)
  }, {
    label, shader: 'attention-gemm-rt-sg', constants: { PV: 1 },
    flops: 2 * heads * n * n * hd,
    uniforms: {
      ...common, a_off: qkv.offset + 2 * kd * n, a_ks: 1, a_rs: n, b_off: s.offset, head_b: n * n,
      out_off: o.offset, kdim: n, rows: hd, scale: 1, wx: pv.wx,
    },
    workgroups: pv.workgroups,
  }];
}
