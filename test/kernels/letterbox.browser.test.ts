/**
 * The GPU letterbox (shaders/letterbox-bytes.wgsl, shaders/letterbox-texture.wgsl) against the CPU
 * reference src/image/letterbox.ts (Ultralytics LetterBox with cv2.resize(INTER_LINEAR) on uint8, bit
 * for bit): the same bytes, i.e. the same f32 values up to WGSL's division error in v / 255. The CPU
 * reference's resize is itself pinned here to real cv2 (opencv-python 4.6) by hashes of its output.
 * Runs in headless Chromium (Dawn 0.6 for Node aborts at random on SwiftShader; see decode.node.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { letterbox as cpuLetterbox, resizeLinearU8 } from '../../src/image/letterbox.js';
import { centerCropGeometry, letterboxGeometry, planLetterbox, sourceBytes, type BytesChannels, type Preprocess } from '../../src/ops/letterbox.js';
import type { Dispatch, View } from '../../src/ops/types.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';

const SENTINEL = 7777.25;

/** Deterministic noise (xorshift32 over R, G, B; alpha 255), the same stream as the Python that hashed cv2's output. */
function noise(w: number, h: number, seed: number): Uint8Array {
  const img = new Uint8Array(w * h * 4);
  let s = seed >>> 0;
  for (let i = 0; i < w * h * 3; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    img[Math.floor(i / 3) * 4 + (i % 3)] = s & 255;
  }
  for (let i = 0; i < w * h; i++) img[i * 4 + 3] = 255;
  return img;
}
const fnv1a = (b: Uint8Array) => b.reduce((h, x) => Math.imul(h ^ x, 0x01000193) >>> 0, 0x811c9dc5);

/** In the page: one texture dispatch; the texture may be larger than the image (it is reused in the runtime). */
const RUN_TEXTURE = `async (d, img, tex, arenaLen, sentinel, axesData) => {
  const { requestGPUContext } = await import('/src/gpu/device.ts');
  const { PipelineCache } = await import('/src/gpu/pipelines.ts');
  const { packUniforms } = await import('/src/gpu/shader.ts');
  const { device } = await (globalThis.__gpu ??= requestGPUContext());
  const { info, pipeline, layout } = await new PipelineCache(device).get(d.shader, d.constants);
  const texture = device.createTexture({ size: [tex.w, tex.h], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
  device.queue.writeTexture({ texture }, Uint8Array.from(tex.fill), { bytesPerRow: tex.w * 4 }, [tex.w, tex.h]);
  device.queue.writeTexture({ texture }, Uint8Array.from(img.rgba), { bytesPerRow: img.w * 4 }, [img.w, img.h]);
  const arena = device.createBuffer({ size: arenaLen * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(arena, 0, new Float32Array(arenaLen).fill(sentinel));
  const ubytes = packUniforms(info, d.uniforms);
  const ub = device.createBuffer({ size: ubytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(ub, 0, ubytes);
  const axes = device.createBuffer({ size: axesData.length * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(axes, 0, Int32Array.from(axesData));
  const res = { src: texture.createView(), arena: { buffer: arena }, u: { buffer: ub }, axes: { buffer: axes } };
  const group = device.createBindGroup({ layout, entries: info.bindings.map((b) => ({ binding: b.binding, resource: res[b.name] })) });
  const rb = device.createBuffer({ size: arenaLen * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(...d.workgroups);
  pass.end();
  enc.copyBufferToBuffer(arena, 0, rb, 0, arenaLen * 4);
  device.queue.submit([enc.finish()]);
  await rb.mapAsync(GPUMapMode.READ);
  const out = Array.from(new Float32Array(rb.getMappedRange().slice(0)));
  rb.unmap();
  [texture, arena, ub, rb, axes].forEach((x) => x.destroy());
  return out;
}`;

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

