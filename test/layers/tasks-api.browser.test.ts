/**
 * The public API on the real segment, pose and classify models (../shared/models, converted from
 * TFLite): detect() returns boxes with masks or keypoints, classify() the top-k; masks equal
 * Ultralytics' process_mask_native (src/post/tasks-ref.ts) computed from the same run's output0 and
 * protos after the reference NMS, keypoints equal scale_coords of output0's decoded keypoints; the
 * wrong method and a `task` that is not the file's are typed errors; an image with no box gives [].
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { letterboxGeometry, scaleBoxesPad } from '../../src/ops/letterbox.js';
import { postprocessRef } from '../../src/post/nms-ref.js';
import { processMaskNative, scaleCoords } from '../../src/post/tasks-ref.js';
import type { Classification, PoseDetection } from '../../src/results.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const DIR = join(CACHE, 'tasks');
const IMAGES = ['IMG0003458.jpg', 'IMG0001572.jpg'];

async function setup(model: string) {
  mkdirSync(DIR, { recursive: true });
  const w = join(DIR, `${model}.y11w`);
  if (!existsSync(w)) writeFileSync(w, await convertModel(new Uint8Array(readFileSync(fixture(`models/${model}.tflite`))), `${model}.tflite`));
  const images = [];
  for (const [i, name] of IMAGES.entries()) {
    const img = await decodeImageFile(fixture(`datasets/fracatlas/images/Fractured/${name}`));
    writeFileSync(join(DIR, `img${i}.rgba`), img.data);
    images.push({ url: `/.cache/test/tasks/img${i}.rgba`, width: img.width, height: img.height });
  }
  return { url: `/.cache/test/tasks/${model}.y11w`, images };
}

type SegOut = { box: number[]; score: number; classId: number; label: string; mask: { x: number; y: number; width: number; height: number; area: number; bits: number[] } };
interface TaskRun { task: string; results: unknown[]; outputs: { output0: number[]; output1?: number[] }[]; stats: unknown; wrongMethod: string; wrongTask: string; empty?: unknown[] }

describe('segment, pose and classify through createDetector (headless Chromium WebGPU)', () => {
  test('segment: boxes with masks equal to process_mask_native on the same run; typed errors; no box → []', async () => {
    const { url, images } = await setup('yolo11n-seg-coco-640-fullint8');
    const size: [number, number] = [320, 320];
    const conf = 0.05;
    const r = await s.call<TaskRun>('/test/browser/entries/tasks.ts', 'runTask', url, size, images, { conf, outputs: true });
    expect(r.task).toBe('segment');
    expect(r.wrongMethod).toBe('TaskMismatchError: classify() needs a classify model; this one is a segment model: call detect()');
    expect(r.wrongTask).toMatch(/^TaskMismatchError: the weight file is a segment model \(task "segment"\), not the "classify" model asked for$/);
    expect(r.empty).toEqual([]);
    let boxes = 0;
    let pixels = 0;
    let differ = 0;
    for (const [i, im] of images.entries()) {
      const got = r.results[i] as SegOut[];
      const o0 = Float32Array.from(r.outputs[i].output0);
      const protos = Float32Array.from(r.outputs[i].output1!);
      const A = o0.length / (4 + 80 + 32);
      const [padX, padY] = scaleBoxesPad(im.width, im.height, ...size);
      const ref = postprocessRef(o0.subarray(0, 84 * A), 80, { conf, iou: 0.7, maxDet: 300 }, { gain: letterboxGeometry(im.width, im.height, ...size).gain, padX, padY, srcW: im.width, srcH: im.height });
      const coeffs = Float32Array.from(ref.flatMap((d) => Array.from({ length: 32 }, (_, k) => o0[(84 + k) * A + d.anchor])));
      const masks = processMaskNative(protos, [32, size[0] / 4, size[1] / 4], coeffs, ref.map((d) => d.box), im.height, im.width);
      const kept = ref.map((d, k) => ({ d, m: masks[k] })).filter(({ m }) => m.some((v) => v)); // Ultralytics keeps boxes with a mask
      expect(got.map((d) => [d.classId, d.score])).toEqual(kept.map(({ d }) => [d.classId, d.score]));
      kept.forEach(({ d, m }, k) => {
        const g = got[k];
        g.box.forEach((v, j) => expect(Math.abs(v - d.box[j])).toBeLessThan(1e-3));
        for (let y = 0; y < im.height; y++) {
          for (let x = 0; x < im.width; x++) {
            const inside = x >= g.mask.x && x < g.mask.x + g.mask.width && y >= g.mask.y && y < g.mask.y + g.mask.height;
            const p = (y - g.mask.y) * g.mask.width + (x - g.mask.x);
            const v = inside ? (g.mask.bits[p >>> 5] >>> (p & 31)) & 1 : 0;
            if (v !== m[y * im.width + x]) differ++;
            pixels += v;
          }
        }
      });
      boxes += got.length;
    }
    console.log(`segment at ${size.join('×')}, conf ${conf}: ${boxes} boxes with masks on ${images.length} radiographs, ${pixels} mask pixels, ${differ} differ from process_mask_native`);
    expect(boxes).toBeGreaterThan(0);
    expect(differ).toBe(0);
    expect(s.errors).toEqual([]);
  }, 900_000);

  test('pose: 17 keypoints per box, scale_coords of output0 in source pixels', async () => {
    const { url, images } = await setup('yolo11n-pose-coco-256-hybrid');
    const conf = 0.01;
    const r = await s.call<TaskRun>('/test/browser/entries/tasks.ts', 'runTask', url, undefined, images, { conf, outputs: true });
    expect(r.task).toBe('pose');
    expect(r.wrongMethod).toMatch(/^TaskMismatchError: classify\(\) needs a classify model; this one is a pose model/);
    expect(r.empty).toEqual([]);
    let boxes = 0;
    let worst = 0;
    for (const [i, im] of images.entries()) {
      const got = r.results[i] as PoseDetection[];
      const o0 = Float32Array.from(r.outputs[i].output0);
      const A = o0.length / (4 + 1 + 51);
      const [padX, padY] = scaleBoxesPad(im.width, im.height, 256, 256);
      const ref = postprocessRef(o0.subarray(0, 5 * A), 1, { conf, iou: 0.7, maxDet: 300 }, { gain: letterboxGeometry(im.width, im.height, 256, 256).gain, padX, padY, srcW: im.width, srcH: im.height });
      expect(got.length).toBe(ref.length);
      ref.forEach((d, k) => {
        const raw = Float32Array.from({ length: 51 }, (_, j) => o0[(5 + j) * A + d.anchor]);
        const want = scaleCoords(raw, 3, [256, 256], im.height, im.width);
        expect(got[k].keypoints).toHaveLength(17);
        got[k].keypoints.forEach((p, j) => {
          worst = Math.max(worst, Math.abs(p.x - want[3 * j]), Math.abs(p.y - want[3 * j + 1]));
          expect(p.visibility).toBe(want[3 * j + 2]);
        });
      });
      boxes += got.length;
    }
    console.log(`pose at 256, conf ${conf}: ${boxes} boxes, keypoints within ${worst.toExponential(2)} px of scale_coords`);
    expect(boxes).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-3);
  }, 600_000);

  test('classify: top-5 by probability, best first; detect() is a typed error', async () => {
    const { url, images } = await setup('yolo11n-cls-imagenet-320-hybrid');
    const r = await s.call<TaskRun>('/test/browser/entries/tasks.ts', 'runTask', url, undefined, images, { topk: 5 });
    expect(r.task).toBe('classify');
    expect(r.wrongMethod).toBe('TaskMismatchError: detect() needs a detect, segment or pose model; this one is a classify model: call classify()');
    expect(r.wrongTask).toMatch(/^TaskMismatchError: the weight file is a classify model/);
    for (const top of r.results as Classification[][]) {
      expect(top).toHaveLength(5);
      for (let k = 1; k < 5; k++) expect(top[k].score).toBeLessThanOrEqual(top[k - 1].score);
      expect(top.reduce((a, c) => a + c.score, 0)).toBeLessThanOrEqual(1 + 1e-5);
      console.log(`classify: ${top.map((c) => `${c.label} ${c.score.toFixed(3)}`).join(', ')}`);
    }
  }, 600_000);
});
