/** `npm run bench:ab`'s pure parts (bench/ab.ts runs in the page): reading a choice, the table. */
import { convVariant } from '../src/ops/conv-variants.js';

export interface AbResult {
  /** Per choice: warm forward() milliseconds, one per round. */
  ms: number[][];
  dispatches: number[];
  adapter: string;
}

/**
 * A choice from a file's JSON: a benchmark result (`ours.tuning.byClass`) or a plain map of kernel ids.
 * Every id must name a kernel of this version for its key's kind (`pw/…` a 1×1 one, `3x3s1/…` a 3×3
 * stride-1 one): the detector would silently put its default in place of any other, and the comparison
 * would measure something else than the file says.
 */
export function choiceOf(json: unknown, name: string): Record<string, string> {
  const o = json as { ours?: { tuning?: { byClass?: unknown } } };
  const map = o && typeof o === 'object' && 'ours' in o ? o.ours?.tuning?.byClass : json;
  if (!map || typeof map !== 'object' || Array.isArray(map) || Object.values(map).some((v) => typeof v !== 'string')) {
    throw new Error(`${name}: neither a benchmark JSON with ours.tuning.byClass nor a map of kernel ids`);
  }
  const wrong = Object.entries(map as Record<string, string>).filter(([key, id]) => {
    const v = convVariant(id);
    return !v || (v.kind !== 'any' && v.kind !== key.split('/')[0]);
  });
  if (wrong.length) throw new Error(`${name}: not a kernel of this version for its key: ${wrong.map(([k, id]) => `${k} → ${id}`).join(', ')}`);
  return map as Record<string, string>;
}

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/** The table: per choice its median and min, its ratio to the first, and in how many rounds it beat the first. */
export function abMarkdown(r: AbResult, names: string[]): string {
  const base = median(r.ms[0]);
  const L = ['| choice | warm forward() median | min | dispatches | vs the first | rounds faster than the first |', '|---|---|---|---|---|---|'];
  r.ms.forEach((ms, i) => {
    const m = median(ms);
    const wins = i ? `${ms.filter((x, k) => x < r.ms[0][k]).length} of ${ms.length}` : '';
    L.push(`| ${names[i]} | ${m.toFixed(1)} ms | ${Math.min(...ms).toFixed(1)} ms | ${r.dispatches[i]} | ${i ? `${(m / base).toFixed(3)}×` : '1.000×'} | ${wins} |`);
  });
  return `${L.join('\n')}\n`;
}
