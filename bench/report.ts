/** The benchmark's markdown report: environment, the side-by-side table, ours in detail, top-10 kernels. */
import { HOPELESS, type GemmResult } from './gemm.js';
import { convVariant, isShapeKey, multiStep } from '../src/ops/conv-variants.js';

export interface Stats { median: number; p90: number; min: number; runs: number }

export interface OursResult {
  setupMs: Record<string, number>; createMs: number; firstMs: number; coldMs: number;
  forward: Stats; detect: Stats; detectOverForward?: number; throughput: { inflight: number; imagesPerSecond: number };
  dispatches: number; flops: number; parity: { maxAbs: number; rel: number } | string;
  /** Per op (an im2col convolution's unfolding counted in its row, `prologueMs` of its `ms`). */
  profile: { label: string; shader: string; ms: number; flops: number; variant?: string; prologueMs?: number }[] | string;
  /** How many profiled forwards each dispatch's time is the median of (absent: 1, older results). */
  profilePasses?: number;
  /** The convolution kernel chosen per shape class, and how (tuned now, from the cache, or the adapter default). */
  tuning?: { source: string; byClass: Record<string, string>; ms?: number; timings?: unknown };
  /** The runtime whose output0 `parity` compares ours with (an ORT peer run in the same page, same input). */
  parityReference?: string;
  /** What `detect` times end to end: `detect()`, or `classify()` for a classification model (absent: detect()). */
  endToEnd?: 'detect()' | 'classify()';
}

export interface PeerResult { createMs: number; firstMs: number; warm: Stats; threads?: number; io?: string }

export interface BenchResult {
  date: string; model: string; imgsz: [number, number]; runs: number; browser: string;
  env?: { adapter: Record<string, string | number>; features: string[]; limits: Record<string, number>; userAgent: string; crossOriginIsolated: boolean; threads?: number };
  ours?: OursResult | string;
  peers: Record<string, PeerResult | string>;
  gemm?: GemmResult | string;
  /** The machine the CLI ran on (os.cpus()): a page cannot know it, and CPU adapters' figures depend on it. */
  host?: Host;
}

export interface Host { cpu: string; cores: number; os: string }

/** One line naming the host, for every report the CLI prints. */
export const hostLine = (h: Host) => `host ${h.cpu}, ${h.cores} logical cores, ${h.os}`;

const versus = (ratio: number) => (ratio >= 1 ? `ours ${ratio.toFixed(2)}× faster` : `ours ${(1 / ratio).toFixed(2)}× slower`);

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

/** The best ORT WebGPU layout, or undefined. */
export function bestOrtWebgpu(r: BenchResult): [string, PeerResult] | undefined {
  const ok = Object.entries(r.peers).filter(([k, v]) => k.startsWith('ort-webgpu') && typeof v !== 'string') as [string, PeerResult][];
  return ok.sort((a, b) => a[1].warm.median - b[1].warm.median)[0];
}

