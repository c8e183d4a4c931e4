/**
 * Reference tensors from ONNX Runtime (onnxruntime-node, a dev dependency): the input after
 * Ultralytics preprocessing, output0, and every layer output, per image, in a tensor container
 * (kind 'reference', magic YOLO11RT). Tensor names: `img{i}/input`, `img{i}/model.N`,
 * `img{i}/model.23.level{j}`, `img{i}/model.10.m.0.attn[.qkv]`; `img{i}/model.23` is output0.
 */
import { ModelImportError } from '../errors.js';
import { REFERENCE_MAGIC, readTensorFile, sha256Hex, writeTensorFile, type TensorFile, type WriteTensor } from '../weights/format.js';
import { decodeImageFile } from '../image/decode-node.js';
import { letterbox } from '../image/letterbox.js';
import { editGraph } from './ort-graph.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
async function ort(): Promise<any> {
  const name = 'onnxruntime-node';
  try {
    return await import(/* @vite-ignore */ name);
  } catch (e) {
    throw new ModelImportError(`the reference tool needs onnxruntime-node (a dev dependency: npm i -D onnxruntime-node): ${(e as Error).message}`);
  }
}

export interface ReferenceRun {
  /** Runtime name → tensor (flattened, NCHW). */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

/** A session over the edited graph; `run(input)` returns every exposed tensor. */
export async function referenceSession(modelBytes: Uint8Array, size?: [number, number]) {
  const { InferenceSession, Tensor } = await ort();
  const edited = editGraph(modelBytes, size);
  let session: any;
  try {
    session = await InferenceSession.create(edited.bytes, { graphOptimizationLevel: 'disabled' });
  } catch (e) {
    throw new ModelImportError(`ONNX Runtime cannot load the model: ${(e as Error).message.split('\n')[0]}`);
  }
  const [H, W] = edited.inputSize;
  return {
    inputSize: edited.inputSize,
    async run(input: Float32Array): Promise<ReferenceRun> {
      const out = await session.run({ [session.inputNames[0]]: new Tensor('float32', input, [1, 3, H, W]) });
      const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const [name, t] of edited.exposed.names) tensors.set(name, { shape: [...out[t].dims].map(Number), data: out[t].data as Float32Array });
      return { tensors };
    },
    release: () => session.release?.(),
  };
}

/** Reference file for some images at one input size. */
export async function makeReference(modelBytes: Uint8Array, modelName: string, images: string[], size?: [number, number]): Promise<Uint8Array> {
  const s = await referenceSession(modelBytes, size);
  const tensors: WriteTensor[] = [];
  const meta: unknown[] = [];
  for (const [i, path] of images.entries()) {
    const img = await decodeImageFile(path);
    const { tensor, geometry } = letterbox(img, s.inputSize);
    const r = await s.run(tensor);
    meta.push({ file: path.split(/[\\/]/).pop(), width: img.width, height: img.height, gain: geometry.gain, pad: [geometry.left, geometry.top] });
    tensors.push({ name: `img${i}/input`, shape: [1, 3, ...s.inputSize], data: tensor });
    for (const [name, t] of r.tensors) tensors.push({ name: `img${i}/${name}`, shape: t.shape, data: t.data });
  }
  await s.release();
  const { version } = await ort().then((m) => ({ version: m.env?.versions?.common ?? 'unknown' }));
  return writeTensorFile(REFERENCE_MAGIC, {
    kind: 'reference', model: { file: modelName, sha256: await sha256Hex(modelBytes) }, imgsz: s.inputSize, images: meta, ortVersion: version,
    preprocessing: 'Ultralytics LetterBox (center, pad 114, cv2 INTER_LINEAR), RGB, /255',
  }, tensors);
}

export async function loadReference(bytes: Uint8Array): Promise<TensorFile> {
  return readTensorFile(bytes, REFERENCE_MAGIC, { finite: false });
}
