/**
 * createTrainer in Node on Dawn (the `webgpu` package; SwiftShader on a CPU-only machine): two epochs
 * on two FracAtlas radiographs at input 64 with validation, a checkpoint, and the exported weights
 * read back as an ordinary weight file that records its fine-tuning; one epoch with 4-image mosaics
 * (each training image fetches three others; nothing cached).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createTrainer } from '../../src/train/trainer.js';
import { readWeights } from '../../src/weights/weights.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { CACHE } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { convertModel } from '../../src/convert/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { fracAtlasSample, fractureWeights } from '../helpers/train-data.js';

test('Node (Dawn): fit two epochs, checkpoint, export', async () => {
  await fractureWeights();
  const samples = await Promise.all(['IMG0003458', 'IMG0001572'].map(async (n) => {
    const s = await fracAtlasSample(n);
    return { image: await decodeImageFile(join('../shared/datasets/fracatlas/images/Fractured', `${n}.jpg`)), boxes: s.boxes, name: n };
  }));
  const t = await createTrainer({ model: new Uint8Array(readFileSync(join(CACHE, 'yolo11n-fracture.y11w'))), imgsz: 64, batch: 2, optim: { nbs: 2, warmupEpochs: 0 } });
  try {
    const lines: string[] = [];
    const r = await t.fit({ train: samples, val: samples.slice(0, 1), epochs: 2, onEpoch: (e) => void lines.push(`epoch ${e.epoch + 1}: loss ${e.loss.map((v) => v.toFixed(4)).join(' ')} val mAP50 ${e.val?.map50.toFixed(3)}`) });
    console.log(`Node, ${t.info.adapter.vendor} ${t.info.adapter.architecture}: ${lines.join('; ')}`);
    expect(r.epochs).toHaveLength(2);
    expect((await t.checkpoint()).length).toBeGreaterThan(4 * t.core.prog.params.total * 6);
    const f = await readWeights(await t.weights('best', { data: 'dawn test' }));
    expect(f.manifest.imgsz).toEqual([64, 64]);
    expect((f.manifest.training as { epochs: number }).epochs).toBe(2);
  } finally {
    t.destroy();
  }
}, 600_000);

test('Node (Dawn): mosaic augmentation fetches three other images per training image and trains', async () => {
  await fractureWeights();
  const names = ['IMG0003458', 'IMG0001572', 'IMG0000019'];
  const samples = await Promise.all(names.map(async (n) => {
    const s = await fracAtlasSample(n);
    return { image: await decodeImageFile(join('../shared/datasets/fracatlas/images/Fractured', `${n}.jpg`)), boxes: s.boxes };
  }));
  const gets: number[] = [];
  const source = { length: samples.length, name: (i: number) => names[i], get: async (i: number) => (gets.push(i), samples[i]) };
  const model = new Uint8Array(readFileSync(join(CACHE, 'yolo11n-fracture.y11w')));
  await expect(createTrainer({ model, imgsz: 64, augment: { flip: 0, scale: 0, translate: 0, brightness: 0, contrast: 0, mosaic: 2 } })).rejects.toThrow(InvalidArgumentError);
  const t = await createTrainer({ model, imgsz: 64, batch: 3, augment: 'mosaic', optim: { nbs: 3, warmupEpochs: 0 } });
  try {
    expect(t.info.cachingFeatures).toBe(false);
    const r = await t.fit({ train: source, epochs: 1 });
    expect(gets.length).toBe(4 * samples.length);
    for (const v of r.epochs[0].loss) expect(Number.isFinite(v)).toBe(true);
  } finally {
    t.destroy();
  }
}, 600_000);

test('a model of another task is refused before any GPU work: the loss is the detect loss', async () => {
  const f = 'yolo11n-pose-coco-256-hybrid.tflite';
  const pose = await convertModel(new Uint8Array(readFileSync(fixture(`models/${f}`))), f);
  const e = await createTrainer({ model: pose }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(InvalidArgumentError);
  expect(String(e)).toMatch(/fine-tunes detect models; this one is a pose model/);
});
