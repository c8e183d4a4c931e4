/** In-page training scenarios for tests (createTrainer in headless Chromium). */
import { createTrainer, type CreateTrainerOptions, type TrainSample } from '../../../src/train/trainer.js';
import { pageDevice } from './page-device.js';
import { createDetector } from '../../../src/detector.js';

async function bytes(url: string) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

export interface PageSample {
  url: string;
  width: number;
  height: number;
  boxes: TrainSample['boxes'];
}

const load = async (s: PageSample): Promise<TrainSample> => ({ image: { width: s.width, height: s.height, data: await bytes(s.url) }, boxes: s.boxes });

/**
 * The overfit scenario in pieces, so that no single page call outlives the test protocol's timeout on
 * a loaded machine: `overfitInit` makes the trainer and the image's input (frozen features cached),
 * `overfitSteps` runs optimiser steps (batch 1, one step per image: the schedule of `total` epochs of
 * one image, as fit() would run it), `overfitFinish` exports the weights and detects with them and
 * with the original model.
 */
let job: { t: Awaited<ReturnType<typeof createTrainer>>; s: TrainSample; x: { features: Float32Array }; gts: import('../../../src/train/assigner.js').GtBox[]; ni: number; t0: number; model: string; imgsz?: number } | undefined;

export async function overfitInit(model: string, sample: PageSample, o: Partial<CreateTrainerOptions>) {
  const { prepare, AUGMENT_OFF } = await import('../../../src/train/augment.js');
  const s = await load(sample);
  const t = await createTrainer({ device: await pageDevice(), model, batch: 1, augment: 'none', ...o, optim: { nbs: 1, warmupEpochs: 0, ...o.optim } });
  const p = prepare(s.image, s.boxes, t.core.setup.imgsz, AUGMENT_OFF, 0);
  job = { t, s, x: { features: await t.core.features(p.tensor) }, gts: p.gts, ni: 0, t0: performance.now(), model, imgsz: o.imgsz };
  return t.info;
}

export async function overfitSteps(n: number, total: number) {
  const { scheduleAt } = await import('../../../src/train/optim.js');
  const { t, x, gts } = job!;
  const losses: number[] = [];
  for (let k = 0; k < n; k++, job!.ni++) {
    const l = await t.core.trainImage(x, gts);
    const bl = t.core.endBatch([l]);
    await t.core.step(scheduleAt(t.core.setup.optim, total, 1, 1, job!.ni, job!.ni));
    losses.push(bl.items[0] + bl.items[1] + bl.items[2]);
  }
  return losses;
}

export async function overfitFinish() {
  const { t, s, model, imgsz } = job!;
  const msPerStep = (performance.now() - job!.t0) / Math.max(job!.ni, 1);
  const tuned = await t.weights('last', { data: 'overfit test' });
  t.destroy();
  job = undefined;
  const boxes = async (w: Uint8Array | string) => {
    const d = await createDetector({ model: w, inputSize: imgsz });
    const r = await d.detect({ width: s.image.width, height: s.image.height, data: s.image.data, channels: 4 }, { conf: 0.05 });
    const manifest = d.info.manifest;
    d.destroy();
    return { r, manifest };
  };
  const before = await boxes(model);
  const after = await boxes(tuned);
  return { msPerStep, before: before.r, after: after.r, training: after.manifest.training };
}

/** Per-dispatch GPU time of the trainable forward and backward (timestamp queries), after one warm-up image. */
export async function profileTraining(model: string, sample: PageSample, o: Partial<CreateTrainerOptions>) {
  const { profileDispatches } = await import('../../../src/gpu/profiler.js');
  const { prepare, AUGMENT_OFF } = await import('../../../src/train/augment.js');
  const s = await load(sample);
  const t = await createTrainer({ device: await pageDevice(), model, batch: 1, augment: 'none', ...o });
  const c = t.core;
  const p = prepare(s.image, s.boxes, c.setup.imgsz, AUGMENT_OFF, 0);
  const t0 = performance.now();
  await c.trainImage({ tensor: p.tensor }, p.gts);
  const first = performance.now() - t0;
  const t1 = performance.now();
  const l = await c.trainImage({ tensor: p.tensor }, p.gts);
  await c.forward({ tensor: p.tensor }, false);
  const second = performance.now() - t1;
  const times = await profileDispatches(c.device, c.ex, 0, c.ranges.bwd[1]);
  const frozen = await profileDispatches(c.device, c.frozenEx, 0, c.frozenEx.dispatches.length);
  t.destroy();
  return { first, second, lossMs: l.lossMs, times: times.map((k) => ({ label: k.label, shader: k.shader, ms: k.ms })), frozenMs: frozen.reduce((a, k) => a + k.ms, 0) };
}

/**
 * The whole trainable program's gradient against central differences of the loss: one image's
 * backward (its dW/dB in `gstep`, of the un-normalised loss sum) vs (L(θ + h) − L(θ − h)) / 2h for
 * the largest-gradient elements of the named convolutions (weights and biases), with the assigner's
 * targets held at those of the unperturbed model.
 */
