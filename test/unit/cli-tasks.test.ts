/**
 * `detect` on the segment, pose and classify models (built CLI, child process, the backend `auto`
 * picks): --json carries masks as run lengths over their boxes, keypoints, or the top-k; --save draws
 * masks under the boxes, skeleton joints, or the top-k text.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { ensureDist, run } from '../helpers/dist.js';
import { fixture } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yolo11-cli-tasks-'));
const img = join(dir, 'img.jpg');

async function weights(model: string) {
  const w = join(dir, `${model}.y11w`);
  writeFileSync(w, await convertModel(new Uint8Array(readFileSync(fixture(`models/${model}.tflite`))), `${model}.tflite`));
  return w;
}
const detect = (...args: string[]) => {
  const r = run(process.execPath, ['bin/yolo11-webgpu.js', 'detect', ...args], process.env, 300_000);
  expect(r.code, r.err).toBe(0);
  return r;
};
const pixelsOf = (file: string) => PNG.sync.read(readFileSync(file));

describe('detect for segment, pose and classify models', () => {
  beforeAll(async () => {
    ensureDist();
    copyFileSync(fixture('datasets/fracatlas/images/Fractured/IMG0003458.jpg'), img);
  }, 180_000);

  test('segment: --json masks as run lengths that add up to each box rectangle; --save blends them', async () => {
    const w = await weights('yolo11n-seg-coco-640-fullint8');
    const j = JSON.parse(detect(w, img, '--imgsz', '320', '--conf', '0.05', '--json').out);
    expect(j.task).toBe('segment');
    const dets = j.results[0].detections;
    expect(dets.length).toBeGreaterThan(0);
    for (const d of dets) {
      const m = d.mask;
      expect(m.counts.reduce((a: number, b: number) => a + b, 0)).toBe(m.width * m.height);
      expect(m.counts.filter((_: number, k: number) => k % 2 === 1).reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
    }
    const text = detect(w, img, '--imgsz', '320', '--conf', '0.05', '--save', join(dir, 'seg')).out;
    expect(text).toMatch(/mask \d+ px/);
    expect(pixelsOf(join(dir, 'seg', 'img.png')).width).toBe(373);
  }, 600_000);

  test('pose: --json keypoints (17 × x, y, visibility) in image pixels; --save draws the joints', async () => {
    const w = await weights('yolo11n-pose-coco-256-hybrid');
    const j = JSON.parse(detect(w, img, '--conf', '0.05', '--json').out);
    expect(j.task).toBe('pose');
    const d = j.results[0].detections[0];
    expect(d.keypoints).toHaveLength(17);
    for (const k of d.keypoints) {
      expect(k.x).toBeGreaterThanOrEqual(0);
      expect(k.x).toBeLessThanOrEqual(373);
      expect(k.visibility).toBeGreaterThanOrEqual(0);
    }
    expect(detect(w, img, '--conf', '0.05', '--save', join(dir, 'pose')).out).toMatch(/\d+\/17 keypoints visible/);
  }, 600_000);

  test('classify: the top-k as text and --json; --save writes the top-k in the corner', async () => {
    const w = await weights('yolo11n-cls-imagenet-320-hybrid');
    const j = JSON.parse(detect(w, img, '--topk', '3', '--json').out);
    expect(j.task).toBe('classify');
    const classes = j.results[0].classes;
    expect(classes).toHaveLength(3);
    expect(classes[0].score).toBeGreaterThanOrEqual(classes[1].score);
    const out = detect(w, img, '--save', join(dir, 'cls')).out;
    expect(out).toMatch(/top 5/);
    const png = pixelsOf(join(dir, 'cls', 'img.png'));
    let white = 0;
    for (let y = 0; y < 20; y++) for (let x = 0; x < 100; x++) if (png.data.readUInt32BE((y * png.width + x) * 4) === 0xffffffff) white++;
    expect(white).toBeGreaterThan(20);
  }, 600_000);
});
