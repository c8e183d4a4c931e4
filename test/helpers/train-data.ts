/**
 * Test data for the training tests, made into .cache/test (git-ignored) from the fixtures: the
 * fracture model converted from its hybrid TFLite file, and FracAtlas radiographs as raw RGBA files
 * with their YOLO labels, so that a page can fetch them from the test server.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { fixture } from './fixtures.js';
import { CACHE } from './parity-data.js';

/** `.cache/test/yolo11n-fracture.y11w`; returns its URL path for the test server. */
export async function fractureWeights(): Promise<string> {
  const out = join(CACHE, 'yolo11n-fracture.y11w');
  if (!existsSync(out)) {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(out, await convertModel(readFileSync(fixture('models/yolo11n-fracture-hybrid.tflite')), 'yolo11n-fracture-hybrid.tflite'));
  }
  return '/.cache/test/yolo11n-fracture.y11w';
}

export interface RgbaSample {
  url: string;
  width: number;
  height: number;
  boxes: { cls: number; cx: number; cy: number; w: number; h: number }[];
}

/** A FracAtlas fractured radiograph as raw RGBA in .cache/test, with its labels. */
export async function fracAtlasSample(name: string): Promise<RgbaSample> {
  const img = await decodeImageFile(fixture(`datasets/fracatlas/images/Fractured/${name}.jpg`));
  const out = join(CACHE, `${name}.rgba`);
  if (!existsSync(out)) {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(out, img.data);
  }
  const boxes = readFileSync(fixture(`datasets/fracatlas/labels/Fractured/${name}.txt`), 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [cls, cx, cy, w, h] = l.trim().split(/\s+/).map(Number);
    return { cls, cx, cy, w, h };
  });
  return { url: `/.cache/test/${name}.rgba`, width: img.width, height: img.height, boxes };
}