/** Letterbox on the GPU through either source; returns the 3 × H × W input and the arena around it. */
async function gpuLetterbox(source: 'bytes' | 'texture', rgba: Uint8Array, w: number, h: number, H: number, W: number, mode: Preprocess = 'letterbox', channels: BytesChannels = 4) {
  const base = 13; // the input View sits at an odd offset between sentinels
  const output: View = { offset: base, c: 3, h: H, w: W };
  const arenaLen = base + 3 * H * W + 9;
  const plan = planLetterbox({ label: 'letterbox', output, source, srcWidth: w, srcHeight: h, mode, channels });
  const d: Dispatch = plan.dispatch;
  let arena: Float32Array;
  if (source === 'bytes') {
    // The first `channels` bytes of each RGBA pixel, packed as the runtime uploads them (whole words, a
    // spare word after), the padding filled with 255s that must never be read.
    const packed = new Uint8Array(sourceBytes(w, h, channels)).fill(255);
    for (let i = 0; i < w * h; i++) packed.set(rgba.subarray(4 * i, 4 * i + channels), i * channels);
    const pixels = { source: { type: 'u32', data: Array.from(new Uint32Array(packed.buffer)) }, letterboxAxes: { type: 'i32', data: Array.from(plan.axes) } };
    const r = await s.call<{ arena: number[] }>('/test/browser/entries/kernels.ts', 'runDispatches', [d], Array(arenaLen).fill(SENTINEL), [], pixels);
    arena = Float32Array.from(r.arena);
  } else {
    // A texture 3 texels wider and 2 taller than the image, the extra filled with 255: only the corner may be read.
    const tex = { w: w + 3, h: h + 2, fill: Array((w + 3) * (h + 2) * 4).fill(255) };
    const r = await s.runInPage<number[]>(`(${RUN_TEXTURE})(${JSON.stringify(d)}, ${JSON.stringify({ w, h, rgba: Array.from(rgba) })}, ${JSON.stringify(tex)}, ${arenaLen}, ${SENTINEL}, ${JSON.stringify(Array.from(plan.axes))})`);
    arena = Float32Array.from(r);
  }
  expect(s.errors).toEqual([]);
  const outside = [...arena.subarray(0, base), ...arena.subarray(base + 3 * H * W)];
  expect(outside.every((v) => v === SENTINEL)).toBe(true);
  return { input: arena.slice(base, base + 3 * H * W), plan };
}

describe('the CPU reference resize is cv2 (no GPU)', () => {
  // [w, h, H, W, new w, new h, FNV-1a of cv2.resize's RGB bytes] from opencv-python 4.6.0 on the same noise.
  test.each([
    [37, 23, 32, 32, 32, 20, 0x1844ddff],
    [5, 9, 64, 32, 32, 58, 0x01138a6d],
    [64, 48, 32, 32, 32, 24, 0x74cdffdd], // exact 2× down: cv2 switches to INTER_AREA, which agrees
    [300, 200, 64, 64, 64, 43, 0x091fb21f],
    [999, 750, 64, 64, 64, 48, 0xc5649010],
    [641, 479, 640, 640, 640, 478, 0x0c0f1e64],
    [7, 1, 32, 32, 32, 5, 0x9f4575f1],
  ])('%i×%i → %i×%i (resized to %i×%i) is bit-identical to cv2', (w, h, H, W, nw, nh, hash) => {
    const g = letterboxGeometry(w, h, H, W);
    expect([g.newW, g.newH]).toEqual([nw, nh]);
    expect(fnv1a(resizeLinearU8({ width: w, height: h, data: noise(w, h, w * 7919 + h) }, nw, nh))).toBe(hash);
  });
});

