/**
 * The new tasks in Node on Dawn (the `webgpu` package; SwiftShader on a CPU-only machine): the
 * segment, pose and classify models from ../shared/models give the same results as in Chromium —
 * here, the same as a second identical call, with masks, keypoints and the top-5 present — and a
 * raw-pixel image with no box gives [].
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { createDetector } from '../../src/detector.js';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { fixture } from '../helpers/fixtures.js';

const weights = async (m: string) => convertModel(new Uint8Array(readFileSync(fixture(`models/${m}.tflite`))), `${m}.tflite`);

test('Node (Dawn): segment masks, pose keypoints, classify top-5', async () => {
  const img = await decodeImageFile(fixture('datasets/fracatlas/images/Fractured/IMG0003458.jpg'));
  const image = { ...img, channels: 4 as const };
  const blank = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 4), channels: 4 as const };

  const seg = await createDetector({ model: await weights('yolo11n-seg-coco-640-fullint8'), inputSize: 320, task: 'segment' });
  try {
    const a = await seg.detect(image, { conf: 0.05 });
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((d) => d.mask.area > 0 && d.mask.bits.length === Math.ceil((d.mask.width * d.mask.height) / 32))).toBe(true);
    expect(await seg.detect(image, { conf: 0.05 })).toEqual(a);
    expect(await seg.detect(blank, { conf: 0.99 })).toEqual([]);
    console.log(`Node, segment: ${a.length} boxes, mask areas ${a.map((d) => d.mask.area).join(', ')} px`);
  } finally {
    seg.destroy();
  }
  const pose = await createDetector({ model: await weights('yolo11n-pose-coco-256-hybrid'), task: 'pose' });
  try {
    const p = await pose.detect(image, { conf: 0.05 });
    expect(p.length).toBeGreaterThan(0);
    expect(p[0].keypoints).toHaveLength(17);
    console.log(`Node, pose: ${p.length} boxes, first keypoint (${p[0].keypoints[0].x.toFixed(1)}, ${p[0].keypoints[0].y.toFixed(1)})`);
  } finally {
    pose.destroy();
  }
  const cls = await createDetector({ model: await weights('yolo11n-cls-imagenet-320-hybrid'), task: 'classify' });
  try {
    const top = await cls.classify(image);
    expect(top).toHaveLength(5);
    console.log(`Node, classify: ${top.map((c) => `${c.label} ${c.score.toFixed(3)}`).join(', ')}`);
  } finally {
    cls.destroy();
  }
}, 900_000);
