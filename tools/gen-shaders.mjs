#!/usr/bin/env node
/**
 * Writes the unrolled kernels for CPU adapters (`npm run gen:shaders`; `--check` only reports stale files),
 * from the templates in tools/shaders/: shaders/conv-rt-*.wgsl,
 * dwconv-rt-*.wgsl, attention-rt*.wgsl, attention-gemm-rt-sg.wgsl and sppf-pool-rt-*.wgsl.
 *
 * Why generated: on CPU adapters (SwiftShader) a function-scope array indexed by a loop variable
 * lives in memory and every access is a per-lane gather/scatter, so a register tile written with
 * arrays and loops ran 0.5–0.9 GFLOP/s, the same tile fully unrolled into named variables 6–9
 * (a 512×1024×512 matmul, measured side by side in one Chromium session). WGSL has no unrolling
 * directive and neither Tint nor SwiftShader unrolls these loops, so the unrolled body is written out
 * here, once per tile shape. Each output file is plain WGSL, valid on its own, specialised further
 * with `override` constants (workgroup shape, activation, residual).
 *
 * Kernels: `pw` (1×1, stride 1: a GEMM over pixels) and `k3` (3×3, stride 1 or 2, zero padding 1).
 * Lanes run along output pixels (neighbouring lanes read neighbouring addresses); each lane owns
 * TM output channels (TM/4 vec4 accumulators) × TN pixels: pw — pixels n0 + lane + WX·j; k3 — one
 * column, TN consecutive rows, so each input value loaded is reused by up to 3 kernel rows; `k3px`
 * (3×3 on small planes) — pixels n0 + lane + WX·j of the flattened plane, like pw, every lane busy.
 * Padding is handled by clamped addresses and a select computed once per lane, outside the K loop.
 * `-sg` variants load the TM weights of a K step cooperatively, one vec4 per lane of a subgroup
 * of ≥ TM/4 lanes that share m0, and broadcast them (subgroupBroadcast), instead of every lane
 * loading all of them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attention, ATTENTION_KERNELS, attentionName } from './shaders/attention-rt.mjs';
import { attentionGemm, ATTENTION_GEMM_KERNELS, attentionGemmName } from './shaders/attention-split.mjs';
import { header, k3, k3px, pw } from './shaders/conv-rt.mjs';
import { dw, sppf, SPPF_KERNELS } from './shaders/pools-rt.mjs';

/** The generated kernels. `tn`: pixels (pw) or rows (k3) per lane; `tm`: channels per lane (multiple of 4). */
export const RT_KERNELS = [
  { kind: 'pw', stride: 1, tm: 16, tn: 8, sg: false },
  { kind: 'pw', stride: 1, tm: 16, tn: 8, sg: true },
  { kind: 'pw', stride: 1, tm: 16, tn: 4, sg: true },
  { kind: 'pw', stride: 1, tm: 16, tn: 16, sg: true },
  // 25 pixels per lane: a workgroup row of 16 lanes covers 400 pixels, a 20×20 plane (and 40×40, 80×80)
  // with no clamped lanes. The 1×1 convs and im2col GEMMs on 20×20 and 40×40 planes ran 12–29 % faster
  // than on m16n16 (side by side, same page; the tuner keeps it where it wins). m16n20 beat it by at most 5 % (80×80) and
  // cost as much to compile (1.1 s, m16n25 1.6 s, m16n16 0.9 s on SwiftShader), so it was dropped.
  { kind: 'pw', stride: 1, tm: 16, tn: 25, sg: true },
  // 13 pixels per lane: a workgroup row covers 208 pixels, so a 20×20 plane is two workgroups with 4 %
  // clamped lanes (one 400-pixel workgroup leaves the other cores idle; two of 256 clamp 22 %).
  { kind: 'pw', stride: 1, tm: 16, tn: 13, sg: true },
  // 8 channels per lane: the GEMMs of Winograd F(4×4) for a convolution with at most 8 output channels,
  // which a 16-channel tile computes twice over. yolo11n's 160×160 bottleneck 16 → 8 at 640: 8.8 and
  // 9.6 ms against 11.4 and 11.2 for the best direct kernel (m4n8) and 11.9 for F(4×4) on m16n13 (the
  // tuner's two rounds, `npm run bench -- --imgsz 640`, 2026-12-04). m8n13 took 10.8 and 9.8 ms there and
  // lost at 320 too (4.10 against m4n8's 3.42), so it was dropped.
  { kind: 'pw', stride: 1, tm: 8, tn: 25, sg: true },
  { kind: 'k3', stride: 1, tm: 16, tn: 8, sg: false },
  { kind: 'k3', stride: 1, tm: 16, tn: 8, sg: true },
  { kind: 'k3', stride: 1, tm: 16, tn: 4, sg: true },
  { kind: 'k3', stride: 2, tm: 16, tn: 4, sg: false },
  { kind: 'k3', stride: 2, tm: 16, tn: 4, sg: true },
  { kind: 'k3', stride: 2, tm: 16, tn: 8, sg: true },
  { kind: 'k3', stride: 2, tm: 16, tn: 16, sg: true },
  { kind: 'k3px', stride: 1, tm: 16, tn: 4, sg: true },
  { kind: 'k3px', stride: 2, tm: 16, tn: 4, sg: true },
  { kind: 'k3px', stride: 1, tm: 16, tn: 8, sg: true },
  { kind: 'k3px', stride: 2, tm: 16, tn: 8, sg: true },
  // 8 vec4 accumulators per lane (4 or 8 channels) instead of 32 (16 channels × 8 rows): the 3×3 convs
  // with few channels (yolo11n's 160×160 bottleneck 16 → 8 → 16: 2.5× faster on SwiftShader) and some
  // 40×40 ones win with them; 16 accumulators (m8n8, m4n16) and narrow 1×1 or stride-2 tiles lost
  // everywhere (the tuner's timings, `npm run bench -- --imgsz 640`).
  { kind: 'k3', stride: 1, tm: 4, tn: 8, sg: true },
  { kind: 'k3', stride: 1, tm: 8, tn: 4, sg: true },
];

