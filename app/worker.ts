/**
 * The detector runs here, off the UI thread. Messages in: {type:'init', url} → progress…, ready
 * (adapter, settings) | failed; {type:'detect', id, image: ImageBitmap | {width,height,data}, thorough?:
 * {slice?, tta?}} → result {id, boxes, ms, thorough} | error {id, name, message}; {type:'explain', id, image}
 * → heat {id, width, height, data (Float32Array, transferred), ms} | error. A lost device answers 'lost'; the page then
 * sends 'init' again and the new detector takes over.
 */
import { createDetector, type DetectOptions, type Detector } from '../src/index.js';
import { loadModelBytes } from '../src/model/load.js';

let detector: Detector | undefined;
/** The weights stay in memory: recovering from a lost device makes no network request. */
let model: Uint8Array | undefined;
/** Detections are made once at a low threshold; the page filters them by its slider (NMS keeps higher-scored boxes either way). */
const CONF = 0.001;

const post = (m: unknown, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

async function init(url: string, inputSize?: number) {
  detector?.destroy();
  detector = undefined;
  try {
    model ??= await loadModelBytes(url, (p) => post({ type: 'progress', loaded: p.loaded, total: p.total }));
    detector = await createDetector({ model, inputSize });
    const i = detector.info;
    post({ type: 'ready', adapter: i.adapter, inputSize: i.inputSize, settings: i.manifest.settings ?? {}, names: i.manifest.names });
  } catch (e) {
    post({ type: 'failed', name: (e as Error).name, message: (e as Error).message });
  }
}

type Image = ImageBitmap | { width: number; height: number; data: Uint8ClampedArray };
const source = (image: Image) => (image instanceof ImageBitmap ? image : { width: image.width, height: image.height, data: new Uint8Array(image.data.buffer), channels: 4 as const });

async function detect(id: number, image: Image, thorough?: DetectOptions) {
  const t0 = performance.now();
  try {
    if (!detector) throw Object.assign(new Error('the model is not loaded'), { name: 'NotReady' });
    const boxes = await detector.detect(source(image), { conf: CONF, maxDet: 300, ...thorough });
    post({ type: 'result', id, boxes, ms: performance.now() - t0, thorough: !!thorough });
  } catch (e) {
    const name = (e as Error).name;
    post({ type: 'error', id, name, message: (e as Error).message });
    if (name === 'DeviceLostError') post({ type: 'lost' });
  } finally {
    if (image instanceof ImageBitmap) image.close();
  }
}

/** The EigenCAM heat map (Detect's three inputs), 0–1 per pixel of the analysed image. */
async function explain(id: number, image: Image) {
  const t0 = performance.now();
  try {
    if (!detector) throw Object.assign(new Error('the model is not loaded'), { name: 'NotReady' });
    const h = await detector.explain(source(image));
    post({ type: 'heat', id, width: h.width, height: h.height, data: h.data, ms: performance.now() - t0 }, [h.data.buffer]);
  } catch (e) {
    post({ type: 'heat-error', id, name: (e as Error).name, message: (e as Error).message });
    if ((e as Error).name === 'DeviceLostError') post({ type: 'lost' });
  } finally {
    if (image instanceof ImageBitmap) image.close();
  }
}

self.onmessage = (e: MessageEvent) => {
  const m = e.data;
  if (m.type === 'init') void init(m.url, m.inputSize);
  else if (m.type === 'detect') void detect(m.id, m.image, m.thorough);
  else if (m.type === 'explain') void explain(m.id, m.image);
  else if (m.type === 'lose') (detector as unknown as { device?: GPUDevice } | undefined)?.device?.destroy(); // tests: simulate a lost GPU
};
