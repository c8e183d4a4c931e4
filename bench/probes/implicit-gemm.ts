/**
 * Probe: a 3×3 stride-2 convolution as an implicit GEMM (no unfold pass) against im2col + the 1×1
 * kernel the runtime runs (shaders/im2col-3x3.wgsl + conv-rt-pw-m16n25-sg.wgsl), on yolo11n's five
 * stride-2 backbone shapes at 640. The implicit kernel is the 1×1 kernel's layout (lanes along the
 * flattened output plane, `tn` pixels each, 16 channels) with each pixel's base address and two padding
 * masks computed once, and the nine taps read in the K loop (the `-px` kernels keep nine offsets and
 * masks per pixel instead). Even input planes only (no bottom or right padding is read), as yolo11n's.
 * Result (PERFORMANCE.md, "Tried and dropped"): not faster than the unfold + GEMM, so not shipped.
 * `npm run bench:probe -- implicit-gemm` (tn 4 and 8; 13 and 25 crashed Chromium's GPU process while
 * compiling on SwiftShader, 2026-12-04).
 */
// @ts-expect-error: a plain ES module of the shader generator (tools/), no declarations
import { accumulators, fmas, header, LANE_SPLIT, loadWeights, storeBase } from '../../tools/shaders/conv-rt.mjs';
// @ts-expect-error: as above
import { range as anyRange } from '../../tools/shaders/common.mjs';
import im2col from '../../shaders/im2col-3x3.wgsl?raw';
import pw from '../../shaders/conv-rt-pw-m16n25-sg.wgsl?raw';
import { ms, noise, openProbe, relError, type Step } from './harness.js';

const range = anyRange as (n: number) => number[];

/** The implicit-GEMM kernel: `tn` pixels per lane; `kyLoop` keeps the kernel rows a loop (smaller code). */
export function implicitGemm(tn: number, kyLoop: boolean): string {
  const k = { kind: 'k3px', stride: 2, tm: 16, tn, sg: true };
  const q = k.tm / 4;
  const fm = (j: number, ind: string): string[] => fmas(k, j, `x${j}`, ind);
  const loadW = (row: string, ind: string): string[] => loadWeights(k, row, ind);
  const L: string[] = [];
  L.push('@compute @workgroup_size(LANES)');
  L.push('fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u, @builtin(subgroup_invocation_id) sid: u32) {');
  L.push(...(LANE_SPLIT as string[]));
  L.push('  let npix = u.out_h * u.out_w;');
  L.push(`  let n0 = (wid.x + wid.z * nwg.x) * WX * ${tn}u + lx;`);
  L.push('  let m0 = (wid.y * WY + ly) * 16u;');
  L.push('  let W = i32(u.in_w);');
  for (const j of range(tn)) {
    L.push(`  let p${j} = min(n0 + ${j}u * WX, npix - 1u);`);
    L.push(`  let oy${j} = p${j} / u.out_w;`);
    L.push(`  let ox${j} = p${j} - oy${j} * u.out_w;`);
    L.push(`  let b${j} = (i32(oy${j} * 2u) - 1) * W + i32(ox${j} * 2u) - 1;`);
    L.push(`  let rv${j} = oy${j} > 0u;`);
    L.push(`  let cv${j} = ox${j} > 0u;`);
  }
  L.push(...(accumulators(k) as string[]));
  L.push('  let wrow = u.cout_pad / 4u;');
  L.push('  var wi = (u.w_off + min(m0, u.cout_pad - 16u)) / 4u + sid % 4u;');
  L.push('  var xi = u.in_off;');
  L.push('  let in_hw = u.in_h * u.in_w;');
  L.push('  for (var ci = 0u; ci < u.in_c; ci++) {');
  if (kyLoop) {
    L.push('    for (var ky = 0; ky < 3; ky++) {');
    L.push('      let ko = ky * W;');
    L.push('      let top = ky == 0;');
    for (const kx of range(3)) {
      L.push('      {');
      L.push(...loadW(kx ? ` + ${kx}u * wrow` : '', '        '));
      for (const j of range(tn)) {
        const m = kx === 0 ? `(rv${j} || !top) && cv${j}` : `rv${j} || !top`;
        L.push(`        let x${j} = select(0.0, arena[xi + u32(max(b${j} + ko + ${kx}, 0))], ${m});`);
        L.push(...fm(j, '        '));
      }
      L.push('      }');
    }
    L.push('      wi += 3u * wrow;');
    L.push('    }');
  } else {
    for (const ky of range(3)) for (const kx of range(3)) {
      const t = ky * 3 + kx;
      L.push('    {');
      L.push(...loadW(t ? ` + ${t}u * wrow` : '', '      '));
      L.push(`      let ko = ${ky} * W + ${kx};`);
      for (const j of range(tn)) {
        if (ky === 0 || kx === 0) {
          const m = ky === 0 && kx === 0 ? `rv${j} && cv${j}` : ky === 0 ? `rv${j}` : `cv${j}`;
          L.push(`      let x${j} = select(0.0, arena[xi + u32(max(b${j} + ko, 0))], ${m});`);
        } else L.push(`      let x${j} = arena[xi + u32(b${j} + ko)];`);
        L.push(...fm(j, '      '));
      }
      L.push('    }');
    }
    L.push('    wi += 9u * wrow;');
  }
  L.push('    xi += in_hw;');
  L.push('  }');
  L.push(...(storeBase(k) as string[]));
  for (const j of range(tn)) for (const i of range(q)) L.push(`  put4(u.out_off, ms + ${4 * i}u, p${j}, npix, a${j}_${i}, mown && n0 + ${j}u * WX < npix);`);
  L.push('}');
  return `${header(k) as string}\n${L.join('\n')}\n`;
}