describe('GPU letterbox (headless Chromium WebGPU)', () => {
  const cases: [string, number, number, number, number][] = [
    ['downscale', 37, 23, 32, 32],
    ['upscale', 5, 9, 32, 64],
    ['identity', 32, 32, 32, 32],
    ['exact 2× down', 64, 48, 32, 32],
    ['tall, both pads', 13, 40, 24, 40],
    ['wide source (cv2 rounds its coordinates to f32)', 3001, 40, 64, 640],
    ['tall source', 40, 3001, 640, 64],
  ];
  for (const source of ['bytes', 'texture'] as const) {
    test.each(cases)(`${source}: %s %i×%i → %i×%i equals the CPU reference (cv2 bit for bit)`, async (_, w, h, H, W) => {
      const rgba = noise(w, h, w * 31 + h);
      const { input } = await gpuLetterbox(source, rgba, w, h, H, W);
      const want = cpuLetterbox({ width: w, height: h, data: rgba }, [H, W]).tensor;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(input[i] - want[i]));
      expect(worst).toBeLessThanOrEqual(1e-7); // the same byte everywhere; v / 255 within WGSL's division error
    });
  }

  test('grey images (R = G = B) give three equal planes; both sources agree exactly', async () => {
    const [w, h, H, W] = [21, 17, 32, 32];
    const rgba = noise(w, h, 3);
    for (let i = 0; i < w * h; i++) rgba.fill(rgba[i * 4], i * 4, i * 4 + 3);
    const a = await gpuLetterbox('bytes', rgba, w, h, H, W);
    const b = await gpuLetterbox('texture', rgba, w, h, H, W);
    expect(b.input).toEqual(a.input);
    const n = H * W;
    expect(a.input.subarray(n, 2 * n)).toEqual(a.input.subarray(0, n));
    expect(a.input.subarray(2 * n)).toEqual(a.input.subarray(0, n));
    expect(a.plan.pad).toEqual([0, 3]); // 32 × 26 inside, top = round(2.9)
  });

  // Raw grey and RGB pixels are uploaded as they are (1 or 3 bytes a pixel, so pixels straddle words): odd
  // widths, a byte count that is not a whole number of words, and a letterbox and a crop each.
  test.each([
    [1, 'letterbox', 37, 23, 32, 32],
    [3, 'letterbox', 37, 23, 32, 32],
    [3, 'letterbox', 5, 9, 32, 64],
    [1, 'center-crop', 9, 14, 32, 32],
    [3, 'center-crop', 37, 23, 32, 32],
  ] as const)('bytes: %i channel(s), %s %i×%i → %i×%i equals the RGBA upload and the CPU reference', async (channels, mode, w, h, H, W) => {
    const rgba = noise(w, h, w * 5 + h);
    if (channels === 1) for (let i = 0; i < w * h; i++) rgba.fill(rgba[i * 4], i * 4, i * 4 + 3);
    expect((w * h * channels) % 4).not.toBe(0);
    const { input } = await gpuLetterbox('bytes', rgba, w, h, H, W, mode, channels);
    expect(input).toEqual((await gpuLetterbox('bytes', rgba, w, h, H, W, mode)).input);
    const want = cpuLetterbox({ width: w, height: h, data: rgba }, [H, W], mode).tensor;
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(input[i] - want[i]));
    expect(worst).toBeLessThanOrEqual(1e-7);
  });

  // Classify models: torchvision Resize(shorter side → size) + CenterCrop, through the same kernels with left/top ≤ 0.
  const crops: [string, number, number, number, number][] = [
    ['wide, downscale', 37, 23, 32, 32], // resized 51×32; crop left int(round(19 / 2)) = 10 (half to even)
    ['tall, upscale', 9, 14, 32, 32], // resized 32×49; crop top int(round(17 / 2)) = 8
    ['square', 50, 50, 32, 32],
    ['non-square input: stretched to it', 40, 30, 32, 64],
  ];
  for (const source of ['bytes', 'texture'] as const) {
    test.each(crops)(`${source}: centre crop %s %i×%i → %i×%i equals the CPU twin`, async (_, w, h, H, W) => {
      const rgba = noise(w, h, w * 17 + h);
      const { input } = await gpuLetterbox(source, rgba, w, h, H, W, 'center-crop');
      const want = cpuLetterbox({ width: w, height: h, data: rgba }, [H, W], 'center-crop').tensor;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(input[i] - want[i]));
      expect(worst).toBeLessThanOrEqual(1e-7);
      const g = centerCropGeometry(w, h, H, W); // no padding: the crop fills the input
      expect(g.left <= 0 && g.top <= 0 && g.newW + g.left >= W && g.newH + g.top >= H).toBe(true);
    });
  }

  test('centre-crop geometry: torchvision Resize(int) then CenterCrop offsets', () => {
    expect(centerCropGeometry(37, 23, 32, 32)).toMatchObject({ newW: 51, newH: 32, left: -10, top: 0 });
    expect(centerCropGeometry(9, 14, 32, 32)).toMatchObject({ newW: 32, newH: 49, left: 0, top: -8 });
    expect(centerCropGeometry(640, 480, 320, 320)).toMatchObject({ newW: 426, newH: 320, left: -53, top: 0 });
    expect(centerCropGeometry(40, 30, 32, 64)).toMatchObject({ newW: 64, newH: 32, left: 0, top: 0 });
  });
});