export async function gradCheck(model: string, sample: PageSample, o: Partial<CreateTrainerOptions>, convs: string[], perConv: number) {
  const { prepare, AUGMENT_OFF } = await import('../../../src/train/augment.js');
  const { imageLoss, LOSS_GAINS } = await import('../../../src/train/loss.js');
  const { TAL_DEFAULTS } = await import('../../../src/train/assigner.js');
  const s = await load(sample);
  const t = await createTrainer({ device: await pageDevice(), model, batch: 1, augment: 'none', ...o });
  const c = t.core;
  const p = prepare(s.image, s.boxes, c.setup.imgsz, AUGMENT_OFF, 0);
  const x = { features: await c.features(p.tensor) };
  // The assigner's targets are constants of the gradient (Ultralytics computes them under no_grad),
  // so the differences hold them at the unperturbed model's.
  const fixed = (await c.trainImage(x, p.gts)).assignment;
  const L = async () => {
    const l = imageLoss(await c.forward(x, false), c.nc, p.gts, LOSS_GAINS, TAL_DEFAULTS, undefined, fixed);
    return l.sums[0] + l.sums[1] + l.sums[2];
  };
  const g = await c.read('gstep');
  const params = await c.read('params');
  const rows: { conv: string; index: number; analytic: number; numeric: number }[] = [];
  for (const name of convs) {
    const e = c.prog.params.entries.find((q) => q.spec.name === name);
    if (!e) throw new Error(`no trainable convolution ${name}`);
    const { cin, cout, k, groups } = e.spec;
    const K = (cin / groups) * k * k;
    const mp = groups === 1 ? Math.ceil(cout / 16) * 16 : cout;
    const idx: number[] = [];
    for (let kk = 0; kk < K; kk++) for (let m = 0; m < cout; m++) idx.push(e.weight + (groups === 1 ? kk * mp + m : m * K + kk));
    for (let m = 0; m < cout; m++) idx.push(e.bias + m);
    idx.sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
    for (const j of idx.slice(0, perConv)) {
      const h = 1e-2 * Math.max(Math.abs(params[j]), 0.05);
      const q = params.slice();
      q[j] = params[j] + h;
      c.write('params', q);
      const lp = await L();
      q[j] = params[j] - h;
      c.write('params', q);
      const lm = await L();
      rows.push({ conv: name, index: j, analytic: g[j], numeric: (lp - lm) / (2 * h) });
    }
    c.write('params', params);
  }
  // The shaders the program ran (which kernels the trainer's picker chose), forward and backward.
  const shaders = (d: { shader: string }[]) => [...new Set(d.map((q) => q.shader))];
  const kernels = { forward: shaders(c.prog.forward), backward: shaders([...c.prog.backward, ...c.prog.flips]) };
  t.destroy();
  return { rows, kernels };
}

/**
 * Resume equivalence: 3 epochs uninterrupted vs interrupted after epoch 1 (the run dies once its
 * checkpoint is taken) and continued by a fresh trainer from that checkpoint. Returns both runs'
 * tensors (last and best) and histories.
 */
export async function resumeCheck(model: string, samples: PageSample[], o: Partial<CreateTrainerOptions>, epochs: number) {
  const { readWeights } = await import('../../../src/weights/weights.js');
  const train = await Promise.all(samples.map(load));
  const val = train.slice(0, 2);
  const tensors = async (b: Uint8Array) => {
    const f = await readWeights(b);
    return Object.fromEntries([...f.tensors].map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
  };
  const a = await createTrainer({ device: await pageDevice(), model, ...o });
  const ha = await a.fit({ train, val, epochs });
  const wa = { last: await tensors(await a.weights('last')), best: await tensors(await a.weights('best')) };
  a.destroy();
  const b = await createTrainer({ device: await pageDevice(), model, ...o });
  let ckpt: Uint8Array | undefined;
  await b.fit({ train, val, epochs, onEpoch: async (e, t) => {
    ckpt = await t.checkpoint();
    if (e.epoch === 0) throw new Error('interrupted');
  } }).catch((e: Error) => {
    if (e.message !== 'interrupted') throw e;
  });
  b.destroy();
  const c = await createTrainer({ device: await pageDevice(), model, ...o });
  const hc = await c.fit({ train, val, epochs, resume: ckpt });
  const wc = { last: await tensors(await c.weights('last')), best: await tensors(await c.weights('best')) };
  c.destroy();
  const strip = (h: { epochs: { epoch: number; loss: number[]; val?: unknown }[]; bestEpoch: number }) => ({ bestEpoch: h.bestEpoch, epochs: h.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, val: e.val })) });
  return { a: wa, c: wc, ha: strip(ha), hc: strip(hc) };
}

/** A model whose parameters are NaN: the first image's loss is not finite and fit() stops, naming the step. */
export async function divergence(model: string, sample: PageSample, o: Partial<CreateTrainerOptions>) {
  const t = await createTrainer({ device: await pageDevice(), model, ...o });
  t.core.write('params', new Float32Array(t.core.prog.params.total).fill(NaN));
  try {
    await t.fit({ train: [await load(sample)], epochs: 1 });
    return { error: null };
  } catch (e) {
    return { error: { name: (e as Error).name, message: (e as Error).message } };
  } finally {
    t.destroy();
  }
}
