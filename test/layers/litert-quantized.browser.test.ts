/**
 * Our detections vs LiteRT.js's on the QUANTIZED fracture TFLite files (hybrid and full-int8), the
 * same letterboxed FracAtlas test images, the same NMS (postprocessRef, conf 0.25, IoU 0.7). LiteRT
 * runs quantized activations (on the fly for the hybrid file), we run the dequantized weights in f32,
 * so scores differ; boxes are matched at IoU ≥ 0.9 and the test fails only on real disagreement:
 * fewer than 90 % of LiteRT's boxes above conf 0.25 matched.
 *
 * CI runs two test images on which the model fires (3 boxes ≥ 0.25); `npm run compare:litert` sets
 * LITERT_IMAGES=all (the 61 test images) and writes out/litert-compare-61.json. Boxes matched at
 * conf 0.1 are reported too (not asserted).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { matchDetections, type MatchResult } from '../helpers/detection-match.js';
import { convertModel } from '../../src/convert/index.js';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { letterbox } from '../../src/image/letterbox.js';
import { postprocessRef } from '../../src/post/nms-ref.js';

const CI_IMAGES = ['IMG0003342.jpg', 'IMG0003458.jpg'];
const which = process.env.LITERT_IMAGES ?? 'ci';
const SIZE = 640;
const NMS = { conf: 0.25, iou: 0.7, maxDet: 300 };
const LOW = { ...NMS, conf: 0.1 };

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const median = (v: number[]) => (v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] : NaN);

function testImages(): string[] {
  const all = readFileSync(fixture('datasets/fracatlas/test.txt'), 'utf8').split('\n').filter(Boolean);
  if (which === 'ci') return all.filter((l) => CI_IMAGES.some((n) => l.endsWith(n)));
  return which === 'all' ? all : all.slice(0, Number(which));
}

function addTo(total: MatchResult, m: MatchResult) {
  total.reference += m.reference;
  total.other += m.other;
  total.matched += m.matched;
  total.scoreDiffs.push(...m.scoreDiffs);
  total.ious.push(...m.ious);
}

const empty = (): MatchResult => ({ reference: 0, other: 0, matched: 0, scoreDiffs: [], ious: [] });

/**
 * LiteRT.js runs the hybrid file in float on its WebGPU accelerator — the comparison that must agree
 * (asserted). Its wasm CPU path quantizes the hybrid file's activations on the fly, and the int8 file
 * runs integer activations on both accelerators: we run float activations, so those are reported only.
 */
const RUNS = [
  { kind: 'hybrid', accel: 'webgpu', asserted: true },
  { kind: 'hybrid', accel: 'wasm', asserted: false },
  { kind: 'int8', accel: 'webgpu', asserted: false },
  { kind: 'int8', accel: 'wasm', asserted: false },
] as const;
/** LITERT_MODELS=hybrid|int8 restricts the runs (for long runs). */
const models = (process.env.LITERT_MODELS ?? 'hybrid,int8').split(',');

