/**
 * The detector runs here, off the UI thread. Messages in: {type:'init', url} → progress…, ready
 * (adapter, settings) | failed; {type:'detect', id, image: ImageBitmap | {width,height,data}} →
 * result {id, boxes, ms} | error {id, name, message}. A lost device answers 'lost'; the page then
 * sends 'init' again and the new detector takes over.
 */
import { createDetector, type Detector } from '../src/index.js';
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

async function detect(id: number, image: ImageBitmap | { width: number; height: number; data: Uint8ClampedArray }) {
  const t0 = performance.now();
  try {
    if (!detector) throw Object.assign(new Error('the model is not loaded'), { name: 'NotReady' });
    const src = image instanceof ImageBitmap ? image : { width: image.width, height: image.height, data: new Uint8Array(image.data.buffer), channels: 4 as const };
    const boxes = await detector.detect(src, { conf: CONF, maxDet: 300 });
    post({ type: 'result', id, boxes, ms: performance.now() - t0 });
  } catch (e) {
    const name = (e as Error).name;
    post({ type: 'error', id, name, message: (e as Error).message });
    if (name === 'DeviceLostError') post({ type: 'lost' });
  } finally {
    if (image instanceof ImageBitmap) image.close();
  }
}

self.onmessage = (e: MessageEvent) => {
  const m = e.data;
  if (m.type === 'init') void init(m.url, m.inputSize);
  else if (m.type === 'detect') void detect(m.id, m.image);
  else if (m.type === 'lose') (detector as unknown as { device?: GPUDevice } | undefined)?.device?.destroy(); // tests: simulate a lost GPU
};
