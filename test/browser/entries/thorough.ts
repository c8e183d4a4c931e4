/** In-page scenarios for detect({ slice, tta }) and explain(): GPU results beside the inputs the Node-side references need. */
import { createDetector, type Detection } from '../../../src/detector.js';
import { pageDevice } from './page-device.js';
import { sliceRects } from '../../../src/infer/tiles.js';
import { scaleImgRef } from '../../../src/post/tta-ref.js';
import { TTA_FLIPS, TTA_SCALES } from '../../../src/ops/scale-img.js';

async function bytes(url: string) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

interface Img { url: string; width: number; height: number }

/** RGBA pixels of rectangle r (CPU copy of its rows): the crop the GPU letterbox reads in place. */
function crop(data: Uint8Array, width: number, r: { x: number; y: number; w: number; h: number }) {
  const out = new Uint8Array(r.w * r.h * 4);
  for (let y = 0; y < r.h; y++) out.set(data.subarray(((r.y + y) * width + r.x) * 4, ((r.y + y) * width + r.x + r.w) * 4), y * r.w * 4);
  return out;
}

/** detect() with slice, and plain detect() on each tile cropped on the CPU (and on the whole image). */
export async function sliceVsCrops(weightsUrl: string, inputSize: number, im: Img, slice: { size: number; overlap: number }, conf: number) {
  const det = await createDetector({ device: await pageDevice(), model: weightsUrl, inputSize });
  try {
    const data = await bytes(im.url);
    const image = { width: im.width, height: im.height, data, channels: 4 as const };
    const sliced = { nmm: await det.detect(image, { conf, slice: { ...slice, merge: 'nmm' } }), nms: await det.detect(image, { conf, slice: { ...slice, merge: 'nms' } }) };
    const stats = det.lastStats;
    const rects = sliceRects(im.width, im.height, slice.size, slice.overlap);
    const passes = [...rects, { x: 0, y: 0, w: im.width, h: im.height }];
    const perPass: { rect: (typeof passes)[number]; dets: Detection[] }[] = [];
    for (const rect of passes) perPass.push({ rect, dets: await det.detect({ width: rect.w, height: rect.h, data: crop(data, im.width, rect), channels: 4 }, { conf }) });
    return { sliced, perPass, stats };
  } finally {
    det.destroy();
  }
}

/** detect() with tta, and the three passes' output0 from forward() on inputs made by the CPU reference of scale_img. */
export async function ttaVsForward(weightsUrl: string, inputSize: number, im: Img, conf: number) {
  const model = await bytes(weightsUrl);
  const det = await createDetector({ device: await pageDevice(), model, inputSize, debugKeepLayers: true });
  const made = [det];
  try {
    const data = await bytes(im.url);
    const image = { width: im.width, height: im.height, data, channels: 4 as const };
    const tta = await det.detect(image, { conf, tta: true });
    const plain = await det.detect(image, { conf });
    const input = await det.readLayer('input');
    const outputs: number[][] = [];
    const sizes: [number, number][] = [];
    for (const [k, r] of TTA_SCALES.entries()) {
      const x = k === 0 ? { data: input, h: inputSize, w: inputSize } : scaleImgRef(input, inputSize, inputSize, r, TTA_FLIPS[k]);
      const d = k === 0 ? det : await createDetector({ device: await pageDevice(), model, inputSize: [x.h, x.w] });
      if (k) made.push(d);
      outputs.push(Array.from(await d.forward(x.data)));
      sizes.push([x.h, x.w]);
    }
    return { tta, plain, outputs, sizes };
  } finally {
    made.forEach((d) => d.destroy());
  }
}

/** detect() with tta on an image and on its mirror image. */
export async function ttaMirror(weightsUrl: string, inputSize: number, im: Img, conf: number) {
  const det = await createDetector({ device: await pageDevice(), model: weightsUrl, inputSize });
  try {
    const data = await bytes(im.url);
    const m = new Uint8Array(data.length);
    for (let y = 0; y < im.height; y++) for (let x = 0; x < im.width; x++) m.set(data.subarray((y * im.width + x) * 4, (y * im.width + x + 1) * 4), (y * im.width + im.width - 1 - x) * 4);
    const run = (d: Uint8Array) => det.detect({ width: im.width, height: im.height, data: d, channels: 4 }, { conf, tta: true });
    return { tta: await run(data), mirrored: await run(m) };
  } finally {
    det.destroy();
  }
}

