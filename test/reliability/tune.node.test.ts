/**
 * The kernel tuner in Node (Dawn; SwiftShader on a CPU-only machine): createDetector({ tune }) with
 * the file cache measures once, then loads from the file; a corrupt file is ignored and rewritten;
 * the tuned detector's output equals the default one's within float tolerance.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createDetector } from '../../src/detector.js';
import { requestGPUContext } from '../../src/gpu/device.js';
import { CACHE, cocoWeights } from '../helpers/parity-data.js';

test('Node (Dawn): tune measures, then reads the file cache; a corrupt cache file is ignored and rebuilt', async () => {
  await cocoWeights();
  const model = new Uint8Array(readFileSync(join(CACHE, 'yolo11n-coco.y11w')));
  const cache = join(mkdtempSync(join(tmpdir(), 'yolo11-tune-node-')), 'conv-tuning.json');
  const input = new Float32Array(3 * 64 * 64).map((_, i) => (i % 89) / 89);
  // One device for every load: the second measuring pass reuses the first's compiled candidates.
  const { device } = await requestGPUContext();
  const run = async (tune: Parameters<typeof createDetector>[0]['tune']) => {
    const det = await createDetector({ model, inputSize: 64, tune, device });
    try {
      return { tuning: det.info.tuning, y: await det.forward(input) };
    } finally {
      det.destroy();
    }
  };
  const plain = await run(undefined);
  expect(plain.tuning.source).toBe('default');
  const first = await run({ cache });
  const second = await run({ cache });
  expect([first.tuning.source, second.tuning.source]).toEqual(['measured', 'cache']);
  expect(second.tuning.byClass).toEqual(first.tuning.byClass);
  expect(Object.keys(JSON.parse(readFileSync(cache, 'utf8')).entries)).toHaveLength(1);
  writeFileSync(cache, '\u0000not json');
  const third = await run({ cache });
  expect(third.tuning.source).toBe('measured');
  expect(Object.keys(JSON.parse(readFileSync(cache, 'utf8')).entries)).toHaveLength(1);
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < plain.y.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(plain.y[i]));
    maxDiff = Math.max(maxDiff, Math.abs(plain.y[i] - first.y[i]));
  }
  console.log(`Node tuning: ${JSON.stringify(first.tuning.byClass)}; tuned vs default output0 max|Δ| ${maxDiff.toExponential(2)} of max ${maxRef.toFixed(1)}`);
  expect(maxDiff).toBeLessThanOrEqual(1e-4 * maxRef);
  device.destroy();
}, 600_000);
