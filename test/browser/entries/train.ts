/** In-page training scenarios for tests (createTrainer in headless Chromium). */
import { createTrainer, type CreateTrainerOptions, type TrainSample } from '../../../src/train/trainer.js';
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
 * Fine-tune on one image for `epochs` steps (batch 1, one optimiser step per image); returns the loss
 * per epoch, the detections of the exported weights before and after, and timings.
 */
export async function overfit(model: string, sample: PageSample, epochs: number, o: Partial<CreateTrainerOptions>) {
  const s = await load(sample);
  const t = await createTrainer({ model, batch: 1, augment: 'none', ...o, optim: { nbs: 1, warmupEpochs: 0, ...o.optim } });
  const info = t.info;
  const losses: number[][] = [];
  const t0 = performance.now();
  await t.fit({ train: [s], epochs, onEpoch: (e) => void losses.push(e.loss) });
  const ms = performance.now() - t0;
  const tuned = await t.weights('last', { data: 'overfit test' });
  t.destroy();
  const boxes = async (w: Uint8Array | string) => {
    const d = await createDetector({ model: w, inputSize: o.imgsz });
    const r = await d.detect({ width: s.image.width, height: s.image.height, data: s.image.data, channels: 4 }, { conf: 0.05 });
    const manifest = d.info.manifest;
    d.destroy();
    return { r, manifest };
  };
  const before = await boxes(model);
  const after = await boxes(tuned);
  return { info, losses, msPerEpoch: ms / epochs, before: before.r, after: after.r, training: after.manifest.training };
}

/** Per-dispatch GPU time of the trainable forward and backward (timestamp queries), after one warm-up image. */
export async function profileTraining(model: string, sample: PageSample, o: Partial<CreateTrainerOptions>) {
  const { profileDispatches } = await import('../../../src/gpu/profiler.js');
  const { prepare, AUGMENT_OFF } = await import('../../../src/train/augment.js');
  const s = await load(sample);
  const t = await createTrainer({ model, batch: 1, augment: 'none', ...o });
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
