/**
 * The GPU kernels behind slice/TTA/explain against their plain-TS references, in headless Chromium:
 * nms-rank + nms-merge vs src/post/merge-ref.ts (SAHI's greedy NMM and NMS, IOS and IOU), box-gather
 * vs the mapping it documents, scale-img vs src/post/tta-ref.ts scaleImgRef, and the EigenCAM steps
 * (cam-gram, cam-power, cam-project) vs src/explain/eigencam-ref.ts projectRef (float64 Jacobi).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COUNTERS_BYTES } from '../../src/ops/decode.js';
import { detectionsBytes, parseDetections } from '../../src/ops/nms.js';
import { planGather, planMerge, type GatherParams } from '../../src/ops/merge.js';
import { planScaleImg } from '../../src/ops/scale-img.js';
import { camStatInit, planCam, type CamLayer } from '../../src/explain/eigencam.js';
import { mergeRef, type MergeBox, type MergeParams } from '../../src/post/merge-ref.js';
import { scaleImgRef } from '../../src/post/tta-ref.js';
import { projectRef } from '../../src/explain/eigencam-ref.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { asF32, pageRunner } from '../helpers/gpu-page.js';
import { seededRandom } from '../helpers/kernel.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});
const runGpu = pageRunner(() => s);

/** Boxes in clusters (as overlapping tiles produce them), scores with ties, nc classes. */
function clusters(n: number, nc: number, seed: number): MergeBox[] {
  const r = seededRandom(seed);
  const out: MergeBox[] = [];
  while (out.length < n) {
    const cx = r(20, 300);
    const cy = r(20, 300);
    for (let k = 0; k < 6 && out.length < n; k++) {
      const w = r(4, 40);
      const h = r(4, 40);
      const x = cx + r(-8, 8);
      const y = cy + r(-8, 8);
      out.push({ box: [x - w / 2, y - h / 2, x + w / 2, y + h / 2].map(Math.fround) as MergeBox['box'], score: Math.fround(Math.round(r(0, 1) * 50) / 50), classId: Math.floor(r(0, nc)) });
    }
  }
  return out;
}

async function gpuMerge(boxes: MergeBox[], p: MergeParams) {
  const cap = boxes.length + 5;
  const cand = new Float32Array(cap * 8);
  boxes.forEach((b, i) => cand.set([...b.box, b.score, b.classId, i, 0], i * 8));
  const counters = new Uint32Array(COUNTERS_BYTES / 4);
  counters[0] = boxes.length;
  const out = await runGpu(planMerge('m', 'x', cap, { method: p.method, metric: p.metric, threshold: p.threshold, agnostic: p.agnostic, maxDet: p.maxDet }), {
    xcand: cand, xcount: counters, xorder: new Uint32Array(cap), xdet: new Float32Array(detectionsBytes(p.maxDet) / 4),
  });
  return parseDetections(asF32(out.xdet), p.maxDet).detections;
}

describe('nms-merge = SAHI greedy NMM / NMS (merge-ref.ts)', () => {
  for (const [method, metric, agnostic] of [['nmm', 'ios', false], ['nmm', 'iou', false], ['nms', 'ios', false], ['nmm', 'ios', true]] as const) {
    test(`${method} ${metric}${agnostic ? ' agnostic' : ''}: 600 clustered boxes, 3 classes`, async () => {
      const boxes = clusters(600, 3, method.length + metric.length * 7 + (agnostic ? 1 : 0));
      const p: MergeParams = { method, metric, threshold: 0.5, agnostic, maxDet: 300 };
      const ref = mergeRef(boxes, p);
      const gpu = await gpuMerge(boxes, p);
      expect(gpu.length).toBe(ref.length);
      expect(ref.length).toBeLessThan(boxes.length); // something was merged
      gpu.forEach((d, i) => {
        expect([d.classId, d.score]).toEqual([ref[i].classId, ref[i].score]);
        d.box.forEach((v, k) => expect(Math.abs(v - ref[i].box[k])).toBeLessThan(1e-4));
      });
    });
  }

  test('hand cases: ≥ t taken, > t merged; maxDet', async () => {
    const b = (x1: number, y1: number, x2: number, y2: number, score: number): MergeBox => ({ box: [x1, y1, x2, y2], score, classId: 0 });
    const p: MergeParams = { method: 'nmm', metric: 'iou', threshold: 0.5, agnostic: false, maxDet: 300 };
    const three = [b(0, 0, 10, 10, 0.9), b(3, 0, 13, 10, 0.8), b(0, 3, 10, 13, 0.7)];
    expect((await gpuMerge(three, p)).map((d) => d.box)).toEqual([[0, 0, 13, 10]]);
    expect((await gpuMerge([b(0, 0, 10, 10, 0.9), b(5, 0, 20, 10, 0.8)], { ...p, metric: 'ios' })).map((d) => d.box)).toEqual([[0, 0, 10, 10]]);
    expect((await gpuMerge(clusters(100, 1, 3), { ...p, maxDet: 4 })).length).toBe(4);
  });
});

