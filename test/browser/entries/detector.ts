/** In-page detector scenarios for tests: detect on raw pixels, bad input, device loss, long runs. */
import { createDetector, type Detection } from '../../../src/detector.js';
import { cmykJpeg } from '../../helpers/cmyk-jpeg.js';
import { requestGPUContext } from '../../../src/gpu/device.js';

async function bytes(url: string) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** detect() on RGBA images; returns boxes and the GPU-letterboxed input of the last image. */
export async function detectImages(weightsUrl: string, inputSize: [number, number], images: { url: string; width: number; height: number }[], opts: object) {
  const det = await createDetector({ model: weightsUrl, inputSize, debugKeepLayers: true });
  try {
    const results = [];
    const inputs = [];
    const viaBitmap = [];
    for (const im of images) {
      const data = await bytes(im.url);
      results.push(await det.detect({ width: im.width, height: im.height, data, channels: 4 }, opts));
      const input = await det.readLayer('input');
      inputs.push(Array.from(input));
      // The same pixels as an ImageBitmap take the copyExternalImageToTexture path.
      const bmp = await createImageBitmap(new ImageData(new Uint8ClampedArray(data.buffer), im.width, im.height));
      const boxes = await det.detect(bmp, opts);
      const tex = await det.readLayer('input');
      let d = 0;
      for (let k = 0; k < tex.length; k++) d = Math.max(d, Math.abs(tex[k] - input[k]));
      viaBitmap.push({ maxInputDiff: d, sameBoxes: JSON.stringify(boxes) === JSON.stringify(results[results.length - 1]) });
    }
    return { results, inputs, viaBitmap };
  } finally {
    det.destroy();
  }
}

/** Each bad input → the error's class name and message; then a good call still works. */
export async function badInputs(weightsUrl: string) {
  const model = await bytes(weightsUrl);
  const out: Record<string, string> = {};
  const err = async (name: string, f: () => Promise<unknown>) => {
    try {
      await f();
      out[name] = 'no error';
    } catch (e) {
      out[name] = `${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  await err('inputSize 100', () => createDetector({ model, inputSize: 100 }));
  await err('truncated weights', () => createDetector({ model: model.slice(0, 5000) }));
  const det = await createDetector({ model, inputSize: 64 });
  await err('zero-size image', () => det.detect({ width: 0, height: 0, data: new Uint8Array(0) }));
  await err('short pixel data', () => det.detect({ width: 10, height: 10, data: new Uint8Array(7), channels: 4 }));
  await err('forward wrong length', () => det.forward(new Float32Array(5)));
  await err('forward NaN', () => det.forward(new Float32Array(3 * 64 * 64).fill(NaN)));
  await err('conf 2', () => det.detect({ width: 8, height: 8, data: new Uint8Array(256) }, { conf: 2 }));
  await err('beyond the texture limit', () => det.detect(new OffscreenCanvas(det.info.adapter ? 9000 : 9000, 10)));
  const good = await det.detect({ width: 8, height: 8, data: new Uint8Array(256) });
  out['good after errors'] = `ok ${good.length}`;
  const finite = (d: Detection[]) => d.every((x) => [...x.box, x.score].every(Number.isFinite));
  const tiny = await det.detect({ width: 1, height: 1, data: Uint8Array.of(200, 100, 50, 255) }, { conf: 0.001 });
  out['1×1 image'] = `ok finite ${finite(tiny)}`;
  // A CMYK JPEG as the browser decodes it (Adobe convention), then through the GPU texture path.
  const cmyk = await createImageBitmap(new Blob([cmykJpeg([200, 100, 50, 180])], { type: 'image/jpeg' }));
  const c = new OffscreenCanvas(cmyk.width, cmyk.height).getContext('2d')!;
  c.drawImage(cmyk, 0, 0);
  out['CMYK JPEG pixel'] = Array.from(c.getImageData(4, 4, 1, 1).data.slice(0, 3)).join(',');
  out['CMYK JPEG'] = `ok finite ${finite(await det.detect(cmyk, { conf: 0.001 }))}`;
  det.destroy();
  await err('detect after destroy', () => det.detect({ width: 8, height: 8, data: new Uint8Array(256) }));
  return out;
}

/**
 * Detectors on one device share its pipelines: the second, for the same model and size, creates none
 * (counted at the device) and gives the same boxes; one at another size creates only what differs. Each
 * runs after the one before was destroyed: a detector given a device leaves it to its caller.
 */
export async function sharedDevice(weightsUrl: string) {
  const model = await bytes(weightsUrl);
  const { device } = await requestGPUContext();
  const created = { n: 0 };
  const count = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => { created.n++; return f(...a); };
  device.createComputePipelineAsync = count(device.createComputePipelineAsync.bind(device));
  device.createComputePipeline = count(device.createComputePipeline.bind(device));
  const img = { width: 80, height: 60, data: new Uint8Array(80 * 60 * 4).map((_, i) => (i * 37) % 251) };
  const run = async (inputSize: number) => {
    const before = created.n;
    const det = await createDetector({ model, inputSize, device });
    const boxes = JSON.stringify(await det.detect(img, { conf: 0.01 }));
    det.destroy();
    return { pipelines: created.n - before, boxes };
  };
  const first = await run(64);
  const second = await run(64);
  const other = await run(96);
  device.destroy();
  return { first, second, other };
}

/** Destroy the device while a detect() is in flight; later calls fail; a new detector works. */
export async function deviceLoss(weightsUrl: string) {
  const model = await bytes(weightsUrl);
  const { device } = await requestGPUContext();
  const det = await createDetector({ model, inputSize: 64, device });
  const img = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4).fill(128) };
  await det.detect(img);
  const pending = det.detect(img);
  device.destroy();
  const r: Record<string, string> = {};
  await pending.then(() => (r.pending = 'resolved'), (e: Error) => (r.pending = e.name));
  await det.detect(img).then(() => (r.later = 'resolved'), (e: Error) => (r.later = e.name));
  const fresh = await createDetector({ model, inputSize: 64 });
  r.fresh = `ok ${(await fresh.detect(img)).length}`;
  fresh.destroy();
  return r;
}
