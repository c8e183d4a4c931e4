/**
 * Decode + GPU NMS end to end (3 dispatches: detect-decode, nms-rank, nms-greedy) against
 * src/post/nms-ref.ts postprocessRef (Ultralytics non_max_suppression + torchvision nms) run on the
 * output0 the GPU wrote: the same boxes, in the same order, with the same scores and classes.
 * Scenes are crafted through the head logits: one-hot DFL bins give boxes of whole cells, so IoUs
 * such as exactly 0.5 and exactly equal scores can be set up on purpose.
 *
 * Runs in headless Chromium (Dawn 0.6 for Node aborts at random on SwiftShader; see decode.node.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COUNTERS_BYTES, classMask, planDecode } from '../../src/ops/decode.js';
import { detectionsBytes, parseDetections, planNms, type NmsCallParams } from '../../src/ops/nms.js';
import type { Dispatch, View } from '../../src/ops/types.js';
import { postprocessRef, type NmsOptions } from '../../src/post/nms-ref.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { asF32, pageRunner, type Buf } from '../helpers/gpu-page.js';
import { seededRandom } from '../helpers/kernel.js';


let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const runGpu = pageRunner(() => s);

/** Head tensors of a (h·8) × (w·8) input: levels h×w, h/2×w/2, h/4×w/4; (64 + nc) channels each. */
class Scene {
  readonly sizes: [number, number][];
  readonly data: Float32Array[];
  constructor(readonly nc: number, h: number, w: number, box = 0, cls = -10) {
    this.sizes = [[h, w], [h / 2, w / 2], [h / 4, w / 4]];
    this.data = this.sizes.map(([y, x]) => {
      const d = new Float32Array((64 + nc) * y * x).fill(box);
      d.fill(cls, 64 * y * x);
      return d;
    });
  }
  /** Anchor (x, y) of a level: distances l, t, r, b in whole cells (one-hot DFL bins) and class logits. */
  put(level: number, x: number, y: number, dist: number[], logits: number[]) {
    const [h, w] = this.sizes[level];
    const i = y * w + x;
    const d = this.data[level];
    dist.forEach((k, side) => {
      for (let b = 0; b < 16; b++) d[(side * 16 + b) * h * w + i] = b === k ? 20 : -20;
    });
    logits.forEach((v, c) => (d[(64 + c) * h * w + i] = v));
    return this;
  }
  get anchors() {
    return this.sizes.reduce((n, [h, w]) => n + h * w, 0);
  }
}

const SCALE = { gain: 0.5, padX: 3, padY: 8, srcW: 180, srcH: 110 };

/** Decode + NMS on the GPU; returns the detections, the counters from the header and the GPU's output0. */
async function detect(sc: Scene, o: NmsOptions, maxDet = 300) {
  const nc = sc.nc;
  const A = sc.anchors;
  let off = 3;
  const levels: View[] = sc.sizes.map(([h, w]) => {
    const v = { offset: off, c: 64 + nc, h, w };
    off += v.c * h * w;
    return v;
  });
  const output0: View = { offset: off, c: 4 + nc, h: 1, w: A };
  const arena = new Float32Array(off + (4 + nc) * A);
  levels.forEach((v, j) => arena.set(sc.data[j], v.offset));
  const call: Partial<NmsCallParams> = { iou: o.iou, maxDet: o.maxDet, agnostic: !!o.agnostic, ...SCALE };
  const dispatches = [planDecode({ label: 'decode', levels, nc, output0, conf: o.conf }), ...planNms('nms', A, maxDet, call)];
  const out = await runGpu(dispatches, {
    arena, candidates: new Float32Array(A * 8), counters: new Uint32Array(COUNTERS_BYTES / 4), classmask: classMask(nc, o.classes),
    order: new Uint32Array(A), detections: new Float32Array(detectionsBytes(maxDet) / 4),
  });
  const o0 = asF32(out.arena).slice(output0.offset, output0.offset + (4 + nc) * A);
  return { ...parseDetections(asF32(out.detections), maxDet), output0: o0 };
}

/** GPU detections equal postprocessRef on the GPU's output0 (boxes to 1e-4 px: WGSL division). */
async function expectSameAsRef(sc: Scene, o: NmsOptions) {
  const gpu = await detect(sc, o);
  const ref = postprocessRef(gpu.output0, sc.nc, o, SCALE);
  expect(gpu.detections.map((d) => [d.anchor, d.classId, d.score])).toEqual(ref.map((d) => [d.anchor, d.classId, d.score]));
  gpu.detections.forEach((d, i) => d.box.forEach((v, k) => expect(Math.abs(v - ref[i].box[k])).toBeLessThan(1e-4)));
  return gpu;
}

/** A hand-made scene on a 64×96 input (levels 8×12, 4×6, 2×3; nc = 3). */
function crafted() {
  return new Scene(3, 8, 12)
    .put(0, 4, 4, [2, 2, 2, 2], [3, -10, -10]) // A (52): [20, 20, 52, 52]
    .put(0, 4, 3, [2, 1, 2, 1], [2, -10, -10]) // B (40): [20, 20, 52, 36]; IoU(A, B) = 512 / 1024 = 0.5 exactly
    .put(0, 9, 2, [2, 2, 2, 2], [2.5, -10, -10]) // C (33): class 0, [60, 4, 92, 36]
    .put(0, 10, 2, [2, 2, 2, 2], [-10, 2.2, -10]) // D (34): class 1, [68, 4, 100, 36]; IoU(C, D) = 0.6
    .put(0, 1, 6, [1, 1, 1, 1], [-10, -10, 1.5]) // E (73) and F (74): equal scores, IoU 1/3
    .put(0, 2, 6, [1, 1, 1, 1], [-10, -10, 1.5])
    .put(2, 1, 0, [1, 1, 1, 1], [-10, 0.5, -10]); // G (121): level 2, [16, -16, 80, 48]
}
const anchorsOf = (d: { anchor: number }[]) => d.map((x) => x.anchor);

