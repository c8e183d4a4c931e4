/**
 * In-page scenarios for the segment, pose and classify models through the public API: detect() with
 * masks or keypoints, classify() top-k, the wrong method for a task, a model of the wrong task at
 * load, and an image with no box. Results cross to Node as JSON (mask bits as plain arrays).
 */
import { createDetector } from '../../../src/detector.js';
import type { Task } from '../../../src/results.js';

async function bytes(url: string) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

const errorOf = async (f: () => Promise<unknown>) => {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
};

/** detect() (or classify()) on RGBA images; plus the typed errors of the wrong method and of a wrong `task`. */
export async function runTask(weightsUrl: string, inputSize: [number, number] | undefined, images: { url: string; width: number; height: number }[], opts: { conf?: number; topk?: number; outputs?: boolean } = {}) {
  const model = await bytes(weightsUrl);
  const det = await createDetector({ model, inputSize: inputSize ?? undefined }); // null when it crossed as JSON
  const task: Task = det.task;
  try {
    const results: unknown[] = [];
    const outputs: Record<string, number[]>[] = [];
    for (const im of images) {
      const img = { width: im.width, height: im.height, data: await bytes(im.url), channels: 4 as const };
      if (task === 'classify') {
        results.push(await det.classify(img, { topk: opts.topk }));
      } else {
        const dets = await det.detect(img, { conf: opts.conf });
        results.push(dets.map((d) => ('mask' in d ? { ...d, mask: { ...d.mask, bits: Array.from(d.mask.bits) } } : d)));
        // The network outputs of that very run (pinned in the arena), for references computed in Node.
        if (opts.outputs) outputs.push({ output0: Array.from(await det.readLayer('output0')), ...(task === 'segment' ? { output1: Array.from(await det.readLayer('output1')) } : {}) });
      }
    }
    const blank = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 4).fill(0), channels: 4 as const };
    const other = task === 'classify' ? 'detect' : 'classify';
    return {
      task,
      results,
      outputs,
      stats: det.lastStats,
      wrongMethod: await errorOf(() => (task === 'classify' ? det.detect(blank) : det.classify(blank))),
      wrongTask: await errorOf(() => createDetector({ model, task: other, inputSize: [64, 64] })),
      empty: task === 'classify' ? undefined : await det.detect(blank, { conf: 0.99 }),
    };
  } finally {
    det.destroy();
  }
}

/** The library on an encoded image, summarised as examples/tasks/main.ts summarises its result. */
export async function librarySummary(weightsUrl: string, imageUrl: string, conf: number) {
  const det = await createDetector({ model: weightsUrl });
  try {
    const bmp = await createImageBitmap(new Blob([await bytes(imageUrl)]));
    if (det.task === 'classify') return await det.classify(bmp, { topk: 5 });
    const dets = await det.detect(bmp, { conf });
    return dets.map((d) => ({ box: d.box, classId: d.classId, score: d.score, ...('mask' in d ? { maskArea: d.mask.area } : {}), ...('keypoints' in d ? { keypoints: d.keypoints.length } : {}) }));
  } finally {
    det.destroy();
  }
}
