/** In-page scenarios for test/reliability: non-finite guards, checksums, overlapping detect() calls. */
import { createDetector } from '../../../src/detector.js';

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
