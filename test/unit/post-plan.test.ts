/**
 * Planners of the post-processing kernels, in Node without a GPU: decode (src/ops/decode.ts), NMS
 * (src/ops/nms.ts, including the exact IoU-threshold encoding) and letterbox (src/ops/letterbox.ts).
 */
import { describe, expect, test } from 'vitest';
import { COUNTERS_BYTES, candidatesBytes, classMask, classMaskBytes, planDecode } from '../../src/ops/decode.js';
import { detectionsBytes, iouThreshold, nmsUniforms, orderBytes, parseDetections, planNms } from '../../src/ops/nms.js';
import { cv2LinearTable, letterboxAxesBytes, letterboxGeometry, letterboxUniforms, planLetterbox, pyRound, scaleBoxesPad, sourceBytes } from '../../src/ops/letterbox.js';
import { seededRandom } from '../helpers/kernel.js';
import { shader } from '../../src/gpu/shader.js';

const level = (offset: number, h: number, w: number, nc = 3) => ({ offset, c: 64 + nc, h, w });

describe('planDecode', () => {
  const levels = [level(100, 8, 12), level(7000, 4, 6), level(9000, 2, 3)];
  const output0 = { offset: 20000, c: 1, h: 7, w: 126 };

  test('one dispatch over every anchor; per-level uniforms; buffers', () => {
    const d = planDecode({ label: 'model.23.decode', levels, nc: 3, output0 });
    expect(d.shader).toBe('detect-decode');
    expect(d.workgroups).toEqual([2, 1, 1]); // 126 anchors / 64
    expect(d.uniforms).toEqual({
      lv_off: [100, 7000, 9000, 0], lv_h: [8, 4, 2, 0], lv_w: [12, 6, 3, 0], lv_stride: [8, 16, 32, 0],
      out_off: 20000, nc: 3, anchors: 126, max_cand: 126, conf: 0.25,
    });
    expect(d.buffers).toEqual({ candidates: 'candidates', counters: 'counters', classmask: 'classmask' });
    // Every uniform is a field of the shader's struct (packUniforms checks both ways).
    expect([...shader('detect-decode').uniform!.fields.keys()].sort()).toEqual(Object.keys(d.uniforms).sort());
  });

  test('strides, capacity and conf are parameters', () => {
    const d = planDecode({ label: 'd', levels, nc: 3, output0, strides: [4, 8, 16], maxCandidates: 50, conf: 0.5 });
    expect(d.uniforms).toMatchObject({ lv_stride: [4, 8, 16, 0], max_cand: 50, conf: 0.5 });
  });

  test('wrong shapes are rejected with the label', () => {
    expect(() => planDecode({ label: 'x', levels: levels.slice(0, 2), nc: 3, output0 })).toThrow(/x: needs 3 levels/);
    expect(() => planDecode({ label: 'x', levels, nc: 4, output0 })).toThrow(/67 channels, expected 64 \+ nc = 68/);
    expect(() => planDecode({ label: 'x', levels, nc: 3, output0: { ...output0, w: 125 } })).toThrow(/output0 must hold/);
  });

  test('byte sizes and the class mask', () => {
    expect(candidatesBytes(8400)).toBe(8400 * 32);
    expect(COUNTERS_BYTES).toBe(16);
    expect(classMaskBytes(80)).toBe(12);
    expect([...classMask(3)]).toEqual([7]);
    expect([...classMask(40, [0, 33])]).toEqual([1, 2]);
    expect(() => classMask(3, [3])).toThrow(/not a class id/);
  });
});

/** nms-greedy.wgsl's integer test, in BigInt: inter/union > M, or = M with iou_tie. */
function gpuSuppresses(inter: number, union: number, t: ReturnType<typeof iouThreshold>): boolean {
  if (!(inter > 0)) return false;
  if (!(union > 0)) return union === 0;
  const split = (v: number): [bigint, number] => {
    const b = new Uint32Array(Float32Array.of(v).buffer)[0];
    const ex = (b >>> 23) & 0xff;
    return ex === 0 ? [BigInt(b & 0x7fffff), -149] : [BigInt((b & 0x7fffff) | 0x800000), ex - 150];
  };
  const [a, ea] = split(inter);
  const [b, eb] = split(union);
  const k = ea - (t.iou_e + eb);
  const lhs = k >= 0 ? a << BigInt(k) : a;
  const rhs = k >= 0 ? BigInt(t.iou_m) * b : (BigInt(t.iou_m) * b) << BigInt(-k);
  return lhs > rhs || (lhs === rhs && t.iou_tie === 1);
}

