/**
 * The Node side of the overlapping-calls guarantee, on Dawn (the `webgpu` package; SwiftShader on a
 * CPU-only machine): 50 detect() calls in flight at once on 50 different images each return their
 * own image's boxes, equal to the same calls made one at a time. The browser side is in
 * guards.browser.test.ts; both use the same 50 crops and the 80-class COCO model at conf 0.001,
 * which finds low-score boxes in any crop, so the results tell the images apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createDetector } from '../../src/detector.js';
import { fiftyCrops } from '../helpers/crops.js';
import { CACHE, cocoWeights } from '../helpers/parity-data.js';

test('Node (Dawn): 50 overlapping detect() calls on 50 different images each get their own boxes', async () => {
  await cocoWeights();
  const images = (await fiftyCrops()).map((c) => ({ ...c, data: Uint8Array.from(c.data) }));
  const det = await createDetector({ model: new Uint8Array(readFileSync(join(CACHE, 'yolo11n-coco.y11w'))), inputSize: 96 });
  try {
    const opts = { conf: 0.001, maxDet: 20 };
    const concurrent = await Promise.all(images.map((i) => det.detect(i, opts)));
    const sequential = [];
    for (const i of images) sequential.push(await det.detect(i, opts));
    expect(concurrent).toEqual(sequential);
    const distinct = new Set(sequential.map((d) => JSON.stringify(d)));
    console.log(`Node, ${det.info.adapter.vendor} ${det.info.adapter.description}: 50 overlapping calls, ${distinct.size} distinct results, ${sequential.reduce((n, d) => n + d.length, 0)} boxes`);
    expect(distinct.size).toBeGreaterThan(25);
  } finally {
    det.destroy();
  }
}, 600_000);
