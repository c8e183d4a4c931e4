/**
 * Where a training step's GPU time goes (`npm run profile:train`; skipped in `npm test`): one FracAtlas
 * radiograph, two training steps, then every dispatch of the trainable forward and the backward timed
 * with timestamp queries (test/browser/entries/train.ts `profileTraining`). Prints the totals of the
 * forward and the backward, the time per shader in each, and the slowest weight-gradient dispatches;
 * writes every dispatch to out/profile-train-<scope>-<imgsz>.json. Settings: TRAIN_PROFILE_SCOPE
 * (head | neck+head, default head), TRAIN_PROFILE_IMGSZ (default 640).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from 'vitest';
import { openBrowser } from '../helpers/browser.js';
import { fracAtlasSample, fractureWeights } from '../helpers/train-data.js';

interface Timed { label: string; shader: string; ms: number }

test.skipIf(!process.env.TRAIN_PROFILE)('training step profile', async () => {
  const scope = process.env.TRAIN_PROFILE_SCOPE ?? 'head';
  const imgsz = Number(process.env.TRAIN_PROFILE_IMGSZ ?? 640);
  const s = await openBrowser();
  try {
    const r = await s.call<{ times: Timed[]; frozenMs: number }>('/test/browser/entries/train.ts', 'profileTraining', await fractureWeights(), await fracAtlasSample('IMG0003458'), { scope, imgsz });
    mkdirSync('out', { recursive: true });
    writeFileSync(`out/profile-train-${scope}-${imgsz}.json`, JSON.stringify(r, null, 1));
    // The EMA's validation forward is labelled `.ema`; the backward is every gradient kernel and dX convolution.
    const phase = (t: Timed) => (t.label.endsWith('.ema') ? 'ema' : /(^|-)grad(-|$)|zero-insert/.test(t.shader) || t.label.endsWith('.dx') ? 'backward' : 'forward');
    const totals: Record<string, number> = {};
    const by: Record<string, number> = {};
    for (const t of r.times) {
      totals[phase(t)] = (totals[phase(t)] ?? 0) + t.ms;
      if (phase(t) !== 'ema') by[`${phase(t)} ${t.shader}`] = (by[`${phase(t)} ${t.shader}`] ?? 0) + t.ms;
    }
    const ms = (v: number) => v.toFixed(1).padStart(8);
    console.log(`${scope} at ${imgsz}: trainable forward ${ms(totals.forward)} ms, backward ${ms(totals.backward)} ms per image (frozen layers ${r.frozenMs.toFixed(0)} ms when not cached)`);
    for (const [k, v] of Object.entries(by).sort((a, b) => b[1] - a[1])) console.log(`${ms(v)}  ${k}`);
    console.log('slowest weight gradients:');
    for (const t of r.times.filter((t) => /\.dw(\.sum)?$/.test(t.label)).sort((a, b) => b.ms - a.ms).slice(0, 10)) console.log(`${ms(t.ms)}  ${t.label} (${t.shader})`);
  } finally {
    await s.close();
  }
}, 900_000);
