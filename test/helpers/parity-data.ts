/**
 * Test data for parity tests, generated into .cache/test (git-ignored) from the fixtures: the COCO
 * yolo11n weights converted from the fp32 ONNX, and ONNX Runtime reference tensors for 3 FracAtlas
 * radiographs (different sizes, one greyscale) at a given input size, as raw f32 files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { letterbox } from '../../src/image/letterbox.js';
import { referenceSession } from '../../src/reference/reference.js';
import { fixture } from './fixtures.js';

export const CACHE = resolve('.cache/test');
/** A grey 2304×2880, an RGB 373×454 and an RGB 454×373 radiograph. */
export const PARITY_IMAGES = ['IMG0000019.jpg', 'IMG0001572.jpg', 'IMG0001780.jpg'];
export const LAYERS = [...Array.from({ length: 23 }, (_, i) => `model.${i}`), 'model.10.m.0.attn', 'model.23.level0', 'model.23.level1', 'model.23.level2', 'model.23'];

/** `.cache/test/yolo11n-coco.y11w`, converted once. Returns its URL path for the test server. */
export async function cocoWeights(): Promise<string> {
  const out = join(CACHE, 'yolo11n-coco.y11w');
  if (!existsSync(out)) {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(out, await convertModel(readFileSync(fixture('models/yolo11n-coco-fp32.onnx')), 'yolo11n-coco-fp32.onnx'));
  }
  return '/.cache/test/yolo11n-coco.y11w';
}

export const imagePath = (name: string) => fixture(`datasets/fracatlas/images/Fractured/${name}`);

/** Reference tensors at one size; returns the URL folder holding img{i}/{layer}.f32. */
export async function referenceDir([h, w]: [number, number]): Promise<string> {
  const rel = `ref-${h}x${w}`;
  const dir = join(CACHE, rel);
  if (!existsSync(join(dir, 'done'))) {
    const s = await referenceSession(new Uint8Array(readFileSync(fixture('models/yolo11n-coco-fp32.onnx'))), [h, w]);
    for (const [i, name] of PARITY_IMAGES.entries()) {
      const { tensor } = letterbox(await decodeImageFile(imagePath(name)), [h, w]);
      const r = await s.run(tensor);
      mkdirSync(join(dir, `img${i}`), { recursive: true });
      writeFileSync(join(dir, `img${i}`, 'input.f32'), tensor);
      for (const [k, t] of r.tensors) writeFileSync(join(dir, `img${i}`, `${k}.f32`), t.data);
    }
    writeFileSync(join(dir, 'done'), '');
  }
  return `/.cache/test/${rel}`;
}