/** Depthwise 3×3 kernels (groups = C): one channel per lane, `tn` rows of one output column. */
export const DW_KERNELS = [
  { kind: 'dw', stride: 1, tn: 8 },
];

/** The shader's file stem. */
export function rtName(k) {
  if (k.kind === 'sppf') return `sppf-pool-rt-n${k.tn}`;
  if (k.kind === 'attention') return attentionName(k);
  if (k.kind === 'attention-gemm') return attentionGemmName(k);
  if (k.kind === 'dw') return `dwconv-rt-3x3s${k.stride}-n${k.tn}`;
  return `conv-rt-${k.kind === 'pw' ? 'pw' : `3x3s${k.stride}${k.kind === 'k3px' ? '-px' : ''}`}-m${k.tm}n${k.tn}${k.sg ? '-sg' : ''}`;
}

export function generate(k) {
  if (k.kind === 'sppf') return sppf(k);
  if (k.kind === 'attention') return attention(k);
  if (k.kind === 'attention-gemm') return attentionGemm(k);
  if (k.kind === 'dw') return dw(k);
  return `${header(k)}\n${k.kind === 'pw' ? pw(k) : k.kind === 'k3px' ? k3px(k) : k3(k)}\n`;
}

export const ALL_KERNELS = [...RT_KERNELS, ...DW_KERNELS, ...ATTENTION_KERNELS, ...ATTENTION_GEMM_KERNELS, ...SPPF_KERNELS];

const shaderPath = (k) => fileURLToPath(new URL(`../shaders/${rtName(k)}.wgsl`, import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const k of ALL_KERNELS) {
    const text = generate(k);
    const path = shaderPath(k);
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {}
    if (old === text) continue;
    stale++;
    if (check) console.error(`stale: ${path}`);
    else writeFileSync(path, text);
  }
  if (check && stale) process.exit(1);
  console.log(`${ALL_KERNELS.length} kernels, ${stale} ${check ? 'stale' : 'written'}`);
}