test(`fracture model: our detections vs LiteRT.js on the quantized TFLite files (FracAtlas test images: ${which})`, async () => {
  const dir = join(CACHE, 'litert-q');
  mkdirSync(dir, { recursive: true });
  const list = testImages();
  expect(list.length).toBeGreaterThan(0);
  const inputs: string[] = [];
  for (const [i, rel] of list.entries()) {
    const { tensor } = letterbox(await decodeImageFile(fixture(join('datasets/fracatlas', rel))), [SIZE, SIZE]);
    writeFileSync(join(dir, `input${i}.f32`), tensor);
    inputs.push(`/.cache/test/litert-q/input${i}.f32`);
  }
  // Chunks keep each page call inside the protocol timeout.
  const inChunks = async (fn: string, url: string, ...extra: unknown[]) => {
    const out: number[][] = [];
    for (let i = 0; i < inputs.length; i += 8) out.push(...(await s.call<number[][]>('/test/browser/entries/litert.ts', fn, url, inputs.slice(i, i + 8), SIZE, ...extra)));
    return out;
  };
  const ours = new Map<string, number[][]>();
  const report: Record<string, unknown> = { images: list.length, nms: NMS };
  const asserted: { name: string; frac: number; boxes: number }[] = [];
  for (const { kind, accel, asserted: isAsserted } of RUNS.filter((r) => models.includes(r.kind))) {
    if (!ours.has(kind)) {
      const tfl = readFileSync(fixture(`models/yolo11n-fracture-${kind}.tflite`));
      writeFileSync(join(dir, `${kind}.tflite`), tfl);
      writeFileSync(join(dir, `${kind}.y11w`), await convertModel(new Uint8Array(tfl), `${kind}.tflite`));
      ours.set(kind, await inChunks('ourOutputs', `/.cache/test/litert-q/${kind}.y11w`));
    }
    const litert = await inChunks('litertOutputs', `/.cache/test/litert-q/${kind}.tflite`, accel);
    const total = empty();
    const low = empty();
    let maxRawScoreDiff = 0;
    for (const [i, l] of litert.entries()) {
      const A = l.length / 5;
      const lit = Float32Array.from(l, (v, j) => (j < 4 * A ? v * SIZE : v)); // LiteRT boxes are normalised
      const our = Float32Array.from(ours.get(kind)![i]);
      for (let a = 4 * A; a < 5 * A; a++) maxRawScoreDiff = Math.max(maxRawScoreDiff, Math.abs(lit[a] - our[a]));
      addTo(total, matchDetections(postprocessRef(lit, 1, NMS), postprocessRef(our, 1, NMS)));
      addTo(low, matchDetections(postprocessRef(lit, 1, LOW), postprocessRef(our, 1, LOW)));
    }
    const frac = total.reference ? total.matched / total.reference : 1;
    const name = `${kind} on LiteRT ${accel}`;
    const row = {
      litertBoxes: total.reference, ourBoxes: total.other, matched: total.matched, matchedFraction: frac,
      medianScoreDiff: median(total.scoreDiffs), maxScoreDiff: Math.max(0, ...total.scoreDiffs), minIou: Math.min(1, ...total.ious), maxRawScoreDiff,
      atConf01: { litertBoxes: low.reference, ourBoxes: low.other, matched: low.matched, medianScoreDiff: median(low.scoreDiffs), maxScoreDiff: Math.max(0, ...low.scoreDiffs) },
    };
    report[name] = row;
    console.log(`${name}${isAsserted ? ' (asserted)' : ''}: ${list.length} images, LiteRT boxes ≥ ${NMS.conf}: ${row.litertBoxes}, ours: ${row.ourBoxes}, matched at IoU ≥ 0.9: ${row.matched} (${(100 * frac).toFixed(0)} %), `
      + `|Δscore| matched median ${row.medianScoreDiff.toFixed(4)} max ${row.maxScoreDiff.toFixed(4)}, min IoU ${row.minIou.toFixed(3)}, max |Δscore| over all anchors ${maxRawScoreDiff.toFixed(3)}; `
      + `at conf 0.1: ${low.matched}/${low.reference} matched, median |Δscore| ${row.atConf01.medianScoreDiff.toFixed(4)}`);
    if (isAsserted) asserted.push({ name, frac, boxes: total.reference });
  }
  mkdirSync('out', { recursive: true });
  writeFileSync(join('out', `litert-compare-${list.length}.json`), `${JSON.stringify(report, null, 2)}\n`);
  for (const a of asserted) {
    expect(a.boxes, `${a.name}: LiteRT found no box ≥ ${NMS.conf} — nothing compared`).toBeGreaterThan(0);
    expect(a.frac, `${a.name}: share of LiteRT's boxes we match`).toBeGreaterThanOrEqual(0.9);
  }
}, 3_600_000);
