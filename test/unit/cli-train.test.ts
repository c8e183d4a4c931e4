/**
 * `train` end to end on a tiny dataset (the fracture model at 64×64, headless Chromium): a listed but
 * missing image, a malformed label file and an undecodable image are skipped by name, the rest trains;
 * the output is an ordinary weight file whose manifest records the fine-tuning; bad settings are
 * errors before anything starts; `--resume` of a finished run says there is nothing left; --cache-dir
 * keeps the frozen features on disk.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { ensureDist } from '../helpers/dist.js';
import { readWeights } from '../../src/weights/weights.js';

const dir = mkdtempSync(join(tmpdir(), 'yolo11-train-'));
const good = ['IMG0003458', 'IMG0001572'];

function dataset() {
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'labels'), { recursive: true });
  for (const n of good) {
    copyFileSync(fixture(`datasets/fracatlas/images/Fractured/${n}.jpg`), join(dir, 'images', `${n}.jpg`));
    copyFileSync(fixture(`datasets/fracatlas/labels/Fractured/${n}.txt`), join(dir, 'labels', `${n}.txt`));
  }
  copyFileSync(join(dir, 'images', `${good[0]}.jpg`), join(dir, 'images', 'badlabel.jpg'));
  writeFileSync(join(dir, 'labels', 'badlabel.txt'), '0 0.5 0.5 0.2\n');
  writeFileSync(join(dir, 'images', 'corrupt.jpg'), Buffer.from('this is not a JPEG at all'));
  writeFileSync(join(dir, 'train.txt'), ['IMG0003458', 'IMG0001572', 'missing', 'badlabel', 'corrupt'].map((n) => `./images/${n}.jpg`).join('\n'));
  writeFileSync(join(dir, 'val.txt'), `./images/${good[0]}.jpg\n`);
  writeFileSync(join(dir, 'data.yaml'), 'path: .\ntrain: train.txt\nval: val.txt\nnames:\n  0: fracture\n');
  return join(dir, 'data.yaml');
}

describe('train on a tiny dataset', () => {
  test('bad images and labels are named skips; the output records its fine-tuning; --resume of a finished run', async () => {
    ensureDist();
    const yaml = dataset();
    const w = join(dir, 'fracture.y11w');
    expect((await cli('convert', fixture('models/yolo11n-fracture-hybrid.tflite'), '-o', w)).code).toBe(0);
    const out = join(dir, 'tuned.y11w');
    const cacheDir = join(dir, 'features');
    const r = await cli('train', w, yaml, '-o', out, '--epochs', '2', '--imgsz', '64', '--batch', '2', '--lr', '0.001', '--cache-dir', cacheDir, '--backend', 'chromium');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/skipped .*missing\.jpg: listed but missing/);
    expect(r.err).toMatch(/skipped .*badlabel\.jpg: .*bad label line "0 0.5 0.5 0.2"/);
    expect(r.err).toMatch(/skipped .*corrupt\.jpg: /);
    expect(r.out).toMatch(/epoch 2\/2: loss box [\d.]+ cls [\d.]+ dfl [\d.]+ · val P [\d.]+ R [\d.]+ mAP50 [\d.]+ mAP50-95 [\d.]+/);
    const f = await readWeights(readFileSync(out));
    const t = f.manifest.training as { fineTunedFrom: { source: { file: string } }; data: { train: { images: number } }; scope: string; imgsz: number; bestEpoch: number; command: string };
    expect(t.fineTunedFrom.source.file).toBe('yolo11n-fracture-hybrid.tflite');
    expect(t.data.train.images).toBe(3); // the missing image and the bad label are dropped when the dataset is read
    expect([t.scope, t.imgsz]).toEqual(['head', 64]);
    expect(t.command).toMatch(/^yolo11-webgpu train .* --epochs 2 --imgsz 64/);
    expect(f.manifest.imgsz).toEqual([64, 64]);
    expect(existsSync(`${out}.ckpt`)).toBe(true);
    // Frozen features were also kept on disk: the 2 decodable training images' orientations seen and the val image.
    const files = readdirSync(cacheDir).filter((f) => f.endsWith('.f32'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files.length).toBeLessThanOrEqual(5);
    const again = await cli('train', '--resume', `${out}.ckpt`, '--backend', 'chromium');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/InvalidArgumentError: --resume: the checkpoint has 2 epochs done, nothing left of 2/);
  }, 900_000);

  test('bad settings fail at once: learning rate (InvalidArgumentError), scope and missing -o (usage)', async () => {
    const yaml = existsSync(join(dir, 'data.yaml')) ? join(dir, 'data.yaml') : dataset();
    const w = fixture('models/yolo11n-fracture-hybrid.tflite');
    const lr = await cli('train', join(dir, 'fracture.y11w'), yaml, '-o', join(dir, 'x.y11w'), '--lr', '3');
    expect(lr.code).toBe(1);
    expect(lr.err).toMatch(/InvalidArgumentError: train: learning rate 3 must be a number in \(0, 1\]/);
    expect((await cli('train', w, yaml, '-o', join(dir, 'x.y11w'), '--train', 'all')).err).toMatch(/--train all: expected head or neck\+head/);
    expect((await cli('train', w, yaml)).code).toBe(2);
  }, 300_000);
});
