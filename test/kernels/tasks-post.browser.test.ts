/**
 * The post-NMS kernels of the new tasks against plain-TS references transcribed from Ultralytics'
 * ops.py (src/post/tasks-ref.ts), on random protos, coefficients and keypoints:
 *   masks  mask-logits + mask-pack (src/ops/masks.ts) vs process_mask_native (scale_masks → crop_mask
 *          → > 0), over images smaller and larger than the proto map, wide and tall, boxes with
 *          fractional corners, at the edges, and empty
 *   pose   pose-gather vs scale_coords on the kept boxes' decoded keypoints
 * and the classify centre crop (letterbox kernel with negative offsets) vs its CPU twin.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { maskLayout, planMasks } from '../../src/ops/masks.js';
import { planPoseGather, poseUniforms, keypointsBytes } from '../../src/ops/pose-gather.js';
import { processMaskNative, scaleCoords } from '../../src/post/tasks-ref.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { asF32, pageRunner } from '../helpers/gpu-page.js';
import { randomArray, seededRandom } from '../helpers/kernel.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});
const runGpu = pageRunner(() => s);

/** Detections buffer (nms-greedy.wgsl's layout): kept count, 3 counters, then 8 f32 per box with its anchor at [6]. */
function detectionsOf(boxes: number[][], anchors: number[]) {
  const d = new Float32Array(4 + Math.max(1, boxes.length) * 8);
  d[0] = boxes.length;
  boxes.forEach((b, i) => {
    d.set(b, 4 + i * 8);
    d[4 + i * 8 + 4] = 0.9;
    d[4 + i * 8 + 6] = anchors[i];
  });
  return d;
}

describe('Segment masks on the GPU vs process_mask_native', () => {
  const nm = 6;
  const nc = 2;
  const A = 9;
  const [mh, mw] = [24, 32]; // the proto map of a 96×128 input
  test.each([
    ['a wide image, smaller than the protos', 50, 23],
    ['a tall image, larger than the protos', 90, 211],
    ['an image of the input\'s shape', 128, 96],
  ])('%s (%i×%i)', async (_what, srcW, srcH) => {
    const rnd = seededRandom(srcW * 1000 + srcH);
    const protos = randomArray(nm * mh * mw, srcW + srcH, -1, 1);
    const output0 = randomArray((4 + nc + nm) * A, srcW * 7, -1, 1);
    const boxes = [
      [0, 0, srcW, srcH], // the whole image
      [rnd(0, srcW / 2), rnd(0, srcH / 2), rnd(srcW / 2, srcW), rnd(srcH / 2, srcH)], // fractional corners
      [srcW - 3.5, srcH - 2.25, srcW, srcH], // a corner
      [5, 5, 5, 9], // empty
      [1.5, 2, 7.25, 3.75],
    ];
    const anchors = [3, 0, 8, 5, 3];
    const coeffs = Float32Array.from({ length: boxes.length * nm }, (_, k) => output0[(4 + nc + (k % nm)) * A + anchors[Math.floor(k / nm)]]);
    const { rects, words, info } = maskLayout(boxes, srcW, srcH);
    const protoOffset = output0.length;
    const ds = planMasks({ n: boxes.length, nm, nc, anchors: A, output0Offset: 0, protoOffset, mh, mw, srcW, srcH, words });
    const arena = new Float32Array(protoOffset + protos.length);
    arena.set(output0);
    arena.set(protos, protoOffset);
    const out = await runGpu(ds, {
      arena, detections: detectionsOf(boxes, anchors), masklogits: new Float32Array(boxes.length * mh * mw), maskinfo: info, maskbits: new Uint32Array(Math.max(1, words)),
    });
    const ref = processMaskNative(protos, [nm, mh, mw], coeffs, boxes, srcH, srcW);
    let differ = 0;
    let set = 0;
    rects.forEach((r, i) => {
      for (let y = 0; y < srcH; y++) {
        for (let x = 0; x < srcW; x++) {
          const inside = x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
          const p = (y - r.y) * r.width + (x - r.x);
          const gpu = inside ? (out.maskbits[r.word + (p >>> 5)] >>> (p & 31)) & 1 : 0;
          if (gpu !== ref[i][y * srcW + x]) differ++;
          set += ref[i][y * srcW + x];
        }
      }
    });
    console.log(`masks ${srcW}×${srcH}: ${boxes.length} boxes, ${words} words read back, ${set} pixels set in the reference, ${differ} differ`);
    expect(set).toBeGreaterThan(0);
    expect(rects[3]).toMatchObject({ width: 0 });
    expect(differ).toBe(0);
  }, 120_000);
});

describe('Pose keypoints on the GPU vs scale_coords', () => {
  test.each([[3, 17], [2, 5]] as const)('D = %i, K = %i: kept boxes only, source pixels, clipped, visibility kept', async (d, k) => {
    const nc = 1;
    const A = 12;
    const input: [number, number] = [64, 96];
    const output0 = randomArray((4 + nc + k * d) * A, 7 * k + d, -20, 110); // keypoints partly outside the image
    const maxDet = 4;
    const anchors = [7, 0, 11];
    const geometry = { gain: 0.4, srcW: 240, srcH: 130, inputSize: input };
    const p = { output0: { offset: 0, c: 1, h: 4 + nc + k * d, w: A }, anchors: A, nc, kpt: [k, d] as const, maxDet };
    const dispatch = { ...planPoseGather({ label: 'pose', ...p }), uniforms: poseUniforms(p, geometry) };
    const out = await runGpu([dispatch], { arena: output0, detections: detectionsOf(anchors.map(() => [0, 0, 1, 1]), anchors), keypoints: new Float32Array(keypointsBytes(maxDet, k) / 4).fill(-7) });
    const got = asF32(out.keypoints);
    let worst = 0;
    anchors.forEach((a, i) => {
      const raw = Float32Array.from({ length: k * d }, (_, j) => output0[(4 + nc + j) * A + a]);
      const ref = scaleCoords(raw, d, input, geometry.srcH, geometry.srcW);
      for (let j = 0; j < k; j++) {
        worst = Math.max(worst, Math.abs(got[(i * k + j) * 3] - ref[j * d]), Math.abs(got[(i * k + j) * 3 + 1] - ref[j * d + 1]));
        expect(got[(i * k + j) * 3 + 2]).toBe(d === 3 ? ref[j * d + 2] : -1);
      }
    });
    expect(worst).toBeLessThan(1e-3);
    expect([...got.slice(anchors.length * k * 3)].every((v) => v === -7)).toBe(true); // nothing past the kept boxes
  }, 120_000);
});
