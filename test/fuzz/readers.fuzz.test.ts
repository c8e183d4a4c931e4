/**
 * Fuzzing the weight reader and the ONNX and TFLite importers with seeded mutations of real files
 * (test/fuzz/mutate.ts). Every case must end in a valid result or a typed error (a Yolo11Error
 * subclass) within 1 s of CPU time — no other exception, no hang. FUZZ_SCALE multiplies the case counts
 * (`npm run fuzz` runs 10×); FUZZ_SEED replays a run.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { Yolo11Error } from '../../src/errors.js';
import { readWeights } from '../../src/weights/weights.js';
import { importOnnx } from '../../src/convert/onnx.js';
import { importTflite } from '../../src/convert/tflite.js';
import { convertModel } from '../../src/convert/index.js';
import { fixture } from '../helpers/fixtures.js';
import { mutate, mutationArb } from './mutate.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

interface Tally { cases: number; valid: number; errors: Map<string, number>; slowest: number; slowestCpu: number }

/** Run `n` mutated cases through `read`; returns what happened (asserting inside the property). */
async function fuzz(base: Uint8Array, donor: Uint8Array, hot: number, n: number, read: (b: Uint8Array) => Promise<unknown>): Promise<Tally> {
  const t: Tally = { cases: 0, valid: 0, errors: new Map(), slowest: 0, slowestCpu: 0 };
  await fc.assert(
    fc.asyncProperty(mutationArb(base.length, hot), async (ms) => {
      const bytes = mutate(base, ms, donor);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      try {
        await read(bytes);
        t.valid++;
      } catch (e) {
        if (!(e instanceof Yolo11Error)) throw new Error(`untyped error for ${JSON.stringify(ms)}: ${(e as Error)?.stack ?? e}`);
        t.errors.set(e.name, (t.errors.get(e.name) ?? 0) + 1);
      }
      // The 1-s bound is on CPU time: wall time also counts other jobs on a loaded CI machine.
      const c = process.cpuUsage(c0);
      const cpu = (c.user + c.system) / 1000;
      t.slowest = Math.max(t.slowest, performance.now() - t0);
      t.slowestCpu = Math.max(t.slowestCpu, cpu);
      t.cases++;
      if (cpu > 1000) throw new Error(`case took ${cpu.toFixed(0)} ms of CPU: ${JSON.stringify(ms)}`);
    }),
    { numRuns: n, seed: SEED, endOnFailure: true },
  );
  return t;
}

const report = (what: string, t: Tally) =>
  console.log(`${what}: ${t.cases} cases, ${t.valid} valid, typed errors ${JSON.stringify(Object.fromEntries([...t.errors].sort((a, b) => b[1] - a[1])))}, slowest ${t.slowestCpu.toFixed(0)} ms CPU (${t.slowest.toFixed(0)} ms wall)`);

describe('fuzzing the readers', () => {
  let weights: Uint8Array;
  let coco: Uint8Array;
  beforeAll(async () => {
    const tfl = new Uint8Array(readFileSync(fixture('models/yolo11n-fracture-int8.tflite')));
    weights = await convertModel(tfl, 'fracture.tflite', 'f16');
    coco = await convertModel(new Uint8Array(readFileSync(fixture('models/yolo11n-coco-uint8.onnx'))), 'coco.onnx', 'f16');
  }, 120_000);

  test(`weight reader: ${10_000 * SCALE} mutated weight files`, async () => {
    const manifestEnd = 16 + new DataView(weights.buffer, weights.byteOffset).getUint32(12, true);
    const t = await fuzz(weights, coco, manifestEnd, 10_000 * SCALE, (b) => readWeights(b));
    report('weight reader', t);
    expect(t.cases).toBe(10_000 * SCALE);
  }, 1_800_000);

  test(`ONNX importer: ${1000 * SCALE} mutated ONNX files`, async () => {
    const onnx = new Uint8Array(readFileSync(fixture('models/yolo11n-coco-uint8.onnx')));
    const t = await fuzz(onnx, onnx, 64 * 1024, 1000 * SCALE, (b) => importOnnx(b, 'fuzz.onnx'));
    report('ONNX importer', t);
    expect(t.cases).toBe(1000 * SCALE);
  }, 1_800_000);

  test(`TFLite importer: ${1000 * SCALE} mutated TFLite files`, async () => {
    const tfl = new Uint8Array(readFileSync(fixture('models/yolo11n-fracture-int8.tflite')));
    const t = await fuzz(tfl, tfl, 64 * 1024, 1000 * SCALE, (b) => importTflite(b, 'fuzz.tflite'));
    report('TFLite importer', t);
    expect(t.cases).toBe(1000 * SCALE);
  }, 1_800_000);
});
