/**
 * Probe: `model.0` (3×3 stride 2, 3 → 16) on the direct `conv-rt-3x3s2-m16n8-sg` kernel at 320 and 640,
 * as 1 and as 4 dispatches of the same convolution in one submit: what one more dispatch costs
 * ((4 − 1) / 3) against what a lone one does (the tuner and the profile time lone ones), to tell a
 * fixed cost per submit from the kernel's own; in rows of 64 lanes (160 columns at 320: 160 of 192
 * lanes busy) and in rows of 32 with 2 rows of lanes along row tiles (the kernel's `yrows`: every lane
 * busy). Result (PERFORMANCE.md, "3×3 kernels' rows of lanes along row tiles"): faster at 320, the
 * same at 640, so the planner takes such a split where it leaves fewer lanes idle (`k3LaneSplit`).
 * `npm run bench:probe -- stem-repeat`.
 */
import k3 from '../../shaders/conv-rt-3x3s2-m16n8-sg.wgsl?raw';
import { noise, openProbe, type Step } from './harness.js';

export async function probe(runs = 8): Promise<Record<string, Record<string, string>>> {
  const p = await openProbe();
  const pipe = await p.pipeline(k3, { FULL_M: 1, FULL_N: 1 });
  const out: Record<string, Record<string, string>> = {};
  for (const size of [320, 640]) {
    const c = 3, co = 16, oh = size / 2, ow = size / 2, K = 9 * c;
    const outOff = Math.ceil((c * size * size) / 64) * 64;
    p.device.queue.writeBuffer(p.arena, 0, noise(c * size * size, 7));
    p.device.queue.writeBuffer(p.weights, 0, noise(K * co + co, 3)); // [K][Cout] then the bias
    const flops = 2 * co * K * oh * ow;
    const row: Record<string, string> = {};
    // Rows of 64 lanes (the split before k3LaneSplit), and rows of 32 with 2 along row tiles.
    for (const [wx, yr] of [[64, 1], [32, 2]]) {
      const u = p.uniform(k3, {
        in_off: 0, in_c: c, in_h: size, in_w: size, out_off: outOff, out_c: co, out_h: oh, out_w: ow,
        w_off: 0, b_off: K * co, res_off: 0, cout_pad: co, act: 1, wx, yrows: yr,
      });
      const one: Step = [pipe, p.bind(pipe, u, true), [Math.ceil(ow / wx), oh / 8 / yr, 1]];
      const t1 = await p.time([one], runs);
      const t4 = await p.time([one, one, one, one], runs);
      const marginal = (t4.best - t1.best) / 3;
      const split = `rows of ${wx} lanes${yr > 1 ? `, ${yr} along row tiles` : ''}`;
      row[`${split}: one dispatch`] = `${t1.best.toFixed(2)} ms (${(flops / t1.best / 1e6).toFixed(2)} GFLOP/s)`;
      row[`${split}: four in one pass`] = `${t4.best.toFixed(2)} ms`;
      row[`${split}: each one more`] = `${marginal.toFixed(2)} ms (${(flops / marginal / 1e6).toFixed(2)} GFLOP/s)`;
    }
    out[`model.0 at ${size} (${(flops / 1e6).toFixed(1)} MFLOP)`] = row;
  }
  p.device.destroy();
  return out;
}
