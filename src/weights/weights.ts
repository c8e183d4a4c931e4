/**
 * Weight files: the tensor container (format.ts) with kind 'weights' and a YOLO11 manifest, checked
 * against the architecture (src/model/spec.ts): every tensor the declared task, scale and nc need
 * must be present with its exact shape, and nothing else may be. Every check runs at load time.
 */
import { BadManifestError, MissingTensorError, ShapeMismatchError, UnexpectedTensorError, UnsupportedTaskError } from '../errors.js';
import { SCALES, STRIDES, expectedTensors, type Scale } from '../model/spec.js';
import { DETECT_HEAD, TASKS, type HeadSpec, type Task } from '../model/heads.js';
import { WEIGHTS_MAGIC, readTensorFile, writeTensorFile, type DType, type Manifest, type ReadOptions, type TensorFile, type WriteTensor } from './format.js';

export interface WeightsManifest extends Manifest {
  kind: 'weights';
  family: 'yolo11';
  /** What the model does: detect, segment (boxes + masks), pose (boxes + keypoints), classify. */
  task: Task;
  scale: Scale;
  nc: number;
  names: string[];
  /** Default input size [height, width]. */
  imgsz: [number, number];
  /** [8, 16, 32] for detect, segment and pose; absent for classify. */
  strides?: number[];
  /** segment: mask coefficients per box, = the proto channels (Ultralytics nm, 32). */
  nm?: number;
  /** pose: [K keypoints, D values per keypoint] (D = 2: x, y; 3: x, y, visibility). */
  kptShape?: [number, number];
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

/** The manifest fields a writer supplies (kind, family, strides, payload and tensors are filled in; task defaults to detect). */
export interface WeightsFields {
  task?: Task;
  nm?: number;
  kptShape?: [number, number];
  scale: Scale;
  nc: number;
  names: string[];
  imgsz: [number, number];
  source: WeightsManifest['source'];
  settings?: Record<string, unknown>;
  training?: Record<string, unknown>;
}

export function writeWeights(fields: WeightsFields, tensors: WriteTensor[], dtype: DType = 'f32'): Promise<Uint8Array> {
  const task = fields.task ?? 'detect';
  const m = { kind: 'weights', family: 'yolo11', task, ...(task === 'classify' ? {} : { strides: [...STRIDES] }), ...fields };
  checkFields(m);
  checkTensorSet(m as unknown as WeightsManifest, new Map(tensors.map((t) => [t.name, t.shape])));
  return writeTensorFile(WEIGHTS_MAGIC, m, tensors, dtype);
}

/** Read and fully validate a weight file. */
export async function readWeights(input: ArrayBuffer | Uint8Array, opts: ReadOptions = {}): Promise<WeightsFile> {
  const f = (await readTensorFile(input, WEIGHTS_MAGIC, opts)) as WeightsFile;
  checkFields(f.manifest);
  checkTensorSet(f.manifest, new Map([...f.tensors].map(([k, t]) => [k, t.shape])));
  return f;
}

/** The head a manifest declares (checked by readWeights/writeWeights). */
export function headOf(m: Pick<WeightsManifest, 'task' | 'nm' | 'kptShape'>): HeadSpec {
  switch (m.task) {
    case 'segment': return { task: 'segment', nm: m.nm! };
    case 'pose': return { task: 'pose', kpt: [m.kptShape![0], m.kptShape![1]] };
    case 'classify': return { task: 'classify' };
    default: return DETECT_HEAD;
  }
}

function checkFields(m: Record<string, unknown>) {
  const bad = (why: string) => new BadManifestError(`weights manifest: ${why}`);
  if (m.kind !== 'weights') throw bad(`kind is ${JSON.stringify(m.kind)}, expected "weights"`);
  if (m.family !== 'yolo11') throw bad(`family ${JSON.stringify(m.family)} is not supported (only yolo11)`);
  if (!TASKS.includes(m.task as Task)) {
    throw new UnsupportedTaskError(`weight file is for task ${JSON.stringify(m.task)}, which this runtime does not run (it runs ${TASKS.join(', ')})`);
  }
  const ks = m.kptShape;
  if (m.task === 'pose') {
    if (!Array.isArray(ks) || ks.length !== 2 || !Number.isSafeInteger(ks[0]) || ks[0] < 1 || ks[0] > 1024 || (ks[1] !== 2 && ks[1] !== 3)) {
      throw bad(`kptShape ${JSON.stringify(ks)} must be [K, 2] or [K, 3] with K keypoints in 1..1024`);
    }
  } else if (ks !== undefined) throw bad(`kptShape is only for pose models (task ${m.task})`);
  if (m.task === 'segment') {
    if (!Number.isSafeInteger(m.nm) || (m.nm as number) < 1 || (m.nm as number) > 256) throw bad(`nm ${JSON.stringify(m.nm)} (mask coefficients per box) must be an integer in 1..256`);
  } else if (m.nm !== undefined) throw bad(`nm is only for segment models (task ${m.task})`);
  if (typeof m.scale !== 'string' || !(m.scale in SCALES)) throw bad(`scale ${JSON.stringify(m.scale)} is not one of n/s/m/l/x`);
  if (!Number.isSafeInteger(m.nc) || (m.nc as number) < 1 || (m.nc as number) > 4096) throw bad(`nc ${JSON.stringify(m.nc)} is not an integer in 1..4096`);
  const names = m.names;
  if (!Array.isArray(names) || names.length !== m.nc || !names.every((n) => typeof n === 'string')) throw bad(`names must be ${m.nc} strings`);
  const sz = m.imgsz;
  if (!Array.isArray(sz) || sz.length !== 2 || !sz.every((v) => Number.isSafeInteger(v) && v >= 32 && v <= 8192 && v % 32 === 0)) {
    throw bad(`imgsz ${JSON.stringify(sz)} must be [h, w], multiples of 32`);
  }
  if (m.task === 'classify') {
    if (m.strides !== undefined) throw bad('strides are not part of a classify model');
  } else if (JSON.stringify(m.strides) !== JSON.stringify([...STRIDES])) throw bad(`strides ${JSON.stringify(m.strides)} must be [8,16,32]`);
  checkSettings(m.settings, bad);
}

/** Settings stored with the model: a JSON object; known keys are type-checked. */
function checkSettings(s: unknown, bad: (why: string) => Error) {
  if (s === undefined) return;
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw bad(`settings ${JSON.stringify(s)} must be an object`);
  const hs = (s as Record<string, unknown>).highSensitivityConf;
  if (hs !== undefined && !(typeof hs === 'number' && hs > 0 && hs < 1)) throw bad(`settings.highSensitivityConf ${JSON.stringify(hs)} must be a number in (0, 1)`);
}

/**
 * The head's own consistency first, with messages that say what is wrong with the model (a proto
 * module whose mask channels differ from the coefficients per box; a keypoint branch that does not
 * predict K·D values), then every tensor against the architecture.
 */
function checkTensorSet(m: WeightsManifest, got: Map<string, number[]>) {
  const { scale, nc } = m;
  const head = headOf(m);
  const model = head.task === 'detect' ? `yolo11${scale}` : `yolo11${scale}-${head.task}`;
  if (head.task === 'segment') {
    const protos = got.get('model.23.proto.cv3.conv.weight')?.[0];
    const coeffs = got.get('model.23.cv4.0.2.weight')?.[0];
    if (protos !== undefined && coeffs !== undefined && protos !== coeffs) {
      throw new ShapeMismatchError(`segment model: the proto module makes ${protos} mask prototypes (model.23.proto.cv3.conv.weight) but each box has ${coeffs} mask coefficients (model.23.cv4.0.2.weight); they must be equal`);
    }
  }
  if (head.task === 'pose') {
    const nk = got.get('model.23.cv4.0.2.weight')?.[0];
    const [k, d] = head.kpt;
    if (nk !== undefined && nk !== k * d) {
      throw new ShapeMismatchError(`pose model: the keypoint branch model.23.cv4.0.2.weight predicts ${nk} values per box, kptShape [${k}, ${d}] needs ${k * d}`);
    }
  }
  const want = expectedTensors(scale, nc, head);
  for (const [name, shape] of want) {
    const s = got.get(name);
    if (!s) throw new MissingTensorError(`tensor ${name} is missing (${model} with nc=${nc} needs it, shape [${shape}])`);
    if (s.length !== shape.length || s.some((v, i) => v !== shape[i])) {
      throw new ShapeMismatchError(`tensor ${name} has shape [${s}], ${model} with nc=${nc} needs [${shape}]`);
    }
  }
  for (const name of got.keys()) {
    if (!want.has(name)) throw new UnexpectedTensorError(`tensor ${name} is not part of ${model} (nc=${nc})`);
  }
}

/** Total parameter count of a weight file. */
export function parameterCount(f: TensorFile): number {
  let n = 0;
  for (const t of f.tensors.values()) n += t.data.length;
  return n;
}
