/**
 * shaders/detect-decode.wgsl on real WebGPU against src/post/decode-ref.ts (output0) and
 * src/post/nms-ref.ts candidatesRef (the candidates it appends).
 *
 * Runs in headless Chromium, not in Node's Dawn: Dawn 0.6 on SwiftShader aborts its process in about
 * half of all runs (README; test/kernels/smoke.node.test.ts), which would take vitest's worker down.
 * Buffers cross into the page as u32 bit patterns, so NaN and ±Inf survive JSON.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COUNTERS_BYTES, classMask, planDecode } from '../../src/ops/decode.js';
import type { Dispatch, View } from '../../src/ops/types.js';
import { decodeRef } from '../../src/post/decode-ref.js';
import { candidatesRef } from '../../src/post/nms-ref.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { asF32, pageRunner, type Buf } from '../helpers/gpu-page.js';
import { randomArray } from '../helpers/kernel.js';

const SENTINEL = 7777.25;


let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

const runGpu = pageRunner(() => s);

/** Input 64×96 → levels 8×12, 4×6, 2×3 (126 anchors), placed at odd offsets between sentinels. */
function setup(nc: number, seed: number, { maxCandidates = 0, conf = 0.5, classes = undefined as number[] | undefined } = {}) {
  const sizes = [[8, 12], [4, 6], [2, 3]];
  const data = sizes.map(([h, w], j) => {
    const x = randomArray((64 + nc) * h * w, seed + j, -4, 4);
    for (let i = 64 * h * w; i < x.length; i++) x[i] = x[i] * 0.75 - 0.5; // class logits
    return x;
  });
  const A = sizes.reduce((n, [h, w]) => n + h * w, 0);
  let off = 5;
  const levels: View[] = sizes.map(([h, w]) => {
    const v = { offset: off, c: 64 + nc, h, w };
    off += v.c * h * w + 3;
    return v;
  });
  const output0: View = { offset: off + 1, c: 1, h: 4 + nc, w: A };
  const arena = new Float32Array(output0.offset + (4 + nc) * A + 7).fill(SENTINEL);
  levels.forEach((v, j) => arena.set(data[j], v.offset));
  const cap = maxCandidates || A;
  const d = planDecode({ label: 'test.decode', levels, nc, output0, maxCandidates: cap, conf });
  const buffers = {
    arena, candidates: new Float32Array(cap * 8), counters: new Uint32Array(COUNTERS_BYTES / 4), classmask: classMask(nc, classes),
  };
  return { d, buffers, data, sizes, A, output0, cap };
}

/** Stored candidates as {box, score, classId, anchor}, sorted by anchor. */
function stored(candidates: Float32Array, n: number) {
  return Array.from({ length: n }, (_, k) => {
    const c = candidates.subarray(k * 8, k * 8 + 8);
    return { box: [c[0], c[1], c[2], c[3]], score: c[4], classId: c[5], anchor: c[6] };
  }).sort((a, b) => a.anchor - b.anchor);
}

