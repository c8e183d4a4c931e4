/**
 * `eval` end to end on a tiny dataset (the fracture model at 64×64 and 320×320, in headless Chromium): an
 * undecodable and a truncated image are skipped by name and counted; negatives from another list are
 * added and split in halves; `--save-settings` writes the Youden threshold that `convert --settings`
 * stores with the model.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yolo11-eval-'));
const pos = 'IMG0003458.jpg';
const negs = ['IMG0000000.jpg', 'IMG0000036.jpg', 'IMG0000074.jpg'];

function dataset() {
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'labels'), { recursive: true });
  copyFileSync(fixture(`datasets/fracatlas/images/Fractured/${pos}`), join(dir, 'images', pos));
  copyFileSync(fixture(`datasets/fracatlas/labels/Fractured/${pos.replace('.jpg', '.txt')}`), join(dir, 'labels', pos.replace('.jpg', '.txt')));
  for (const n of negs) copyFileSync(fixture(`datasets/fracatlas/images/Non_fractured_subset/${n}`), join(dir, 'images', n));
  writeFileSync(join(dir, 'images', 'corrupt.jpg'), Buffer.from('this is not a JPEG at all'));
  writeFileSync(join(dir, 'images', 'truncated.jpg'), readFileSync(join(dir, 'images', pos)).subarray(0, 300));
  writeFileSync(join(dir, 'val.txt'), `./images/${pos}\n./images/corrupt.jpg\n./images/truncated.jpg\n`);
  writeFileSync(join(dir, 'pos.txt'), `./images/${pos}\n`);
  writeFileSync(join(dir, 'more.txt'), [pos, ...negs].map((n) => `./images/${n}`).join('\n'));
  writeFileSync(join(dir, 'data.yaml'), 'path: .\nval: val.txt\nnames:\n  0: fracture\n');
  return join(dir, 'data.yaml');
}

describe('eval on a tiny dataset', () => {
  test('undecodable images are named skips; negatives halves; --save-settings → convert --settings', async () => {
    const yaml = dataset();
    const w = join(dir, 'fracture.y11w');
    expect((await cli('convert', fixture('models/yolo11n-fracture-hybrid.tflite'), '-o', w)).code).toBe(0);

    const r = await cli('eval', w, yaml, '--imgsz', '64', '--json', '--backend', 'chromium');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect([j.images, j.positives, j.skipped]).toEqual([1, 1, 2]);
    expect(r.err).toMatch(/skipped .*corrupt\.jpg: /);
    expect(r.err).toMatch(/skipped .*truncated\.jpg: /);

    // Negatives of more.txt (the positive there is already in the split): even half = 2, odd half = 1.
    const even = await cli('eval', w, yaml, '--imgsz', '320', '--json', '--backend', 'chromium', '--negatives', 'more.txt', '--negatives-part', 'even',
      '--save-settings', join(dir, 'settings.json'));
    expect(even.code, even.err).toBe(0);
    expect([JSON.parse(even.out).positives, JSON.parse(even.out).negatives]).toEqual([1, 2]);
    const saved = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'));
    const t = saved.settings.highSensitivityConf;
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThan(1);
    expect(saved.command).toContain('--negatives more.txt');

    const c = await cli('convert', fixture('models/yolo11n-fracture-hybrid.tflite'), '-o', join(dir, 'with.y11w'), '--settings', join(dir, 'settings.json'));
    expect(c.code, c.err).toBe(0);
    expect(JSON.parse((await cli('inspect', join(dir, 'with.y11w'), '--json')).out).settings).toEqual({ highSensitivityConf: t });
  }, 300_000);

  test('bad options fail before any detection', async () => {
    const yaml = dataset();
    const noNeg = await cli('eval', join(dir, 'missing.y11w'), yaml, '--split', 'pos.txt', '--save-settings', join(dir, 's.json'));
    expect(noNeg.code).not.toBe(0);
    expect(noNeg.err).toMatch(/--save-settings needs images with and without boxes/);
    const part = await cli('eval', yaml, '--negatives', 'more.txt', '--negatives-part', 'third');
    expect(part.err).toMatch(/--negatives-part must be all, even or odd/);
    writeFileSync(join(dir, 'bad.json'), '[1, 2]');
    const bad = await cli('convert', fixture('models/yolo11n-fracture-hybrid.tflite'), '-o', join(dir, 'x.y11w'), '--settings', join(dir, 'bad.json'));
    expect(bad.err).toMatch(/expected a JSON object/);
    writeFileSync(join(dir, 'range.json'), '{"highSensitivityConf": 2}');
    const range = await cli('convert', fixture('models/yolo11n-fracture-hybrid.tflite'), '-o', join(dir, 'x.y11w'), '--settings', join(dir, 'range.json'));
    expect(range.err).toMatch(/highSensitivityConf 2 must be a number in \(0, 1\)/);
  }, 120_000);
});