/** yolo11n's stride-2 3×3 convolutions at 640: [Cin, H, W, Cout]. */
const SHAPES: Record<string, [number, number, number, number]> = {
  'model.0': [3, 640, 640, 16], 'model.1': [16, 320, 320, 32], 'model.3': [32, 160, 160, 64], 'model.5': [64, 80, 80, 128], 'model.7': [128, 40, 40, 256],
};

export async function probe(tns: number[] = [4, 8], runs = 6): Promise<Record<string, Record<string, string>>> {
  const p = await openProbe();
  const unfold = await p.pipeline(im2col);
  const gemm = await p.pipeline(pw, { FULL_M: 1 });
  const kernels: Record<string, GPUComputePipeline> = {};
  for (const tn of tns) for (const loop of [false, true]) kernels[`implicit n${tn}${loop ? ' (ky loop)' : ''}`] = await p.pipeline(implicitGemm(tn, loop), { FULL_M: 1 });
  const out: Record<string, Record<string, string>> = {};
  for (const [name, [c, h, w, co]] of Object.entries(SHAPES)) {
    const oh = h / 2, ow = w / 2, npix = oh * ow, K = 9 * c;
    const colOff = Math.ceil((c * h * w) / 64) * 64, outOff = colOff + K * npix + 64;
    p.device.queue.writeBuffer(p.arena, 0, noise(c * h * w, 7));
    p.device.queue.writeBuffer(p.weights, 0, noise(K * co + co, 3)); // [K][Cout] then the bias
    const mTiles = co / 16, wy = Math.min(mTiles, 4), wx = 64 / wy;
    const conv = { out_off: outOff, out_c: co, out_h: oh, out_w: ow, w_off: 0, b_off: K * co, res_off: 0, cout_pad: co, act: 1, wx };
    const uUnfold = p.uniform(im2col, { in_off: 0, in_c: c, in_h: h, in_w: w, out_off: colOff, out_h: oh, out_w: ow, stride: 2 });
    const uGemm = p.uniform(pw, { ...conv, in_off: colOff, in_c: K, in_h: oh, in_w: ow, bat_in: 0, bat_w: 0, bat_out: 0, zfold: 1, bat_rows: 0 });
    const uImplicit = p.uniform(implicitGemm(tns[0], false), { ...conv, in_off: 0, in_c: c, in_h: h, in_w: w });
    const steps: Record<string, Step[]> = {
      unfold: [[unfold, p.bind(unfold, uUnfold, false), [Math.ceil(npix / 64), c, 1]]],
      gemm: [[gemm, p.bind(gemm, uGemm, true), [Math.ceil(npix / (wx * 25)), Math.ceil(mTiles / wy), 1]]],
    };
    steps['unfold + gemm'] = [...steps.unfold, ...steps.gemm];
    for (const [k, pipe] of Object.entries(kernels)) {
      const tn = Number(/n(\d+)/.exec(k)![1]);
      steps[k] = [[pipe, p.bind(pipe, uImplicit, true), [Math.ceil(npix / (wx * tn)), Math.ceil(mTiles / wy), 1]]];
    }
    const ref = await p.output(steps['unfold + gemm'], outOff, co * npix);
    const row: Record<string, string> = {};
    for (const [k, s] of Object.entries(steps)) {
      const err = k === 'unfold' || k === 'gemm' ? '' : k === 'unfold + gemm' ? `, max |y| ${ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0).toFixed(2)}`
        : `, error ${relError(ref, await p.output(s, outOff, co * npix)).toExponential(1)}`;
      row[k] = `${ms(await p.time(s, runs))}${err}`;
    }
    out[`${name} ${c}→${co} on ${oh}×${ow}`] = row;
  }
  p.device.destroy();
  return out;
}
