/**
 * In-page runs of LiteRT.js (@litertjs/core, wasm CPU backend) and of our detector on the same TFLite
 * model and the same preprocessed inputs: returns the raw outputs for the Node side to compare.
 */
import { loadLiteRt, loadAndCompile, Tensor } from '@litertjs/core';
import { createDetector } from '../../../src/detector.js';

async function f32(url: string) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Float32Array(await r.arrayBuffer());
}

let ready: Promise<unknown> | undefined;

/** LiteRT.js output 0 ((1, 4 + nc, anchors), boxes normalised to 0..1) for NCHW inputs (3 × size × size). */
export async function litertOutputs(tfliteUrl: string, inputUrls: string[], size: number, accelerator: 'wasm' | 'webgpu' = 'wasm'): Promise<number[][]> {
  ready ??= loadLiteRt('/node_modules/@litertjs/core/wasm/');
  await ready;
  const model = await loadAndCompile(tfliteUrl, { accelerator });
  const out: number[][] = [];
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
      out.push(Array.from(host.toTypedArray() as Float32Array));
      host.delete();
    }
  } finally {
    model.delete();
  }
  return out;
}

/** Our forward() (ONNX-style output0, boxes in input pixels) for the same inputs. */
export async function ourOutputs(weightsUrl: string, inputUrls: string[], size: number): Promise<number[][]> {
  const det = await createDetector({ model: weightsUrl, inputSize: size });
  const out: number[][] = [];
  try {
    for (const url of inputUrls) out.push(Array.from(await det.forward(await f32(url))));
  } finally {
    det.destroy();
  }
  return out;
}

/** Both runtimes' outputs for each input. */
export async function compare(tfliteUrl: string, weightsUrl: string, inputUrls: string[], size: number) {
  const litert = await litertOutputs(tfliteUrl, inputUrls, size);
  const ours = await ourOutputs(weightsUrl, inputUrls, size);
  return ours.map((o, i) => ({ ours: o, litert: litert[i] }));
}

/**
 * Every output of a TFLite model on LiteRT.js for NCHW f32 inputs (3 × h × w, given as NHWC to the
 * model), as plain arrays with their shapes. `scale`: the input is multiplied by it first (a float
 * wrapper of an int8 model takes pixels 0..255).
 */
export async function litertAll(tfliteUrl: string, inputUrls: string[], [h, w]: [number, number], accelerator: 'wasm' | 'webgpu' = 'webgpu', scale = 1) {
  ready ??= loadLiteRt('/node_modules/@litertjs/core/wasm/');
  await ready;
  const model = await loadAndCompile(tfliteUrl, { accelerator });
  const out: { data: number[]; shape: number[] }[][] = [];
  try {
    for (const url of inputUrls) {
      const nchw = await f32(url);
      const plane = h * w;
      const nhwc = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) nhwc[i * 3 + c] = nchw[c * plane + i] * scale;
      const input = new Tensor(nhwc, [1, h, w, 3]);
      const results = (await model.run(input)) as unknown as Tensor[];
      input.delete();
      const one: { data: number[]; shape: number[] }[] = [];
      for (const r of results) {
        const host = await r.moveTo('wasm');
        one.push({ data: Array.from(host.toTypedArray() as Float32Array), shape: [...host.type.layout.dimensions] });
        host.delete();
      }
      out.push(one);
    }
  } finally {
    model.delete();
  }
  return out;
}
