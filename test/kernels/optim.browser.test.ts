/**
 * The optimiser kernels (grad-accumulate, grad-norm, sgd-step, adamw-step, ema-update) on real WebGPU
 * (headless Chromium) against a float64 TypeScript transcription of what torch does:
 * clip_grad_norm_(10), SGD(momentum, nesterov=True, weight_decay) and AdamW(betas, eps, weight_decay)
 * on two parameter groups (decay and no decay), and Ultralytics' ModelEMA. Two steps, so that the
 * momentum buffers and Adam's bias corrections are exercised; the first with a gradient whose norm is
 * below the clip, the second above it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { seededRandom } from '../helpers/kernel.js';
import { relError } from '../helpers/ref-grad.js';
import { defaultOptim, emaDecay, MAX_NORM, planOptimizer, stepUniforms, type OptimConfig } from '../../src/train/optim.js';
import type { Dispatch } from '../../src/ops/types.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const N = 5000;
const DECAY_END = 3008;

/** torch's algorithms in f64 over both groups. */
function reference(o: OptimConfig, p: Float64Array, m: Float64Array, v: Float64Array, ema: Float64Array, grad: Float64Array, t: number, lr: [number, number], wd: number, momentum: number, d: number) {
  const norm = Math.sqrt(grad.reduce((a, g) => a + g * g, 0));
  const clip = Math.min(1, MAX_NORM / (norm + 1e-6));
  for (let i = 0; i < N; i++) {
    const group = i < DECAY_END ? 0 : 1;
    const l = lr[group];
    const w = group === 0 ? wd : 0;
    const g0 = clip * grad[i];
    if (o.optimizer === 'sgd') {
      const g = g0 + w * p[i];
      m[i] = momentum * m[i] + g;
      p[i] -= l * (g + momentum * m[i]);
    } else {
      p[i] *= 1 - l * w;
      m[i] = o.momentum * m[i] + (1 - o.momentum) * g0;
      v[i] = 0.999 * v[i] + 0.001 * g0 * g0;
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
      p[i] -= (l / (1 - o.momentum ** t)) * (m[i] / denom);
    }
    ema[i] = d * ema[i] + (1 - d) * p[i];
  }
  return norm;
}

describe('optimiser kernels vs torch transcribed (f64)', () => {
  test.each([['sgd'], ['adamw']] as const)('%s: two steps with accumulation, clipping, both groups and EMA', async (name) => {
    const o = { ...defaultOptim(name), momentum: 0.9 };
    const r = seededRandom(name === 'sgd' ? 11 : 12);
    const f = (lo: number, hi: number) => Float64Array.from({ length: N }, () => Math.fround(r(lo, hi)));
    const p = f(-1, 1);
    const ema = p.slice();
    const m = new Float64Array(N);
    const v = new Float64Array(N);
    const layout = { entries: [], decayEnd: DECAY_END, total: N };
    const plan = planOptimizer(o, layout);
    let gpu: Record<string, number[]> = {
      params: Array.from(p), grad: new Array(N).fill(0), gstep: [], m: new Array(N).fill(0), v: new Array(N).fill(0), ema: Array.from(p),
      partials: new Array(plan.partials).fill(0), stats: [0, 0, 0, 0],
    };
    const steps = [
      { scale: 0.5, lo: -0.01, hi: 0.01, lr: [0.01, 0.1] as [number, number], momentum: 0.8 }, // norm < 10: no clip
      { scale: 2, lo: -1, hi: 1, lr: [0.005, 0.02] as [number, number], momentum: 0.9 }, // norm > 10: clipped
    ];
    for (const [k, st] of steps.entries()) {
      const gstep = f(st.lo, st.hi);
      const t = k + 1;
      const wd = 0.0005;
      const d = emaDecay(t);
      const grad = gstep.map((g) => st.scale * g);
      const norm = reference(o, p, m, v, ema, grad, t, st.lr, wd, st.momentum, d);
      gpu.gstep = Array.from(gstep);
      const list: Dispatch[] = [
        { ...plan.accumulate, uniforms: { n: N, scale: st.scale } },
        ...plan.norm,
        { ...plan.steps[0], uniforms: stepUniforms(o, { off: 0, n: DECAY_END }, st.lr[0], wd, st.momentum, t) },
        { ...plan.steps[1], uniforms: stepUniforms(o, { off: DECAY_END, n: N - DECAY_END }, st.lr[1], 0, st.momentum, t) },
        { ...plan.ema, uniforms: { n: N, d } },
      ];
      const extra = Object.fromEntries(Object.entries(gpu).map(([key, data]) => [key, { type: 'f32' as const, data }]));
      const out = await s.call<{ extra: Record<string, number[]> }>('/test/browser/entries/kernels.ts', 'runDispatches', list, [0], [0], extra);
      expect(s.errors).toEqual([]);
      gpu = out.extra;
      const e = { norm: Math.abs(Math.sqrt(gpu.stats[0]) - norm) / norm, params: relError(gpu.params, p), m: relError(gpu.m, m), ema: relError(gpu.ema, ema), v: name === 'adamw' ? relError(gpu.v, v) : 0 };
      console.log(`${name} step ${t} (gradient norm ${norm.toFixed(3)}${norm > MAX_NORM ? ', clipped' : ''}): relative error ${Object.entries(e).map(([q, x]) => `${q} ${x.toExponential(1)}`).join(', ')}`);
      for (const x of Object.values(e)) expect(x).toBeLessThan(1e-5);
      expect(gpu.grad.every((g) => g === 0), 'gradient cleared after the step').toBe(true);
      expect(gpu.gstep.every((g) => g === 0), 'batch gradient cleared by the accumulation').toBe(true);
    }
  });
});
