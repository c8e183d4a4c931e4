/**
 * ONNX Runtime reference tensors for parity tests, generated once per (model, images, input size) and
 * cached under .cache/reference/ (git-ignored; fixture-derived, never committed).
 *
 *   const ref = await referenceFor(320);          // or [256, 384]
 *   ref.tensor('img0/model.4')                    // { shape: [1, 128, 40, 40], data: Float32Array }
 *   ref.images[0]                                 // { file, width, height, gain, pad: [left, top] }
 *   (await referenceFile(640)).url                // '/.cache/reference/….y11r' for a browser test server
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadReference, makeReference, type Reference } from '../../src/reference/reference.js';
import { fixture } from './fixtures.js';

/** Bump when the reference generation changes (preprocessing, exposed tensors): old caches are ignored. */
export const REFERENCE_VERSION = 1;
export const REFERENCE_CACHE = resolve('.cache/reference');
export const REFERENCE_MODEL = 'models/yolo11n-coco-fp32.onnx';
/**
 * img0: IMG0000019, greyscale 2304×2880 (w×h), scaled down 4.5× at 640;
 * img1: IMG0003309, colour 454×373 (test split); img2: IMG0003297, colour 373×454 (test split).
 */
export const REFERENCE_IMAGES = ['IMG0000019.jpg', 'IMG0003309.jpg', 'IMG0003297.jpg'];

export const referenceImagePath = (name: string) => fixture(`datasets/fracatlas/images/Fractured/${name}`);

const memo = new Map<string, Promise<Reference>>();
const files = new Map<string, Promise<{ path: string; url: string }>>();

function normSize(imgsz: number | [number, number]): [number, number] {
  return typeof imgsz === 'number' ? [imgsz, imgsz] : imgsz;
}

/** The cached reference file for `imgsz` (generated if missing): its path and its URL from the repo root. */
export function referenceFile(imgsz: number | [number, number] = 640, model = REFERENCE_MODEL, images = REFERENCE_IMAGES): Promise<{ path: string; url: string }> {
  const [h, w] = normSize(imgsz);
  const memoKey = `${model}|${images.join(',')}|${h}x${w}`;
  let p = files.get(memoKey);
  if (!p) {
    p = (async () => {
      const modelPath = fixture(model);
      const modelBytes = new Uint8Array(readFileSync(modelPath));
      const sha = createHash('sha256').update(modelBytes).digest('hex');
      const key = createHash('sha256').update(JSON.stringify({ v: REFERENCE_VERSION, sha, images, h, w })).digest('hex').slice(0, 16);
      const path = join(REFERENCE_CACHE, `${model.split('/').pop()!.replace(/\.onnx$/, '')}-${h}x${w}-${key}.y11r`);
      if (!existsSync(path)) {
        const bytes = await makeReference({ modelPath, modelBytes, images: images.map(referenceImagePath), imgsz: [h, w] });
        mkdirSync(REFERENCE_CACHE, { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, bytes);
        renameSync(tmp, path); // atomic: a concurrent reader never sees half a file
      }
      return { path, url: `/${relative(resolve('.'), path).split('\\').join('/')}` };
    })();
    p.catch(() => files.delete(memoKey));
    files.set(memoKey, p);
  }
  return p;
}

/** The reference for `imgsz` (640, or [H, W]) over REFERENCE_IMAGES with the fp32 COCO model, loaded. */
export function referenceFor(imgsz: number | [number, number] = 640, model = REFERENCE_MODEL, images = REFERENCE_IMAGES): Promise<Reference> {
  const [h, w] = normSize(imgsz);
  const memoKey = `${model}|${images.join(',')}|${h}x${w}`;
  let p = memo.get(memoKey);
  if (!p) {
    p = referenceFile([h, w], model, images).then(({ path }) => loadReference(readFileSync(path)));
    p.catch(() => memo.delete(memoKey));
    memo.set(memoKey, p);
  }
  return p;
}
