/** In-page scenarios for test/reliability: non-finite guards, checksums, overlapping detect() calls. */
import { createDetector, type Detector } from '../../../src/detector.js';

type Img = { width: number; height: number; data: number[]; channels: 3 | 4 | 1 };
const raw = (i: Img) => ({ width: i.width, height: i.height, channels: i.channels, data: Uint8Array.from(i.data) });

/** A model whose box branch overflows to Inf: boxes must stay finite and the dropped anchors be counted. */
export async function nonFinite(weightsUrl: string, image: Img) {
  const det = await createDetector({ model: weightsUrl, inputSize: 64 });
  try {
    const boxes = await det.detect(raw(image), { conf: 0.001 });
    return { boxes, stats: det.lastStats, allFinite: boxes.every((b) => [...b.box, b.score].every(Number.isFinite)) };
  } finally {
    det.destroy();
  }
}

/** createDetector({ sha256 }): wrong → ChecksumMismatchError, malformed → InvalidArgumentError, right → a detector. */
export async function checksum(weightsUrl: string, right: string) {
  const names: string[] = [];
  for (const sha256 of ['0'.repeat(64), 'not-hex', right]) {
    try {
      const d = await createDetector({ model: weightsUrl, inputSize: 64, sha256 });
      names.push(`ok ${d.info.dispatches}`);
      d.destroy();
    } catch (e) {
      names.push((e as Error).name);
    }
  }
  return names;
}

/** N detect() calls in flight at once on N different images, then the same images one by one. */
export async function overlapping(weightsUrl: string, images: Img[], size: number) {
  const det = await createDetector({ model: weightsUrl, inputSize: size });
  try {
    const opts = { conf: 0.001, maxDet: 20 };
    const concurrent = await Promise.all(images.map((i) => det.detect(raw(i), opts)));
    const sequential = [];
    for (const i of images) sequential.push(await det.detect(raw(i), opts));
    return { concurrent, sequential };
  } finally {
    det.destroy();
  }
}

/**
 * The same grey picture as 1-, 3- and 4-channel raw pixels (uploaded as they are, the letterbox reading
 * 1, 3 or 4 bytes a pixel): boxes of the whole image and of SAHI tiles (64-pixel tiles every 51 pixels: crops at odd offsets), per form.
 */
export async function channelForms(weightsUrl: string, image: Img, size: number) {
  const det = await createDetector({ model: weightsUrl, inputSize: size });
  try {
    const { width, height } = image;
    const grey = Uint8Array.from({ length: width * height }, (_, i) => image.data[i * image.channels]);
    const forms = { 1: grey, 3: new Uint8Array(width * height * 3), 4: new Uint8Array(width * height * 4).fill(255) };
    grey.forEach((v, i) => { forms[3].fill(v, 3 * i, 3 * i + 3); forms[4].fill(v, 4 * i, 4 * i + 3); });
    const out: Record<string, unknown> = {};
    for (const c of [1, 3, 4] as const) {
      const img = { width, height, channels: c, data: forms[c] };
      out[c] = { whole: await det.detect(img, { conf: 0.001, maxDet: 50 }), sliced: await det.detect(img, { conf: 0.001, maxDet: 50, slice: { size: 64, overlap: 0.2 } }) };
    }
    return out;
  } finally {
    det.destroy();
  }
}

/** Count live GPU buffers (created − destroyed, on every device) by patching GPUDevice.createBuffer. */
function countBuffers() {
  const state = { live: 0 };
  const proto = GPUDevice.prototype as unknown as { createBuffer: (d: GPUBufferDescriptor) => GPUBuffer };
  const create = proto.createBuffer;
  proto.createBuffer = function (this: GPUDevice, d: GPUBufferDescriptor) {
    const b = create.call(this, d);
    state.live++;
    const destroy = b.destroy.bind(b);
    let gone = false;
    b.destroy = () => {
      if (!gone) state.live--;
      gone = true;
      destroy();
    };
    return b;
  };
  return { state, restore: () => (proto.createBuffer = create) };
}

/**
 * JS heap in use after full GCs (Chromium with --js-flags=--expose-gc), in bytes. One gc() is not
 * enough: objects reachable only from settled GPU callbacks (mapAsync, a destroyed device's wrappers)
 * are freed over later tasks, so collect, yield a task, and repeat until two readings agree.
 */
async function heap(): Promise<number> {
  const gc = (globalThis as unknown as { gc?: () => void }).gc;
  const used = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN;
  let last = NaN;
  for (let i = 0; i < 10; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
    const now = used();
    if (Math.abs(now - last) < 64 * 1024) return now;
    last = now;
  }
  return last;
}

/**
 * Long runs, in steps that each stay well inside the page call's protocol timeout: `soakOpen` makes
 * the detector (and starts counting buffers), `soakDetect(n)` runs n more calls, `soakCycles(n)` makes,
 * uses and destroys n detectors, `soakClose` destroys everything. Each returns live buffers and heap.
 */
let soak: { det?: Detector; model: Uint8Array; restore: () => void; state: { live: number } } | undefined;
const soakImg = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 4).fill(90) };
const soakState = async () => ({ buffers: soak!.state.live, heap: await heap() });

export async function soakOpen(weightsUrl: string) {
  const { state, restore } = countBuffers();
  soak = { model: new Uint8Array(await (await fetch(weightsUrl)).arrayBuffer()), restore, state };
  return soakState();
}

export async function soakDetect(n: number) {
  soak!.det ??= await createDetector({ model: soak!.model, inputSize: 32 });
  for (let i = 0; i < n; i++) await soak!.det.detect(soakImg);
  return soakState();
}

export async function soakCycles(n: number) {
  for (let i = 0; i < n; i++) {
    const det = await createDetector({ model: soak!.model, inputSize: 32 });
    await det.detect(soakImg);
    det.destroy();
  }
  return soakState();
}

export async function soakClose() {
  soak?.det?.destroy();
  if (soak) soak.det = undefined;
  const r = await soakState();
  soak?.restore();
  soak = undefined;
  return r;
}
