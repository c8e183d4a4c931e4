/**
 * `npm run bench:ab`: two (or more) kernel choices for one model, side by side in one page — one
 * detector per choice, warm forwards alternated A B A B …, so that the machine's slow and fast moments
 * fall on every choice alike (on a shared CPU adapter a whole-forward difference of a few percent is
 * lost between two separate benchmark runs). A choice is what `tune: { choice }` takes: a benchmark
 * JSON's `ours.tuning.byClass`, or such a map itself. This module runs in the page; the Node runner's
 * pure parts are in ab-report.ts.
 */
import { createDetector } from '../src/detector.js';
import type { AbResult } from './ab-report.js';

/** In the page: `rounds` warm forwards per choice, alternated, after two untimed ones each. */
export async function abForwards(weightsUrl: string, size: [number, number], choices: Record<string, string>[], rounds: number): Promise<AbResult> {
  const res = await fetch(weightsUrl);
  if (!res.ok) throw new Error(`${weightsUrl}: HTTP ${res.status}`);
  const weights = new Uint8Array(await res.arrayBuffer());
  const input = Float32Array.from({ length: 3 * size[0] * size[1] }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const dets = [];
  try {
    for (const choice of choices) dets.push(await createDetector({ model: weights, inputSize: size, tune: { choice } }));
    for (const d of dets) for (let k = 0; k < 2; k++) await d.forward(input);
    const ms: number[][] = dets.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < dets.length; i++) {
        const t0 = performance.now();
        await dets[i].forward(input);
        ms[i].push(performance.now() - t0);
      }
    }
    return { ms, dispatches: dets.map((d) => d.info.dispatches), adapter: `${dets[0].info.adapter.vendor} / ${dets[0].info.adapter.architecture}` };
  } finally {
    for (const d of dets) d.destroy();
  }
}
