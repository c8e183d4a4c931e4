/**
 * Ours, per kernel: a horizontal bar per dispatch, its GPU time (timestamp-query, one pass per
 * dispatch), slowest first, with its GFLOP/s and, for kernels that do arithmetic, their share of the
 * adapter's GEMM ceiling measured in the same run (the bar's colour: green near the ceiling, red far).
 * The slowest TOP are shown, the rest behind a toggle. Without timestamp-query the chart says why it is empty.
 */
import type { OursResult } from '../report.js';

/** Bars shown before the "all dispatches" toggle. */
const TOP = 24;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 1 ? 3 : 1)} ms`);

export function chartHtml(o: OursResult | string | undefined, ceiling?: number): string {
  if (typeof o !== 'object') return `<p class="unavailable">per-kernel GPU times unavailable: ours did not run (${esc(o ?? 'not selected')})</p>`;
  if (typeof o.profile === 'string') return `<p class="unavailable">per-kernel GPU times unavailable: ${esc(o.profile)}; the other figures are measured without them</p>`;
  const rows = [...o.profile].sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, k) => s + k.ms, 0);
  const max = rows[0]?.ms || 1;
  const head = `<p>${rows.length} dispatches, ${ms(total)} of GPU time in all${ceiling ? `; GEMM ceiling ${ceiling.toFixed(2)} GFLOP/s (same run)` : '; no GEMM ceiling measured'}</p>`;
  const bars = rows.map((k) => {
    const g = k.flops ? k.flops / (k.ms * 1e6) : 0;
    const share = g && ceiling ? g / ceiling : undefined;
    const hue = share === undefined ? 210 : Math.round(120 * Math.min(1, share));
    const title = `${k.label} · ${k.variant ?? k.shader} · ${ms(k.ms)} (${((100 * k.ms) / total).toFixed(1)} %)${g ? ` · ${g.toFixed(2)} GFLOP/s` : ''}${share !== undefined ? ` · ${(100 * share).toFixed(0)} % of ceiling` : ''}`;
    return `<div class="bar-row" title="${esc(title)}"><span class="bar-label">${esc(k.label)}</span><span class="bar-kernel">${esc(k.variant ?? k.shader)}</span>`
      + `<span class="bar-track"><span class="bar" style="width:${((100 * k.ms) / max).toFixed(2)}%;background:hsl(${hue} 55% 45%)"></span></span>`
      + `<span class="num">${ms(k.ms)}</span><span class="num">${g ? g.toFixed(2) : '–'}</span><span class="num">${share !== undefined ? `${(100 * share).toFixed(0)} %` : '–'}</span></div>`;
  });
  const rest = bars.length > TOP ? `<details><summary>all ${bars.length} dispatches</summary>${bars.slice(TOP).join('')}</details>` : '';
  return `${head}<div class="chart"><div class="bar-row bar-head"><span class="bar-label">dispatch</span><span class="bar-kernel">kernel</span><span class="bar-track">GPU time</span>`
    + `<span class="num">time</span><span class="num">GFLOP/s</span><span class="num">of ceiling</span></div>${bars.slice(0, TOP).join('')}${rest}</div>`;
}
