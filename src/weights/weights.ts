/**
 * Weight files: the tensor container (format.ts) with kind 'weights' and a YOLO11 manifest, checked
 * against the architecture (src/model/spec.ts): every tensor the declared scale and nc need must be
 * present with its exact shape, and nothing else may be.
 */
import { BadManifestError, MissingTensorError, ShapeMismatchError, UnexpectedTensorError } from '../errors.js';
import { SCALES, STRIDES, expectedTensors, type Scale } from '../model/spec.js';
import { WEIGHTS_MAGIC, readTensorFile, writeTensorFile, type DType, type Manifest, type ReadOptions, type TensorFile, type WriteTensor } from './format.js';

export interface WeightsManifest extends Manifest {
  kind: 'weights';
  family: 'yolo11';
  task: 'detect';
  scale: Scale;
  nc: number;
  names: string[];
  /** Default input size [height, width]. */
  imgsz: [number, number];
  strides: number[];
  source: { file: string; sha256: string; format: string };
  /**
   * Optional settings stored with the model. `highSensitivityConf`: the Youden-optimal image-level
   * threshold measured by `eval --save-settings` (e.g. on FracAtlas valid + negatives).
   */
  settings?: Record<string, unknown>;
  /** A fine-tuned model (src/train/): what it was fine-tuned from, on what data, and how. */
  training?: Record<string, unknown>;
}

export type WeightsFile = TensorFile<WeightsManifest>;

/** The manifest fields a writer supplies (kind, family, task, strides, payload and tensors are filled in). */
export interface WeightsFields {
  scale: Scale;
  nc: number;
  names: string[];
  imgsz: [number, number];
  source: WeightsManifest['source'];
  settings?: Record<string, unknown>;
  training?: Record<string, unknown>;
}

export function writeWeights(fields: WeightsFields, tensors: WriteTensor[], dtype: DType = 'f32'): Promise<Uint8Array> {
  const m = { kind: 'weights', family: 'yolo11', task: 'detect', strides: [...STRIDES], ...fields };
  checkFields(m);
  checkTensorSet(m.scale, m.nc, new Map(tensors.map((t) => [t.name, t.shape])));
  return writeTensorFile(WEIGHTS_MAGIC, m, tensors, dtype);
}

/** Read and fully validate a weight file. */
export async function readWeights(input: ArrayBuffer | Uint8Array, opts: ReadOptions = {}): Promise<WeightsFile> {
  const f = (await readTensorFile(input, WEIGHTS_MAGIC, opts)) as WeightsFile;
  checkFields(f.manifest);
  checkTensorSet(f.manifest.scale, f.manifest.nc, new Map([...f.tensors].map(([k, t]) => [k, t.shape])));
  return f;
}

function checkFields(m: Record<string, unknown>) {
  const bad = (why: string) => new BadManifestError(`weights manifest: ${why}`);
  if (m.kind !== 'weights') throw bad(`kind is ${JSON.stringify(m.kind)}, expected "weights"`);
  if (m.family !== 'yolo11') throw bad(`family ${JSON.stringify(m.family)} is not supported (only yolo11)`);
  if (m.task !== 'detect') throw bad(`task ${JSON.stringify(m.task)} is not supported (only detect)`);
  if (typeof m.scale !== 'string' || !(m.scale in SCALES)) throw bad(`scale ${JSON.stringify(m.scale)} is not one of n/s/m/l/x`);
  if (!Number.isSafeInteger(m.nc) || (m.nc as number) < 1 || (m.nc as number) > 4096) throw bad(`nc ${JSON.stringify(m.nc)} is not an integer in 1..4096`);
  const names = m.names;
  if (!Array.isArray(names) || names.length !== m.nc || !names.every((n) => typeof n === 'string')) throw bad(`names must be ${m.nc} strings`);
  const sz = m.imgsz;
  if (!Array.isArray(sz) || sz.length !== 2 || !sz.every((v) => Number.isSafeInteger(v) && v >= 32 && v <= 8192 && v % 32 === 0)) {
    throw bad(`imgsz ${JSON.stringify(sz)} must be [h, w], multiples of 32`);
  }
  if (JSON.stringify(m.strides) !== JSON.stringify([...STRIDES])) throw bad(`strides ${JSON.stringify(m.strides)} must be [8,16,32]`);
  checkSettings(m.settings, bad);
}

/** Settings stored with the model: a JSON object; known keys are type-checked. */
function checkSettings(s: unknown, bad: (why: string) => Error) {
  if (s === undefined) return;
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw bad(`settings ${JSON.stringify(s)} must be an object`);
  const hs = (s as Record<string, unknown>).highSensitivityConf;
  if (hs !== undefined && !(typeof hs === 'number' && hs > 0 && hs < 1)) throw bad(`settings.highSensitivityConf ${JSON.stringify(hs)} must be a number in (0, 1)`);
}

function checkTensorSet(scale: Scale, nc: number, got: Map<string, number[]>) {
  const want = expectedTensors(scale, nc);
  for (const [name, shape] of want) {
    const s = got.get(name);
    if (!s) throw new MissingTensorError(`tensor ${name} is missing (yolo11${scale} with nc=${nc} needs it, shape [${shape}])`);
    if (s.length !== shape.length || s.some((v, i) => v !== shape[i])) {
      throw new ShapeMismatchError(`tensor ${name} has shape [${s}], yolo11${scale} with nc=${nc} needs [${shape}]`);
    }
  }
  for (const name of got.keys()) {
    if (!want.has(name)) throw new UnexpectedTensorError(`tensor ${name} is not part of yolo11${scale} (nc=${nc})`);
  }
}

/** Total parameter count of a weight file. */
export function parameterCount(f: TensorFile): number {
  let n = 0;
  for (const t of f.tensors.values()) n += t.data.length;
  return n;
}