describe('planNms', () => {
  test('two dispatches: rank (256 per workgroup), then greedy in one workgroup', () => {
    const [rank, greedy] = planNms('nms', 8400, 300);
    expect([rank.label, rank.shader, rank.workgroups]).toEqual(['nms.rank', 'nms-rank', [33, 1, 1]]);
    expect([greedy.label, greedy.shader, greedy.workgroups]).toEqual(['nms.greedy', 'nms-greedy', [1, 1, 1]]);
    expect(rank.buffers).toEqual({ candidates: 'candidates', counters: 'counters', order: 'order' });
    expect(greedy.buffers).toEqual({ candidates: 'candidates', counters: 'counters', order: 'order', detections: 'detections' });
    expect([...shader('nms-greedy').uniform!.fields.keys()].sort()).toEqual(Object.keys(greedy.uniforms).sort());
    expect(detectionsBytes(300)).toBe((4 + 300 * 8) * 4);
    expect(orderBytes(8400)).toBe(8400 * 4);
  });

  test('indirect: nms-args first, sized from the counters, then the ranking dispatched from its buffer', () => {
    const [args, rank, greedy] = planNms('nms', 8400, 300, undefined, 'nmsargs');
    expect([args.label, args.shader, args.workgroups, args.uniforms, args.constants, args.buffers]).toEqual(['nms.args', 'nms-args', [1, 1, 1], { max_cand: 8400 }, { WG: 256 }, { counters: 'counters', args: 'nmsargs' }]);
    expect([rank.shader, rank.indirect, rank.constants.WG]).toEqual(['nms-rank', 'nmsargs', 256]);
    expect([greedy.shader, greedy.indirect]).toEqual(['nms-greedy', undefined]);
    expect([...shader('nms-args').uniform!.fields.keys()]).toEqual(['max_cand']);
    expect(shader('nms-args').overrides).toContain('WG');
  });

  test('call parameters are validated', () => {
    const c = { iou: 0.7, maxDet: 300, agnostic: false, gain: 1, padX: 0, padY: 0, srcW: 640, srcH: 640 };
    expect(nmsUniforms(100, c)).toMatchObject({ max_cand: 100, max_det: 300, agnostic: 0, gain: 1, src_w: 640 });
    expect(() => nmsUniforms(100, { ...c, maxDet: 301 }, 300)).toThrow(/maxDet/);
    expect(() => nmsUniforms(100, { ...c, iou: 1.5 })).toThrow(/iou must be in/);
    expect(() => nmsUniforms(100, { ...c, gain: 0 })).toThrow(/gain/);
  });

  test('the threshold encoding decides float(inter / union) > t exactly, ties included', () => {
    const rnd = seededRandom(5);
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const ts = [0, 1e-3, 0.1, 0.3, 0.45, 0.5, 0.6, 0.65, 0.7, 0.9, 0.999, 1, ...Array.from({ length: 8 }, () => rnd(0, 1))];
    let decided = 0;
    let near = 0;
    for (const t of ts) {
      const enc = iouThreshold(t);
      for (let k = 0; k < 400; k++) {
        const union = Math.fround(rnd(0.5, 3e5));
        f32[0] = union * t;
        u32[0] += Math.round(rnd(-6, 6)); // inter within a few ULP of t·union
        const inter = f32[0];
        const torch = Math.fround(inter / union) > t;
        if (Math.abs(Math.fround(inter / union) - t) < 1e-6) near++;
        expect(gpuSuppresses(inter, union, enc), `t=${t} inter=${inter} union=${union}`).toBe(torch);
        decided++;
      }
    }
    expect(decided).toBe(ts.length * 400);
    expect(near).toBeGreaterThan(decided / 2); // most pairs sit at the threshold
    // The exact-tie cases by hand: 50 / 100 = 0.5 is not > 0.5; 60 / 100 rounds to float(0.6) > 0.6.
    expect(gpuSuppresses(50, 100, iouThreshold(0.5))).toBe(false);
    expect(gpuSuppresses(60, 100, iouThreshold(0.6))).toBe(Math.fround(0.6) > 0.6);
    expect(gpuSuppresses(1, 0, iouThreshold(0.5))).toBe(true);
    expect(gpuSuppresses(0, 0, iouThreshold(0))).toBe(false);
  });

  test('parseDetections reads the header stats and the boxes', () => {
    const raw = Float32Array.from([1, 7, 2, 3, 10, 20, 30, 40, 0.9, 2, 55, 0]);
    expect(parseDetections(raw, 300)).toEqual({
      detections: [{ box: [10, 20, 30, 40], score: Math.fround(0.9), classId: 2, anchor: 55 }],
      stats: { candidates: 7, nonFinite: 2, overflow: 3 },
    });
  });
});

