/**
 * In-page comparison with LiteRT.js (@litertjs/core, wasm CPU backend) on the same TFLite model and
 * the same preprocessed input: returns both outputs for the Node side to compare.
 */
import { loadLiteRt, loadAndCompile, Tensor } from '@litertjs/core';
import { createDetector } from '../../../src/detector.js';

async function f32(url: string) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Float32Array(await r.arrayBuffer());
}

let ready: Promise<unknown> | undefined;

/** output0 of both runtimes for NCHW inputs (3 × size × size) at the given URLs. */
export async function compare(tfliteUrl: string, weightsUrl: string, inputUrls: string[], size: number) {
  ready ??= loadLiteRt('/node_modules/@litertjs/core/wasm/');
  await ready;
  const model = await loadAndCompile(tfliteUrl, { accelerator: 'wasm' });
  const det = await createDetector({ model: weightsUrl, inputSize: size });
  const out: { ours: number[]; litert: number[] }[] = [];
  try {
    for (const url of inputUrls) {
      const nchw = await f32(url);
      const plane = size * size;
      const nhwc = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) nhwc[i * 3 + c] = nchw[c * plane + i];
      const input = new Tensor(nhwc, [1, size, size, 3]);
      const results = await model.run(input);
      input.delete();
      const r0 = Array.isArray(results) ? results[0] : (results as unknown as Tensor[])[0];
      const host = await r0.moveTo('wasm');
      const litert = Array.from(host.toTypedArray() as Float32Array);
      host.delete();
      const ours = Array.from(await det.forward(nchw));
      out.push({ ours, litert });
    }
  } finally {
    det.destroy();
    model.delete();
  }
  return out;
}