export function markdown(r: BenchResult): string {
  const L: string[] = [];
  L.push(`## yolo11-webgpu benchmark — ${r.date}`, '');
  L.push(`model ${r.model}, input ${r.imgsz.join('×')}, ${r.runs} warm runs each`);
  if (r.host) L.push(hostLine(r.host));
  if (r.env) L.push(`adapter ${JSON.stringify(r.env.adapter)}; features ${r.env.features.join(', ')}; ${r.browser}; crossOriginIsolated ${r.env.crossOriginIsolated}`);
  L.push('', '| runtime | session/create | first run | warm median | warm p90 | warm min | vs ours |', '|---|---|---|---|---|---|---|');
  const o = typeof r.ours === 'object' ? r.ours : undefined;
  if (o) L.push(`| **yolo11-webgpu forward()** | ${ms(o.createMs)} | ${ms(o.firstMs)} | ${ms(o.forward.median)} | ${ms(o.forward.p90)} | ${ms(o.forward.min)} | 1.00× |`);
  else L.push(`| yolo11-webgpu | ${r.ours ?? 'not run'} | | | | | |`);
  for (const [name, p] of Object.entries(r.peers)) {
    if (typeof p === 'string') L.push(`| ${name} | ${p} | | | | | |`);
    else L.push(`| ${name}${p.threads ? ` (${p.threads} threads)` : ''}${p.io === 'cpu' && name.includes('IO on GPU') ? ' (binding failed: CPU IO)' : ''} | ${ms(p.createMs)} | ${ms(p.firstMs)} | ${ms(p.warm.median)} | ${ms(p.warm.p90)} | ${ms(p.warm.min)} | ${o ? versus(p.warm.median / o.forward.median) : ''} |`);
  }
  if (o) {
    const best = bestOrtWebgpu(r);
    const gflops = o.flops / (o.forward.median * 1e6);
    L.push('', `ours: ${o.dispatches} dispatches per forward, ${(o.flops / 1e9).toFixed(2)} GFLOP → ${gflops.toFixed(2)} GFLOP/s achieved (warm median)`);
    const call = o.endToEnd ?? 'detect()';
    L.push(`ours: ${call} end to end median ${ms(o.detect.median)} (p90 ${ms(o.detect.p90)}) = ${(o.detect.median / o.forward.median).toFixed(3)}× forward() (median of paired runs ${o.detectOverForward?.toFixed(3) ?? '–'}×); throughput ${o.throughput.imagesPerSecond.toFixed(3)} images/s with ${o.throughput.inflight} ${call} in flight`);
    L.push(`ours: cold start ${ms(o.coldMs)} = create ${ms(o.createMs)} (${Object.entries(o.setupMs).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}) + first result ${ms(o.firstMs)}`);
    L.push(`ours: parity of output0 vs ${o.parityReference ?? 'ONNX Runtime'}: ${typeof o.parity === 'string' ? o.parity : `max|Δ| ${o.parity.maxAbs.toExponential(2)}, ${o.parity.rel.toExponential(2)} of max|ref|`}`);
    if (best) {
      L.push(`**warm forward() ${(best[1].warm.median / o.forward.median).toFixed(2)}× faster than ${best[0]}** (the better ORT WebGPU layout); cold start ${ms(o.coldMs)} vs ORT's session + first run ${ms(best[1].createMs + best[1].firstMs)}`);
    }
    if (o.tuning) {
      // Exact shapes (kind/cin>cout@h×w) are counted per kernel; shape classes (kind/bucket) listed.
      const entries = Object.entries(o.tuning.byClass);
      const classes = entries.filter(([k]) => !isShapeKey(k)).map(([k, v]) => `${k} → ${v}`);
      const perKernel = new Map<string, number>();
      for (const [k, v] of entries) if (isShapeKey(k)) perKernel.set(v, (perKernel.get(v) ?? 0) + 1);
      const shapes = [...perKernel].sort((a, b) => b[1] - a[1]).map(([v, n]) => `${v} ×${n}`);
      L.push(`ours: conv kernels ${o.tuning.source}${o.tuning.ms ? ` in ${ms(o.tuning.ms)}` : ''}: ${[shapes.length ? `${entries.length - classes.length} shapes: ${shapes.join(', ')}` : '', classes.join(', ')].filter(Boolean).join('; ')}`);
      const pays = multiStepPays(o.tuning);
      if (pays) L.push(`ours: multi-dispatch kernels chosen for ${pays.shapes} shapes (${pays.im2col} im2col: two dispatches each, three where K is split; ${pays.winograd} Winograd: three); the tuner's times for them in this run: ${ms(pays.multi)} against ${ms(pays.direct)} with the best one-dispatch kernel`);
    }
    if (typeof o.profile !== 'string') {
      const unfold = o.profile.filter((k) => k.prologueMs !== undefined && k.variant?.includes('-i2c-'));
      if (unfold.length) L.push(`ours: ${unfold.length} convolutions run as im2col + 1×1: ${ms(unfold.reduce((s, k) => s + k.ms, 0))} of GPU time, of which unfolding ${ms(unfold.reduce((s, k) => s + (k.prologueMs ?? 0), 0))} (counted in each convolution's row below)`);
      const wino = o.profile.filter((k) => !!convVariant(k.variant ?? '')?.winograd);
      const f4 = wino.filter((k) => convVariant(k.variant!)!.winograd === 4).length;
      if (wino.length) L.push(`ours: ${wino.length} convolutions run as Winograd (${wino.length - f4} F(2×2, 3×3), ${f4} F(4×4, 3×3)): ${ms(wino.reduce((s, k) => s + k.ms, 0))} of GPU time with both transforms, of which the input transforms ${ms(wino.reduce((s, k) => s + (k.prologueMs ?? 0), 0))}; their GFLOP/s below count a direct convolution's FLOPs (2.25× and 4× the multiply-adds done)`);
    }
    const ceiling = typeof r.gemm === 'object' ? r.gemm.ceiling : undefined;
    if (ceiling) L.push(`ours: whole forward() at ${gflops.toFixed(2)} GFLOP/s = **${((100 * gflops) / ceiling).toFixed(0)} % of the GEMM ceiling** (${ceiling.toFixed(2)} GFLOP/s, ${(r.gemm as GemmResult).ceilingKernel}, same run)`);
    if (typeof o.profile !== 'string') {
      const total = o.profile.reduce((s, k) => s + k.ms, 0);
      // Convolutions (conv-* kernels; depthwise and attention are listed apart) of ≥ 20 MFLOP.
      const convs = o.profile.filter((k) => k.flops >= 20e6 && k.shader.startsWith('conv-'));
      const share = (k: { ms: number; flops: number }) => k.flops / (k.ms * 1e6) / ceiling!;
      if (ceiling && convs.length) {
        const shares = convs.map(share).sort((a, b) => a - b);
        L.push(`ours: convolutions of ≥ 20 MFLOP: ${convs.length}, share of ceiling min ${(100 * shares[0]).toFixed(0)} %, median ${(100 * shares[Math.floor((shares.length - 1) / 2)]).toFixed(0)} %; ${shares.filter((x) => x >= 0.6).length} at ≥ 60 %`);
        const under = convs.filter((k) => share(k) < 0.6).sort((a, b) => share(a) - share(b));
        if (under.length) L.push(`ours: under 60 %: ${under.map((k) => `${k.label} ${(100 * share(k)).toFixed(0)} %`).join(', ')}`);
        const other = o.profile.filter((k) => k.flops >= 20e6 && !k.shader.startsWith('conv-'));
        if (other.length) L.push(`ours: other kernels of ≥ 20 MFLOP: ${other.map((k) => `${k.label} (${k.shader}) ${(100 * share(k)).toFixed(0)} %`).join(', ')}`);
      }
      const byShader = new Map<string, number>();
      for (const k of o.profile) byShader.set(k.shader, (byShader.get(k.shader) ?? 0) + k.ms);
      L.push(`ours: GPU time by kernel: ${[...byShader].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${ms(v)} (${((100 * v) / total).toFixed(1)} %)`).join(', ')}`);
      L.push('', `per-kernel GPU time (timestamp-query, one pass per dispatch, median of ${o.profilePasses ?? 1} profiled forwards; sum ${ms(total)})${ceiling ? `; share of the GEMM ceiling ${ceiling.toFixed(2)} GFLOP/s` : ''}, top 12:`, '',
        '| dispatch | kernel | GPU time | share | GFLOP/s | of ceiling |', '|---|---|---|---|---|---|');
      for (const k of [...o.profile].sort((a, b) => b.ms - a.ms).slice(0, 12)) {
        const g = k.flops / (k.ms * 1e6);
        L.push(`| ${k.label} | ${k.variant ?? k.shader} | ${ms(k.ms)} | ${((100 * k.ms) / total).toFixed(1)} % | ${k.flops ? g.toFixed(2) : '–'} | ${k.flops && ceiling ? `${((100 * g) / ceiling).toFixed(0)} %` : '–'} |`);
      }
    } else L.push('', `per-kernel GPU time: ${o.profile}`);
  }
  if (typeof r.gemm === 'object') L.push('', gemmMarkdown(r.gemm));
  else if (r.gemm) L.push('', `GEMM ceiling: ${r.gemm}`);
  return `${L.join('\n')}\n`;
}

/**
 * Whether the extra dispatches of multi-dispatch kernels (im2col: two, Winograd: three) paid for
 * themselves, from the tuner's own timings: over the exact shapes where one was chosen, its time
 * against the best one-dispatch kernel's.
 */
export function multiStepPays(t: NonNullable<OursResult['tuning']>): { shapes: number; im2col: number; winograd: number; multi: number; direct: number } | undefined {
  const timings = (t.timings ?? {}) as Record<string, Record<string, number | string>>;
  let im2col = 0, winograd = 0, multi = 0, direct = 0;
  for (const [shape, id] of Object.entries(t.byClass)) {
    const row = timings[shape];
    const v = convVariant(id);
    if (!isShapeKey(shape) || !v || !multiStep(v) || !row || typeof row[id] !== 'number') continue;
    const others = Object.entries(row).filter(([k, x]) => { const o = convVariant(k); return !!o && !multiStep(o) && typeof x === 'number'; }).map(([, x]) => x as number);
    if (!others.length) continue;
    if (v.winograd) winograd++;
    else im2col++;
    multi += row[id] as number;
    direct += Math.min(...others);
  }
  return im2col + winograd ? { shapes: im2col + winograd, im2col, winograd, multi, direct } : undefined;
}

/** The ceiling's table: every kernel of the family at every shape (GFLOP/s), best per shape in bold. */
export function gemmMarkdown(g: GemmResult): string {
  const shapes = [...new Set(g.rows.map((r) => r.shape))];
  const kernels = [...new Set(g.rows.map((r) => r.kernel))];
  const L = [`GEMM ceiling (bench/gemm.ts, plain matmuls of our own): **${g.ceiling.toFixed(2)} GFLOP/s** (${g.ceilingKernel})`, '',
    `| kernel | ${shapes.join(' | ')} |`, `|---|${shapes.map(() => '---').join('|')}|`];
  for (const k of kernels) {
    const cells = shapes.map((sh) => {
      const r = g.rows.find((x) => x.shape === sh && x.kernel === k);
      if (!r) return '';
      if (!('gflops' in r)) return `failed: ${r.error}`;
      const v = `${r.gflops.toFixed(2)}${r.once ? '¹' : ''}`;
      return g.perShape[sh]?.kernel === k ? `**${v}**` : v;
    });
    L.push(`| ${k} | ${cells.join(' | ')} |`);
  }
  if (g.rows.some((r) => 'once' in r && r.once)) L.push('', `¹ timed once (its warm-up): at least ${HOPELESS}× the shape's best time so far, so not timed again.`);
  const o = g.outputCost;
  if (o && o.ms[1] >= o.ms[0]) {
    // The twin without writes was not faster: the writes' cost is inside this run's noise, and no bound follows.
    L.push('', `Output writes (${o.kernel}, 160×160 px, K 32, M 32): ${o.ms[0].toFixed(2)} ms, ${o.ms[1].toFixed(2)} ms without them: the twin without writes was not faster in this run, so their cost is inside its noise and bounds nothing.`);
  } else if (o) {
    const most = (k: number) => `K ${k}: ${((100 * k) / (k + o.fmas)).toFixed(0)} %`;
    L.push('', `Output writes (${o.kernel}, 160×160 px, K 32, M 32): ${o.ms[0].toFixed(2)} ms, ${o.ms[1].toFixed(2)} ms without them, so writing one output element costs ${o.ns.toFixed(2)} ns, `
      + `as long as ${o.fmas.toFixed(0)} multiply-adds at the ceiling's rate: a convolution with K multiply-adds per output that writes each output reaches at most K / (K + ${o.fmas.toFixed(0)}) of the ceiling (${[27, 32, 64, 144].map(most).join(', ')}).`);
  }
  return `${L.join('\n')}\n`;
}
