/**
 * Probe: where the time of the thin convolutions goes (K = 27 and 32, whose K loops are short):
 * `model.2.cv1` at 640 (1×1, 32 → 32 on 160×160, `conv-rt-pw-m16n8-sg`) and `model.0` at 640 (3×3
 * stride 2, 3 → 16, `conv-rt-3x3s2-m16n8-sg`). Each runs as shipped (accumulators starting at the bias),
 * with the bias added in the epilogue (the kernels before), without computing SiLU, without its stores,
 * with an empty K loop (in_c 0), bare (in_c 0, no SiLU, no stores), against an empty kernel of as many
 * workgroups, and with other forms of SiLU; every variant timed in turn, ten rounds, each keeping its best.
 * Result (PERFORMANCE.md, "Where the time goes"): `model.0` spends about half its time outside the K
 * loop; the bias loads in the epilogue were 2 ms of it, now gone; SiLU and the stores 1–2 ms each.
 * `npm run bench:probe -- epilogue`.
 */
import pw from '../../shaders/conv-rt-pw-m16n8-sg.wgsl?raw';
import k3 from '../../shaders/conv-rt-3x3s2-m16n8-sg.wgsl?raw';
import { ms, noise, openProbe, relError, type Step } from './harness.js';

const SILU = 'var v = select(b, b / (1.0 + exp(-b)), u.act != 0u);';
const SILU_FORMS: Record<string, string> = {
  'no SiLU computed (v = b)': 'var v = b;',
  'SiLU as x·(1 / (1 + e^−x))': 'var v = select(b, b * (1.0 / (1.0 + exp(-b))), u.act != 0u);',
  'SiLU as x / (1 + 2^(−x·log₂e))': 'var v = select(b, b / (1.0 + exp2(-1.4426950408889634 * b)), u.act != 0u);',
};
const STORES = /  if \(FULL_M \|\| m0 \+ 3u < u\.out_c\) \{[\s\S]*?\n  \} else \{/;

/** The kernel as it was before its accumulators started at the bias: the epilogue loads and adds it. */
export function biasInEpilogue(code: string): string {
  const out = code.replace(/var (a\d+_\d+) = bias\d+;/g, 'var $1 = vec4<f32>();').replace('let b = acc;', 'let b = acc + weights[(u.b_off + m0) / 4u];');
  if (out === code || !code.includes('let b = acc;')) throw new Error("the kernel's accumulators or epilogue moved: update the probe");
  return out;
}

/** The kernel without its stores (a test that never holds keeps the values alive). */
function withoutStores(code: string): string {
  const out = code.replace(STORES, '  if (v.x == 12345.0 && v.y == 0.5) { arena[ob] = v.z + v.w; } else if (false) {');
  if (out === code) throw new Error("the kernel's stores moved: update the probe");
  return out;
}

const EMPTY = `@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(local_invocation_index) li: u32) { if (li == 9999u) { arena[0] = 1.0; } }`;

export async function probe(runs = 8, rounds = 10): Promise<Record<string, Record<string, string>>> {
  const p = await openProbe();
  const out: Record<string, Record<string, string>> = {};
  const cases = [
    { name: 'model.2.cv1 at 640 (1×1, 32 → 32, 160×160)', code: pw, c: 32, co: 32, h: 160, w: 160, oh: 160, ow: 160, K: 32, wx: 32 },
    { name: 'model.0 at 640 (3×3 s2, 3 → 16, 640 → 320)', code: k3, c: 3, co: 16, h: 640, w: 640, oh: 320, ow: 320, K: 27, wx: 64 },
  ];
  const empty = await p.pipeline(EMPTY);
  for (const k of cases) {
    if (!k.code.includes(SILU)) throw new Error("the kernel's SiLU moved: update the probe");
    const outOff = Math.ceil((k.c * k.h * k.w) / 64) * 64;
    const n = k.co * k.oh * k.ow;
    p.device.queue.writeBuffer(p.arena, 0, noise(k.c * k.h * k.w, 7).map((v) => v * 8));
    p.device.queue.writeBuffer(p.weights, 0, noise(k.K * k.co + k.co, 3));
    const flops = 2 * k.co * k.K * k.oh * k.ow;
    const pwk = k.code === pw;
    const values = (inC: number) => ({
      in_off: 0, in_c: inC, in_h: k.h, in_w: k.w, out_off: outOff, out_c: k.co, out_h: k.oh, out_w: k.ow,
      w_off: 0, b_off: k.K * k.co, res_off: 0, cout_pad: k.co, act: 1, wx: k.wx,
      ...(pwk ? { bat_in: 0, bat_w: 0, bat_out: 0, zfold: 1, bat_rows: 0 } : { yrows: 1 }),
    });
    const grid: [number, number, number] = pwk
      ? [Math.ceil((k.oh * k.ow) / (k.wx * 8)), Math.ceil(k.co / 16 / (64 / k.wx)), 1]
      : [Math.ceil(k.ow / k.wx), k.oh / 8, 1];
    const step = (pipe: GPUComputePipeline, inC = k.c): Step => [pipe, p.bind(pipe, p.uniform(k.code, values(inC)), true), [...grid]];
    const base = await p.pipeline(k.code, { FULL_M: 1 });
    const ref = await p.output([step(base)], outOff, n);
    const variants: [string, Step][] = [['the kernel (accumulators start at the bias)', step(base)]];
    const checked = async (label: string, code: string) => {
      const pipe = await p.pipeline(code, { FULL_M: 1 });
      variants.push([`${label}, error ${relError(ref, await p.output([step(pipe)], outOff, n)).toExponential(1)} of max|out|`, step(pipe)]);
    };
    await checked('bias added in the epilogue (before)', biasInEpilogue(k.code));
    for (const [label, line] of Object.entries(SILU_FORMS)) await checked(label, k.code.replace(SILU, line));
    const noStores = await p.pipeline(withoutStores(k.code), { FULL_M: 1 });
    variants.push(['no stores', step(noStores)], ['empty K loop (in_c 0)', step(base, 0)]);
    const bare = await p.pipeline(withoutStores(k.code).replace(SILU, 'var v = b;'), { FULL_M: 1 });
    variants.push(['bare: in_c 0, no SiLU, no stores', step(bare, 0)]);
    variants.push(['an empty kernel, as many workgroups', [empty, p.device.createBindGroup({ layout: empty.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: p.arena } }] }), [...grid]]]);
    const best = new Map<string, { best: number; median: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const [label, s] of variants) {
        const t = await p.time([s], runs);
        const b = best.get(label);
        if (!b || t.best < b.best) best.set(label, t);
      }
    }
    const row: Record<string, string> = {};
    for (const [label, t] of best) row[label] = `${ms(t)} (${(flops / t.best / 1e6).toFixed(2)} GFLOP/s)`;
    out[`${k.name}, ${(flops / 1e6).toFixed(1)} MFLOP`] = row;
  }
  p.device.destroy();
  return out;
}