describe('decode + GPU NMS vs Ultralytics/torchvision reference (headless Chromium WebGPU)', () => {
  test('IoU exactly at the threshold stays; class-aware by default; equal scores keep the lower anchor', async () => {
    const g = await expectSameAsRef(crafted(), { conf: 0.25, iou: 0.5, maxDet: 300 });
    // A, C, B, D, G, E (F: IoU 1/3 < 0.5 survives too) — by score.
    expect(anchorsOf(g.detections)).toEqual([52, 33, 34, 40, 73, 74, 121]);
    expect(g.stats).toEqual({ candidates: 7, nonFinite: 0, overflow: 0 });
    const tighter = await expectSameAsRef(crafted(), { conf: 0.25, iou: 0.3, maxDet: 300 });
    expect(anchorsOf(tighter.detections)).toEqual([52, 33, 34, 73, 121]); // B by A (0.5), F by E (1/3 > 0.3, E first)
  });

  test('agnostic NMS lets other classes suppress', async () => {
    const g = await expectSameAsRef(crafted(), { conf: 0.25, iou: 0.5, maxDet: 300, agnostic: true });
    expect(anchorsOf(g.detections)).not.toContain(34); // D: IoU 0.6 with C
  });

  test('classes filter, maxDet cap, and no candidates at all', async () => {
    expect(anchorsOf((await expectSameAsRef(crafted(), { conf: 0.25, iou: 0.5, maxDet: 300, classes: [1, 2] })).detections)).toEqual([34, 73, 74, 121]);
    expect(anchorsOf((await expectSameAsRef(crafted(), { conf: 0.25, iou: 0.5, maxDet: 2 })).detections)).toEqual([52, 33]);
    const none = await expectSameAsRef(crafted(), { conf: 0.99, iou: 0.5, maxDet: 300 });
    expect(none.detections).toEqual([]);
    expect(none.stats.candidates).toBe(0);
  });

  test('a NaN logit drops its anchor and is counted in the header', async () => {
    const sc = crafted();
    const [h, w] = sc.sizes[0];
    sc.data[0][64 * h * w + 4 * w + 4] = NaN; // A's class-0 logit
    const g = await expectSameAsRef(sc, { conf: 0.25, iou: 0.5, maxDet: 300 });
    expect(anchorsOf(g.detections)).toEqual([33, 34, 40, 73, 74, 121]);
    expect(g.stats).toEqual({ candidates: 6, nonFinite: 1, overflow: 0 });
  });

  test('random heads, 1344 anchors, nc = 5: the same detections as the reference', async () => {
    const r = seededRandom(7);
    const sc = new Scene(5, 32, 32);
    for (const d of sc.data) for (let i = 0; i < d.length; i++) d[i] = r(-3, 3);
    const g = await expectSameAsRef(sc, { conf: 0.3, iou: 0.45, maxDet: 300 });
    expect(g.stats.candidates).toBeGreaterThan(500); // several rank workgroups, many suppressions
    expect(g.detections.length).toBeGreaterThan(20);
  });

  test('nms-args sizes the ranking by the stored candidates: none, a few, more than one workgroup, capped', async () => {
    const r = seededRandom(7);
    const busy = new Scene(5, 32, 32);
    for (const d of busy.data) for (let i = 0; i < d.length; i++) d[i] = r(-3, 3);
    const runs: [Scene, number, number][] = [[new Scene(3, 8, 12), 0.25, 2016], [crafted(), 0.25, 2016], [busy, 0.3, 1344], [busy, 0.3, 300]];
    for (const [sc, conf, cap] of runs) {
      let off = 3;
      const levels: View[] = sc.sizes.map(([h, w]) => { const v = { offset: off, c: 64 + sc.nc, h, w }; off += v.c * h * w; return v; });
      const A = sc.anchors;
      const output0: View = { offset: off, c: 4 + sc.nc, h: 1, w: A };
      const arena = new Float32Array(off + (4 + sc.nc) * A);
      levels.forEach((v, j) => arena.set(sc.data[j], v.offset));
      const [args] = planNms('nms', cap, 300, undefined, 'nmsargs');
      const out = await runGpu([planDecode({ label: 'decode', levels, nc: sc.nc, output0, conf, maxCandidates: cap }), args], {
        arena, candidates: new Float32Array(cap * 8), counters: new Uint32Array(COUNTERS_BYTES / 4), classmask: classMask(sc.nc), nmsargs: new Uint32Array(4).fill(99),
      });
      const stored = Math.min(out.counters[0], cap);
      expect([...out.nmsargs.slice(0, 3)]).toEqual([Math.ceil(stored / 256), 1, 1]);
      if (sc === busy) expect(out.counters[0]).toBeGreaterThan(300); // the cap case stores 300 of them: two workgroups
    }
  });

  test('quantised random heads: many equal scores and exact IoU ties decide as torchvision', async () => {
    const r = seededRandom(11);
    const sc = new Scene(3, 16, 16);
    sc.sizes.forEach(([h, w], level) => {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const dist = [0, 0, 0, 0].map(() => Math.floor(r(0, 4)));
          sc.put(level, x, y, dist, [0, 0, 0].map(() => Math.floor(r(-2, 3))));
        }
      }
    });
    for (const iou of [0.5, 1 / 3, 0.25]) {
      const g = await expectSameAsRef(sc, { conf: 0.5, iou, maxDet: 300 });
      expect(g.detections.length).toBeGreaterThan(10);
    }
  });
});
