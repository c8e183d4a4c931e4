/**
 * Reference tensors from ONNX Runtime (onnxruntime-node, a dev dependency loaded on demand): per image
 * the letterboxed input, every layer output, output0 and a few inner tensors, in a tensor container
 * (magic YOLO11RT, kind 'reference'). Format, names and method: docs/REFERENCE.md.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InvalidArgumentError, MissingTensorError, ModelImportError, Yolo11Error } from '../errors.js';
import { REFERENCE_MAGIC, readTensorFile, sha256Hex, toFloat32, writeTensorFile, type Manifest, type Tensor, type TensorFile, type WriteTensor } from '../weights/format.js';
import { decodeImageFile } from '../image/decode-node.js';
import { letterbox } from '../image/letterbox.js';
import type { RGBAImage } from '../draw/draw-boxes.js';
import { editGraph, type ExposedTensor } from './ort-graph.js';
import { checkInputSize } from './input-size.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const PREPROCESSING = 'Ultralytics LetterBox(auto=False, center=True), cv2.INTER_LINEAR on uint8 (bit-exact), pad 114; RGB; /255; NCHW f32';

let ortModule: Promise<any> | undefined;
/** onnxruntime-node, imported on first use; a one-line ModelImportError when it is not installed. */
export function loadOrt(): Promise<any> {
  const name = 'onnxruntime-node';
  ortModule ??= import(/* @vite-ignore */ name).catch((e: Error) => {
    ortModule = undefined;
    throw new ModelImportError(`the reference tool needs onnxruntime-node, a dev dependency (npm i -D onnxruntime-node): ${e.message.split('\n')[0]}`, 'ORT_MISSING');
  });
  return ortModule;
}

export interface ReferenceTensor { shape: number[]; data: Float32Array }

export interface ReferenceSession {
  /** [H, W] the session runs at. */
  inputSize: [number, number];
  /** The graph's own export size (null when dynamic) and whether it was rewritten. */
  exportSize: [number, number] | null;
  rewritten: boolean;
  /** The graph input's name (`images`). */
  inputName: string;
  exposed: ExposedTensor[];
  /** Run a 1×3×H×W input; returns every exposed tensor by runtime name (`model.4`, `output0`, …). */
  run(input: Float32Array): Promise<{ tensors: Map<string, ReferenceTensor> }>;
  release(): Promise<void>;
}

/**
 * An ONNX Runtime session over the edited graph (graph optimizations off, so every tensor is the
 * plain op-by-op result). `size` other than the export's own rewrites the graph (src/reference/input-size.ts);
 * `forceRewrite` rewrites even at the same size (used to prove the rewrite is exact).
 */
export async function referenceSession(modelBytes: Uint8Array, size?: [number, number], opts: { forceRewrite?: boolean } = {}): Promise<ReferenceSession> {
  if (size) checkInputSize(size);
  const ort = await loadOrt();
  const edited = editGraph(modelBytes, size, opts);
  let session: any;
  try {
    session = await ort.InferenceSession.create(edited.bytes, { graphOptimizationLevel: 'disabled' });
  } catch (e) {
    throw new ModelImportError(`ONNX Runtime cannot load the model: ${(e as Error).message.split('\n')[0]}`);
  }
  const [H, W] = edited.inputSize;
  return {
    inputSize: edited.inputSize,
    exportSize: edited.exportSize,
    rewritten: edited.rewritten,
    inputName: edited.inputName,
    exposed: edited.exposed,
    async run(input) {
      if (input.length !== 3 * H * W) throw new InvalidArgumentError(`input has ${input.length} values, 1×3×${H}×${W} needs ${3 * H * W}`);
      let out: Record<string, any>;
      try {
        out = await session.run({ [edited.inputName]: new ort.Tensor('float32', input, [1, 3, H, W]) });
      } catch (e) {
        throw new Yolo11Error('ORT_RUN', `ONNX Runtime failed to run the model at ${H}×${W}: ${(e as Error).message.split('\n')[0]}`);
      }
      const tensors = new Map<string, ReferenceTensor>();
      for (const t of edited.exposed) {
        const v = out[t.onnx];
        if (!v || v.type !== 'float32') throw new Yolo11Error('ORT_RUN', `ONNX Runtime returned no float32 tensor ${t.onnx} for ${t.name}`);
        tensors.set(t.name, { shape: (v.dims as readonly number[]).map(Number), data: v.data as Float32Array });
      }
      return { tensors };
    },
    release: async () => { await session.release?.(); },
  };
}

export interface ReferenceImage {
  file: string;
  width: number;
  height: number;
  gain: number;
  /** [left, top] padding in network pixels. */
  pad: [number, number];
}

