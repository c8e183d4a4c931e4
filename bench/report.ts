/** The benchmark's markdown report: environment, the side-by-side table, ours in detail, top-10 kernels. */
interface Stats { median: number; p90: number; min: number; runs: number }

export interface OursResult {
  setupMs: Record<string, number>; createMs: number; firstMs: number; coldMs: number;
  forward: Stats; detect: Stats; detectOverForward?: number; throughput: { inflight: number; imagesPerSecond: number };
  dispatches: number; flops: number; parity: { maxAbs: number; rel: number } | string;
  profile: { label: string; shader: string; ms: number; flops: number }[] | string;
}

export interface GemmResult { adapter: unknown; rows: { shape: string; variant: string; ms: number; gflops: number }[]; ceiling: number }

export interface PeerResult { createMs: number; firstMs: number; warm: Stats; threads?: number; io?: string }

export interface BenchResult {
  date: string; model: string; imgsz: [number, number]; runs: number; browser: string;
  env?: { adapter: Record<string, string>; features: string[]; limits: Record<string, number>; userAgent: string; crossOriginIsolated: boolean };
  ours?: OursResult | string;
  peers: Record<string, PeerResult | string>;
  gemm?: GemmResult | string;
}

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
    L.push(`ours: detect() end to end median ${ms(o.detect.median)} (p90 ${ms(o.detect.p90)}) = ${(o.detect.median / o.forward.median).toFixed(3)}× forward() (median of paired runs ${o.detectOverForward?.toFixed(3) ?? '–'}×); throughput ${o.throughput.imagesPerSecond.toFixed(3)} images/s with ${o.throughput.inflight} detect() in flight`);
    L.push(`ours: cold start ${ms(o.coldMs)} = create ${ms(o.createMs)} (${Object.entries(o.setupMs).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}) + first result ${ms(o.firstMs)}`);
    L.push(`ours: parity of output0 vs ONNX Runtime: ${typeof o.parity === 'string' ? o.parity : `max|Δ| ${o.parity.maxAbs.toExponential(2)}, ${o.parity.rel.toExponential(2)} of max|ref|`}`);
    if (best) {
      L.push(`**warm forward() ${(best[1].warm.median / o.forward.median).toFixed(2)}× faster than ${best[0]}** (the better ORT WebGPU layout); cold start ${ms(o.coldMs)} vs ORT's session + first run ${ms(best[1].createMs + best[1].firstMs)}`);
    }
    if (typeof o.profile !== 'string') {
      const total = o.profile.reduce((s, k) => s + k.ms, 0);
      const ceiling = typeof r.gemm === 'object' ? r.gemm.ceiling : undefined;
      L.push('', `per-kernel GPU time (timestamp-query, one pass per dispatch; sum ${ms(total)})${ceiling ? `; GEMM ceiling ${ceiling.toFixed(2)} GFLOP/s (bench:gemm, same session)` : ''}, top 10:`, '',
        '| dispatch | kernel | GPU time | share | GFLOP/s | of ceiling |', '|---|---|---|---|---|---|');
      for (const k of [...o.profile].sort((a, b) => b.ms - a.ms).slice(0, 10)) {
        const g = k.flops / (k.ms * 1e6);
        L.push(`| ${k.label} | ${k.shader} | ${ms(k.ms)} | ${((100 * k.ms) / total).toFixed(1)} % | ${k.flops ? g.toFixed(2) : '–'} | ${k.flops && ceiling ? `${((100 * g) / ceiling).toFixed(0)} %` : '–'} |`);
      }
    } else L.push('', `per-kernel GPU time: ${o.profile}`);
  }
  if (typeof r.gemm === 'object') {
    L.push('', '| GEMM (N pixels × K) · (K × M), our conv kernels as 1×1 | kernel | ms | GFLOP/s |', '|---|---|---|---|');
    for (const x of r.gemm.rows) L.push(`| ${x.shape} | ${x.variant} | ${x.ms.toFixed(1)} | ${x.gflops.toFixed(2)} |`);
  } else if (r.gemm) L.push('', `GEMM ceiling: ${r.gemm}`);
  return `${L.join('\n')}\n`;
}
