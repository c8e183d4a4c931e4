/** Planner for C2PSA's attention + positional conv, one dispatch (shaders/attention.wgsl). */
import type { Dispatch, View } from './types.js';

export interface AttentionParams {
  label: string;
  /** qkv conv output: heads·(2·keyDim + headDim) × h × w. */
  qkv: View;
  /** heads·headDim × h × w. */
  output: View;
  heads: number;
  keyDim: number;
  headDim: number;
  /** pe weights [C][1][3][3] and bias [C], raw, in the weights buffer. */
  peWeightOffset: number;
  peBiasOffset: number;
  scratch?: View;
}

/** Workgroup memory holds one scores row; 4096 positions (e.g. 2048×2048 input) is the cap. */
const MAXN_CAP = 4096;

/** The kernel keeps scores in workgroup memory: no arena scratch is needed. */
export const attentionScratchElements = (_heads: number, _n: number) => 0;

export function planAttention(p: AttentionParams): Dispatch[] {
  const { qkv, output: o, heads, keyDim, headDim } = p;
  const n = qkv.h * qkv.w;
  if (qkv.c !== heads * (2 * keyDim + headDim)) throw new Error(`${p.label}: qkv has ${qkv.c} channels, expected ${heads * (2 * keyDim + headDim)}`);
  if (o.c !== heads * headDim || o.h !== qkv.h || o.w !== qkv.w) throw new Error(`${p.label}: output must be ${heads * headDim}×${qkv.h}×${qkv.w}`);
  if (n > MAXN_CAP) throw new Error(`${p.label}: ${n} positions exceed the attention kernel's ${MAXN_CAP}`);
  // Round the scores row up to a power of two so few pipeline variants exist.
  const maxn = Math.max(64, 2 ** Math.ceil(Math.log2(n)));
  return [{
    label: p.label,
    shader: 'attention',
    constants: { KD: keyDim, HD: headDim, MAXN: maxn },
    uniforms: { qkv_off: qkv.offset, out_off: o.offset, h: qkv.h, w: qkv.w, pe_w: p.peWeightOffset, pe_b: p.peBiasOffset, scale: keyDim ** -0.5 },
    workgroups: [n, heads, 1],
  }];
}