export interface ReferenceManifest extends Manifest {
  kind: 'reference';
  model: { file: string; sha256: string };
  imgsz: [number, number];
  images: ReferenceImage[];
  ortVersion: string;
  preprocessing: string;
  /** Per tensor: `layer` N (Ultralytics `model.N`; null for input/output0), module path, ONNX name. */
  layers: Record<string, { layer: number | null; module: string; onnx: string }>;
}

export interface MakeReferenceOptions {
  /** The ONNX model file. */
  modelPath: string;
  /** Its bytes, when already read (modelPath then only names it). */
  modelBytes?: Uint8Array;
  /** Image files (PNG/JPEG), or decoded images with a name. */
  images: (string | { file: string; image: RGBAImage })[];
  /** Input size: N or [H, W] (multiples of 32); default the graph's own. */
  imgsz?: number | [number, number];
}

/** Generate a reference file (the container's bytes) for some images at one input size. */
export async function makeReference(o: MakeReferenceOptions): Promise<Uint8Array> {
  let modelBytes = o.modelBytes;
  if (!modelBytes) {
    try {
      modelBytes = new Uint8Array(await readFile(o.modelPath));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ModelImportError(`${o.modelPath}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0]}`, 'FILE_NOT_FOUND');
    }
  }
  if (!o.images.length) throw new InvalidArgumentError('makeReference: no images given');
  const size = typeof o.imgsz === 'number' ? ([o.imgsz, o.imgsz] as [number, number]) : o.imgsz;
  const s = await referenceSession(modelBytes, size);
  const [H, W] = s.inputSize;
  const tensors: WriteTensor[] = [];
  const images: ReferenceImage[] = [];
  const layers: ReferenceManifest['layers'] = {};
  try {
    for (const [i, src] of o.images.entries()) {
      const file = typeof src === 'string' ? src : src.file;
      const img = typeof src === 'string' ? await decodeImageFile(src) : src.image;
      const lb = letterbox(img, [H, W]);
      const r = await s.run(lb.tensor);
      images.push({ file: basename(file), width: img.width, height: img.height, gain: lb.gain, pad: lb.pad });
      tensors.push({ name: `img${i}/input`, shape: [1, 3, H, W], data: lb.tensor });
      layers[`img${i}/input`] = { layer: null, module: 'input', onnx: s.inputName };
      for (const t of s.exposed) {
        const v = r.tensors.get(t.name)!;
        tensors.push({ name: `img${i}/${t.name}`, shape: v.shape, data: v.data });
        layers[`img${i}/${t.name}`] = { layer: t.layer, module: t.name, onnx: t.onnx };
      }
    }
  } finally {
    await s.release();
  }
  const ort = await loadOrt();
  return writeTensorFile(REFERENCE_MAGIC, {
    kind: 'reference',
    model: { file: basename(o.modelPath), sha256: await sha256Hex(modelBytes) },
    imgsz: [H, W],
    images,
    ortVersion: String(ort.env?.versions?.common ?? 'unknown'),
    preprocessing: PREPROCESSING,
    layers,
  }, tensors);
}

export interface Reference extends TensorFile<ReferenceManifest> {
  imgsz: [number, number];
  images: ReferenceImage[];
  /** f32 data and shape of one tensor, e.g. `ref.tensor('img0/model.4')`; MissingTensorError if absent. */
  tensor(name: string): ReferenceTensor;
  /** Runtime names stored for image i (`input`, `model.0`, …, `output0`, `model.23.level0`, …). */
  names(image?: number): string[];
}

/** The manifest of a reference file without reading or checking its payload (for summaries). */
export function readManifest(bytes: Uint8Array): ReferenceManifest {
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + n)));
}

/** Read and check a reference file (checksum verified; non-finite values allowed). */
export async function loadReference(bytes: Uint8Array | ArrayBuffer): Promise<Reference> {
  const f = (await readTensorFile(bytes, REFERENCE_MAGIC, { finite: false })) as TensorFile<ReferenceManifest>;
  const m = f.manifest;
  if (m.kind !== 'reference') throw new ModelImportError(`not a reference file: kind ${JSON.stringify(m.kind)}`, 'BAD_MANIFEST');
  const cache = new Map<string, ReferenceTensor>();
  return {
    ...f,
    imgsz: m.imgsz,
    images: m.images,
    tensor(name) {
      let t = cache.get(name);
      if (t) return t;
      const raw: Tensor | undefined = f.tensors.get(name);
      if (!raw) throw new MissingTensorError(`reference has no tensor ${name} (it has ${f.tensors.size}, e.g. ${[...f.tensors.keys()].slice(0, 3).join(', ')})`);
      t = { shape: raw.shape, data: toFloat32(raw) };
      cache.set(name, t);
      return t;
    },
    names(image = 0) {
      const p = `img${image}/`;
      return [...f.tensors.keys()].filter((k) => k.startsWith(p)).map((k) => k.slice(p.length));
    },
  };
}