describe('box-gather', () => {
  test('tile detections shifted by the tile origin; TTA candidates de-scaled, un-flipped, levels left out', async () => {
    const det = new Float32Array(4 + 3 * 8);
    det[0] = 3;
    det.set([1, 2, 11, 12, 0.9, 0, 77, 0, 5, 5, 6, 6, 0.5, 1, 3, 0, 0, 0, 1, 1, 0.2, 0, 9, 0], 4);
    const tiles: GatherParams = { label: 'g', source: { kind: 'detections', buffer: 'det', capacity: 3 }, into: 'x', capacity: 10, byPos: true };
    const a = await runGpu([planGather(tiles, { idxOff: 300, offX: 100, offY: 50 })], { det, xcand: new Float32Array(80), xcount: new Uint32Array(4) });
    const got = asF32(a.xcand);
    const rows = [0, 1, 2].map((i) => Array.from(got.slice(i * 8, i * 8 + 8))).sort((p, q) => p[6] - q[6]);
    expect(rows).toEqual([[101, 52, 111, 62, 0.9, 0, 300, 0], [105, 55, 106, 56, 0.5, 1, 301, 0], [100, 50, 101, 51, 0.2, 0, 302, 0]].map((r) => r.map(Math.fround)));
    expect(Array.from(a.xcount)).toEqual([3, 0, 0, 0]);

    const cand = new Float32Array(4 * 8);
    [[10, 20, 30, 40, 0.8, 2, 5], [0, 0, 8, 8, 0.7, 1, 6], [1, 1, 2, 2, 0.6, 0, 9], [50, 50, 60, 70, 0.5, 0, 12]].forEach((c, i) => cand.set([...c, 0], i * 8));
    const counts = Uint32Array.from([4, 0, 0, 0]);
    const tta: GatherParams = { label: 'g', source: { kind: 'candidates', buffer: 'cand', counters: 'cnt', capacity: 4 }, into: 'x', capacity: 2 };
    const b = await runGpu([planGather(tta, { lo: 6, hi: 12, idxOff: 1000, scale: 2, flipW: 100 })], { cand, cnt: counts, xcand: new Float32Array(16), xcount: new Uint32Array(4) });
    const rb = [0, 1].map((i) => Array.from(asF32(b.xcand).slice(i * 8, i * 8 + 8))).sort((p, q) => p[6] - q[6]);
    expect(rb).toEqual([[84, 0, 100, 16, 0.7, 1, 1000, 0], [96, 2, 98, 4, 0.6, 0, 1003, 0]].map((r) => r.map(Math.fround)));
    expect(Array.from(b.xcount)).toEqual([2, 0, 0, 0]);
  });
});

describe('scale-img = Ultralytics scale_img', () => {
  for (const [ratio, flip] of [[0.83, true], [0.67, false]] as const) {
    test(`96×128 input at ${ratio}${flip ? ', flipped' : ''}`, async () => {
      const [h, w] = [96, 128];
      const r = seededRandom(11);
      const input = Float32Array.from({ length: 3 * h * w }, () => r(0, 1));
      const ref = scaleImgRef(input, h, w, ratio, flip);
      const src = new Float32Array(5 + input.length);
      src.set(input, 5);
      const d = planScaleImg({ label: 's', input: { offset: 5, c: 3, h, w }, output: { offset: 2, c: 3, h: ref.h, w: ref.w }, ratio, flip, src: 'a0', dst: 'a1' });
      const out = await runGpu([d], { a0: src, a1: new Float32Array(2 + ref.data.length) });
      const got = asF32(out.a1).slice(2);
      let max = 0;
      ref.data.forEach((v, i) => (max = Math.max(max, Math.abs(v - got[i]))));
      // The kernel computes source coordinates in f32 as PyTorch does, the reference in f64: the weights
      // differ by ~1e-5 of a pixel at the far edge.
      expect(max).toBeLessThan(1e-5);
    });
  }
});

describe('EigenCAM kernels = float64 reference', () => {
  test('a 48-channel 20×24 layer with a planted principal component: same direction, same map', async () => {
    const [c, h, w] = [48, 20, 24];
    const r = seededRandom(5);
    const load = Float32Array.from({ length: c }, () => r(-1, 1));
    const act = new Float32Array(c * h * w);
    for (let p = 0; p < h * w; p++) {
      const z = Math.sin(p / 17) * 3 + r(-0.3, 0.3);
      for (let k = 0; k < c; k++) act[k * h * w + p] = 0.5 + load[k] * z + r(-0.4, 0.4);
    }
    const layer: CamLayer = { name: 'model.16', view: { offset: 7, c, h, w }, stride: 8, end: 0 };
    const cam = planCam([layer]);
    const arena = new Float32Array(7 + act.length);
    arena.set(act, 7);
    const bufs = Object.fromEntries(Object.entries(cam.buffers).map(([k, v]) => [k, new Float32Array(v.bytes / 4)]));
    const out = await runGpu(cam.dispatches.slice(...cam.perLayer[0]), { ...bufs, 'cam.stat': camStatInit(), arena0: arena });
    const ref = projectRef({ data: act, c, h, w, stride: 8 });
    const vec = asF32(out['cam.vec']).slice(0, c);
    vec.forEach((v, i) => expect(Math.abs(v - ref.vector[i])).toBeLessThan(1e-4));
    const proj = asF32(out['cam.proj']).slice(0, h * w);
    const scale = ref.map.reduce((m, x) => Math.max(m, x), 0);
    proj.forEach((v, i) => expect(Math.abs(v - ref.map[i])).toBeLessThan(1e-4 * scale));
    const stat = out['cam.stat'];
    expect(Math.abs(new Float32Array(stat.buffer, 8, 1)[0] - ref.eigenvalue) / ref.eigenvalue).toBeLessThan(1e-4);
    expect(stat[3]).toBeGreaterThan(1); // rounds taken
  });
});