describe('planLetterbox', () => {
  test('Ultralytics geometry: gain, new size, pads with Python rounding', () => {
    expect([pyRound(0.5), pyRound(1.5), pyRound(2.5), pyRound(-0.5), pyRound(2.6)]).toEqual([0, 2, 2, 0, 3]);
    expect(letterboxGeometry(1280, 720, 640, 640)).toEqual({ gain: 0.5, newW: 640, newH: 360, left: 0, top: 140 });
    // 37×23 → 32×32: r = 32/37, new 32 × round(19.89) = 20, top = round(5.9) = 6.
    expect(letterboxGeometry(37, 23, 32, 32)).toMatchObject({ newW: 32, newH: 20, left: 0, top: 6 });
    // 5×9 → 32 (H) × 64 (W): r = min(32/9, 64/5) = 3.556, new round(17.78) = 18 × 32, left = round(22.9) = 23.
    expect(letterboxGeometry(5, 9, 32, 64)).toMatchObject({ newW: 18, newH: 32, left: 23, top: 0 });
    // dh = 1.5: round(1.4) = 1 above, round(1.6) = 2 below.
    expect(letterboxGeometry(10, 7, 10, 10)).toMatchObject({ newH: 7, top: 1 });
  });

  test('scale_boxes pads from the unrounded size and can differ from LetterBox by 1 px', () => {
    // 1000×751 → 640: h·r = 480.64 → LetterBox resizes to 481 rows, top = round(79.4) = 79;
    // scale_boxes uses (640 − 480.64) / 2 − 0.1 = 79.58 → 80.
    expect(letterboxGeometry(1000, 751, 640, 640).top).toBe(79);
    expect(scaleBoxesPad(1000, 751, 640, 640)).toEqual([0, 80]);
  });

  test('one dispatch per source kind; the plan carries gain and pad', () => {
    const output = { offset: 256, c: 3, h: 32, w: 64 };
    const p = planLetterbox({ label: 'letterbox', output, source: 'bytes', srcWidth: 5, srcHeight: 9 });
    expect(p.dispatch.shader).toBe('letterbox-bytes');
    expect(p.dispatch.buffers).toEqual({ src: 'source', axes: 'letterboxAxes' });
    expect(p.dispatch.workgroups).toEqual([32, 1, 1]);
    expect(p.dispatch.uniforms).toEqual({ src_w: 5, src_h: 9, new_w: 18, new_h: 32, left: 23, top: 0, out_w: 64, out_h: 32, out_off: 256, crop_x: 0, crop_y: 0, stride: 5, channels: 4 });
    expect(planLetterbox({ label: 'letterbox', output, source: 'bytes', srcWidth: 5, srcHeight: 9, channels: 3 }).dispatch.uniforms.channels).toBe(3);
    expect(sourceBytes(5, 9, 3)).toBe(140); // 135 bytes of pixels in whole words, then a spare word
    expect(sourceBytes(4, 1, 1)).toBe(8);
    expect(Object.keys(p.dispatch.uniforms).sort()).toEqual([...shader('letterbox-bytes').uniform!.fields.keys()].sort());
    expect(p.gain).toBeCloseTo(32 / 9, 12);
    expect(p.pad).toEqual([23, 0]);
    expect(p.shader).toBe(p.dispatch.shader); // the Dispatch fields are spread too
    const t = planLetterbox({ label: 'letterbox', output, source: 'texture', srcWidth: 64, srcHeight: 32 });
    expect([t.dispatch.shader, t.dispatch.buffers, t.pad, t.gain]).toEqual(['letterbox-texture', { src: 'sourceTexture', axes: 'letterboxAxes' }, [0, 0], 1]);
    expect(Object.keys(t.dispatch.uniforms).sort()).toEqual([...shader('letterbox-texture').uniform!.fields.keys()].sort());
  });

  test('bad sizes are rejected', () => {
    const output = { offset: 0, c: 3, h: 32, w: 32 };
    expect(() => planLetterbox({ label: 'l', output: { ...output, c: 1 }, source: 'bytes' })).toThrow(/3 channels/);
    expect(() => letterboxUniforms(0, 5, output)).toThrow(/positive integers/);
  });

  test("the kernels' axis table: cv2's pixels and weights per input column, then row; zeros in the padding", () => {
    // 5×9 → 32 (H) × 64 (W): resized to 18 × 32 at left 23.
    const output = { offset: 0, c: 3, h: 32, w: 64 };
    const { axes, geometry: g } = letterboxUniforms(5, 9, output);
    expect(axes.length).toBe(4 * (64 + 32));
    expect(letterboxAxesBytes(output)).toBe(axes.byteLength);
    const tx = cv2LinearTable(5, 18, true);
    const ty = cv2LinearTable(9, 32, false);
    for (let x = 0; x < 64; x++) {
      const d = x - g.left;
      const want = d >= 0 && d < 18 ? [tx.ofs[d], Math.min(tx.ofs[d] + 1, 4), tx.w0[d], tx.w1[d]] : [0, 0, 0, 0];
      expect(Array.from(axes.subarray(4 * x, 4 * x + 4))).toEqual(want);
    }
    for (let y = 0; y < 32; y++) {
      const c = (v: number) => Math.min(Math.max(v, 0), 8);
      expect(Array.from(axes.subarray(4 * (64 + y), 4 * (64 + y) + 4))).toEqual([c(ty.ofs[y]), c(ty.ofs[y] + 1), ty.w0[y], ty.w1[y]]);
    }
    expect(ty.ofs[0]).toBe(-1); // upscaling: the first row's left neighbour is row −1, clamped when read
    // Sizes far beyond any texture only cost the table's out_w + out_h entries.
    expect(letterboxUniforms(200000, 200000, { ...output, h: 640, w: 640 }).axes.length).toBe(4 * 1280);
  });
});