/** explain() and the activations of its layers (read back after the same run), for the float64 reference. */
export async function explainVsLayers(weightsUrl: string, inputSize: number, im: Img, layer?: string) {
  const det = await createDetector({ device: await pageDevice(), model: weightsUrl, inputSize, debugKeepLayers: true });
  try {
    const data = await bytes(im.url);
    const heat = await det.explain({ width: im.width, height: im.height, data, channels: 4 }, { layer });
    const acts = [];
    for (const l of heat.layers) acts.push({ ...l, data: Array.from(await det.readLayer(l.name)) });
    const boxes = await det.detect({ width: im.width, height: im.height, data, channels: 4 }, { conf: 0.1 });
    // The same heat map from a detector whose arena reuses memory (layers read between the network's segments).
    const lean = await createDetector({ device: await pageDevice(), model: weightsUrl, inputSize });
    const again = await lean.explain({ width: im.width, height: im.height, data, channels: 4 }, { layer });
    lean.destroy();
    let leanDiff = 0;
    again.data.forEach((v, i) => (leanDiff = Math.max(leanDiff, Math.abs(v - heat.data[i]))));
    return { heat: { width: heat.width, height: heat.height, data: Array.from(heat.data), layers: heat.layers }, acts, boxes, leanDiff };
  } finally {
    det.destroy();
  }
}

/** 1×1, a 10000×300 strip and 4096×4096: detect with slice and explain work; summaries only. */
export async function oddSizes(weightsUrl: string, inputSize: number) {
  const det = await createDetector({ device: await pageDevice(), model: weightsUrl, inputSize });
  const out: Record<string, unknown> = {};
  try {
    for (const [w, h, size] of [[1, 1, undefined], [10000, 300, 320], [4096, 4096, 640]] as const) {
      const data = new Uint8Array(w * h * 4);
      for (let i = 0; i < w * h; i++) data.fill(((i % w) * 7 + Math.floor(i / w) * 3) & 255, i * 4, i * 4 + 3).fill(255, i * 4 + 3, i * 4 + 4);
      const image = { width: w, height: h, data, channels: 4 as const };
      const t0 = performance.now();
      const boxes = await det.detect(image, { conf: 0.25, slice: size ? { size } : true });
      const passes = det.cost(w, h, { slice: size ? { size } : true }).passes;
      const heat = await det.explain(image);
      let lo = Infinity;
      let hi = -Infinity;
      let finite = true;
      for (const v of heat.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        finite &&= Number.isFinite(v);
      }
      out[`${w}x${h}`] = { boxes: boxes.length, inside: boxes.every((b) => b.box[0] >= 0 && b.box[2] <= w && b.box[1] >= 0 && b.box[3] <= h), passes, heat: [heat.width, heat.height, heat.data.length], range: [lo, hi], finite, ms: Math.round(performance.now() - t0) };
    }
    return out;
  } finally {
    det.destroy();
  }
}

/** Bad slice/tta/explain options → error name and message; the detector still works afterwards. */
export async function badThorough(weightsUrl: string) {
  const det = await createDetector({ device: await pageDevice(), model: weightsUrl, inputSize: 64 });
  const out: Record<string, string> = {};
  const img = { width: 8, height: 8, data: new Uint8Array(256) };
  const err = async (name: string, f: () => Promise<unknown>) => {
    try {
      await f();
      out[name] = 'no error';
    } catch (e) {
      out[name] = `${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  try {
    await err('size 100', () => det.detect(img, { slice: { size: 100 } }));
    await err('overlap 0.95', () => det.detect(img, { slice: { overlap: 0.95 } }));
    await err('too many tiles', () => det.detect({ width: 4096, height: 4096, data: new Uint8Array(4096 * 4096 * 4) }, { slice: { size: 64 } }));
    await err('merge wbf', () => det.detect(img, { slice: { merge: 'wbf' as 'nms' } }));
    await err('tta yes', () => det.detect(img, { tta: 'yes' as unknown as boolean }));
    await err('layer model.99', () => det.explain(img, { layer: 'model.99' }));
    await err('layer conv', () => det.explain(img, { layer: 'conv' }));
    out.after = `ok ${(await det.detect(img, { slice: true, tta: true })).length} ${(await det.explain(img)).data.length}`;
    return out;
  } finally {
    det.destroy();
  }
}