describe('fused Detect decode (headless Chromium WebGPU)', () => {
  test('output0 matches the TS decode; candidates are exactly the anchors above conf; nothing else written', async () => {
    const nc = 3;
    const { d, buffers, data, sizes, A, output0 } = setup(nc, 1);
    const out = await runGpu([d], buffers);
    const arena = asF32(out.arena);
    const got = arena.slice(output0.offset, output0.offset + (4 + nc) * A);
    const ref = decodeRef(data.map((x, j) => ({ data: x, h: sizes[j][0], w: sizes[j][1] })), nc);
    let maxRef = 0;
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(ref[i]));
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-4 * maxRef);
    // Everything outside output0 (the level tensors, the sentinels) is as it was.
    const outside = (a: Float32Array) => [...a.subarray(0, output0.offset), ...a.subarray(output0.offset + (4 + nc) * A)];
    expect(outside(arena)).toEqual(outside(buffers.arena));
    // Candidates: the same boxes, scores and classes that Ultralytics would take from this output0.
    const want = candidatesRef(got, nc, { conf: 0.5 }).candidates;
    expect(want.length).toBeGreaterThan(10);
    expect(out.counters[0]).toBe(want.length);
    expect([out.counters[1], out.counters[2]]).toEqual([0, 0]);
    expect(stored(asF32(out.candidates), want.length)).toEqual(want);
  });

  test('classes filter: only anchors whose best class is allowed', async () => {
    const nc = 5;
    const { d, buffers, output0, A } = setup(nc, 2, { conf: 0.3, classes: [1, 3] });
    const out = await runGpu([d], buffers);
    const got = asF32(out.arena).slice(output0.offset, output0.offset + (4 + nc) * A);
    const want = candidatesRef(got, nc, { conf: 0.3, classes: [1, 3] }).candidates;
    expect(want.length).toBeGreaterThan(5);
    expect(out.counters[0]).toBe(want.length);
    expect(stored(asF32(out.candidates), want.length)).toEqual(want);
  });

  test('capacity: appends past maxCandidates are counted, not written', async () => {
    const nc = 3;
    const { d, buffers, output0, A } = setup(nc, 3, { maxCandidates: 8, conf: 0.2 });
    const out = await runGpu([d], buffers);
    const got = asF32(out.arena).slice(output0.offset, output0.offset + (4 + nc) * A);
    const all = candidatesRef(got, nc, { conf: 0.2 }).candidates;
    expect(out.counters[0]).toBe(all.length);
    expect(out.counters[2]).toBe(all.length - 8);
    const kept = stored(asF32(out.candidates), 8);
    for (const c of kept) expect(all).toContainEqual(c); // 8 of them, whichever came first
  });

  test('non-finite anchors (NaN box logit, NaN or +Inf class logit) are dropped and counted', async () => {
    const nc = 3;
    const { d, buffers, sizes, output0, A } = setup(nc, 4, { conf: 0.05 });
    const [h, w] = sizes[0];
    const at = (c: number, anchor: number) => 5 + c * h * w + anchor; // level 0 starts at offset 5
    buffers.arena[at(17, 10)] = NaN; // a box bin of anchor 10
    buffers.arena[at(65, 20)] = NaN; // class 1 of anchor 20
    buffers.arena[at(64, 30)] = Infinity; // class 0 of anchor 30: sigmoid 1 in torch, but an Inf logit
    const out = await runGpu([d], buffers);
    const got = asF32(out.arena).slice(output0.offset, output0.offset + (4 + nc) * A);
    expect(Number.isNaN(got[5 * A + 20])).toBe(true); // NaN stays NaN in output0, like ONNX
    expect(got[4 * A + 30]).toBe(1);
    expect(out.counters[1]).toBe(3);
    // The rest are exactly the finite anchors above conf (the reference sees only output0, in which
    // anchor 30 looks finite, and anchor 10's box may too: WGSL leaves max(x, NaN) to the GPU).
    const want = candidatesRef(got, nc, { conf: 0.05 }).candidates.filter((c) => ![10, 20, 30].includes(c.anchor));
    expect(out.counters[0]).toBe(want.length);
    expect(stored(asF32(out.candidates), want.length)).toEqual(want);
  });

  test('a grid folded into y (as grid1d folds past 65535 groups) covers every anchor once', async () => {
    const nc = 3;
    const { d, buffers, output0, A } = setup(nc, 5);
    const plain = await runGpu([d], buffers);
    const folded = await runGpu([{ ...d, workgroups: [1, 2, 1] }], buffers);
    const o0 = (r: Record<string, Uint32Array>) => asF32(r.arena).slice(output0.offset, output0.offset + (4 + nc) * A);
    expect(o0(folded)).toEqual(o0(plain));
    expect(folded.counters[0]).toBe(plain.counters[0]);
  });
});
