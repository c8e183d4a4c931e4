/** The library's own detect() on the same bytes the app analysed, for the viewer's e2e test. */
import { createDetector } from '../../../src/detector.js';

/** `raw`: RGBA pixels of that size at `url` (the DICOM, decoded in Node by app/dicom.ts); else encoded image bytes. */
export async function libraryDetect(weightsUrl: string, files: { url: string; raw?: { width: number; height: number } }[], inputSize: number, conf: number, extra: object = {}) {
  const det = await createDetector({ model: weightsUrl, inputSize });
  try {
    const out = [];
    for (const f of files) {
      const bytes = new Uint8Array(await (await fetch(f.url)).arrayBuffer());
      if (f.raw) {
        out.push(await det.detect({ ...f.raw, data: bytes, channels: 4 }, { conf, ...extra }));
      } else {
        const bmp = await createImageBitmap(new Blob([bytes]));
        out.push(await det.detect(bmp, { conf, ...extra }));
        bmp.close();
      }
    }
    return out;
  } finally {
    det.destroy();
  }
}
