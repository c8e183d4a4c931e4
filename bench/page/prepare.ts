/**
 * The page's model and input, made in a worker: a dropped ONNX or TFLite export converted into our
 * weight file by the same converter the CLI uses (src/convert), a weight file read as it is; then, per
 * run, the letterboxed input tensor (the CPU reference letterbox) and, for ONNX, the graph rewritten to
 * the chosen input size for ONNX Runtime. Nothing leaves the browser.
 */
import { convertModel } from '../../src/convert/index.js';
import { sniff } from '../../src/io/sniff.js';
import { letterbox } from '../../src/image/letterbox.js';
import { editGraph } from '../../src/reference/ort-graph.js';
import { readWeights } from '../../src/weights/weights.js';

export type ModelKind = 'y11w' | 'onnx' | 'tflite';

export interface Converted {
  kind: ModelKind;
  /** Our weight file (the file itself when it already is one). */
  weights: Uint8Array;
  /** One line for the page: scale, classes, export size, source format, conversion time. */
  summary: string;
  /** [H, W] the model was exported at. */
  imgsz: [number, number];
  /** detect, segment, pose or classify (from the weight file's manifest). */
  task: string;
}

/** Model file bytes → our weight file; throws the converter's one-line message for anything else. */
export async function convert(o: { bytes: Uint8Array; name: string }): Promise<Converted> {
  const t = performance.now();
  const kind = sniff(o.bytes.subarray(0, 512));
  const weights = kind === 'weights' ? o.bytes : await convertModel(o.bytes, o.name);
  const ms = performance.now() - t;
  const m = (await readWeights(weights)).manifest;
  const format = ({ onnx: 'ONNX', tflite: 'TFLite' } as Record<string, string>)[m.source.format] ?? m.source.format;
  const from = kind === 'weights' ? `a weight file (from ${format} ${m.source.file})` : `converted from ${format} in ${(ms / 1000).toFixed(2)} s`;
  return {
    kind: kind === 'weights' ? 'y11w' : m.source.format === 'tflite' ? 'tflite' : 'onnx',
    weights, imgsz: m.imgsz, task: m.task,
    summary: `YOLO11${m.scale} ${m.task}, ${m.nc} classes, exported at ${m.imgsz.join('×')}; ${from}`,
  };
}

export interface Prepared {
  /** 1×3×H×W f32, the letterboxed image. */
  input: Float32Array;
  /** The ONNX graph at H×W (ONNX models only). */
  onnx?: Uint8Array;
}

/** The input tensor from the image bytes, and the ONNX graph at this size. */
export async function prepare(o: { model: Uint8Array; kind: ModelKind; task?: string; image: Uint8Array; size: [number, number] }): Promise<Prepared> {
  const bitmap = await createImageBitmap(new Blob([o.image as Uint8Array<ArrayBuffer>]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  // Classification models see a centre crop (Ultralytics' classify transforms), the others a letterbox.
  const { tensor } = letterbox({ width: canvas.width, height: canvas.height, data: new Uint8Array(rgba.buffer) }, o.size, o.task === 'classify' ? 'center-crop' : 'letterbox');
  return { input: tensor, onnx: o.kind === 'onnx' ? editGraph(o.model, o.size, { expose: false }).bytes : undefined };
}
