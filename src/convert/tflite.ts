/**
 * Ultralytics TFLite export (float32, float16, dynamic-range "hybrid" int8, full-integer int8) of a
 * detect, segment, pose or classify model → weight tensors under Ultralytics state_dict names. TFLite
 * tensors carry converter names (`tf.nn.convolution_81`), so names are reconstructed from the graph:
 * the spec's parameterised ops (convs, Proto's transposed conv, Classify's linear) are matched, in
 * dataflow order, to the graph's (tflite-graph.ts) reachable from their parent's output through
 * parameter-free ops and with the right weight shape (backtracking on the rare ties).
 */
import { unzipSync, strFromU8 } from 'fflate';
import { ModelImportError, UnsupportedModelError, Yolo11Error } from '../errors.js';
import { buildSpec, SCALES, type ConvSpec, type Scale } from '../model/spec.js';
import type { HeadSpec } from '../model/heads.js';
import { sha256Hex, type WriteTensor } from '../weights/format.js';
import type { WeightsFields } from '../weights/weights.js';
import { convLinks, type LinkedOp } from './conv-order.js';
import { identifyModel } from './identify.js';
import { parseKptShape } from './metadata.js';
import { parsePyLiteral } from './py-literal.js';
import { TfGraph, type ParamOp } from './tflite-graph.js';
import { parseTflite, type TfModel } from './tflite-schema.js';

/**
 * Ultralytics appends a zip to its TFLite exports holding metadata.json (JSON), or in older exports
 * temp_meta.txt (the repr() of a Python dict).
 */
export function ultralyticsMetadata(bytes: Uint8Array): Record<string, unknown> | undefined {
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (bytes[i] !== 0x50 || bytes[i + 1] !== 0x4b || bytes[i + 2] !== 0x05 || bytes[i + 3] !== 0x06) continue;
    const dv = new DataView(bytes.buffer, bytes.byteOffset + i);
    const cdSize = dv.getUint32(12, true);
    const cdOffset = dv.getUint32(16, true);
    // The zip was appended: its offsets are relative to where it starts.
    const start = i - cdSize - cdOffset;
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(bytes.subarray(Math.max(0, start), i + 22));
    } catch {
      return undefined;
    }
    try {
      if (files['metadata.json']) return JSON.parse(strFromU8(files['metadata.json']));
      if (files['temp_meta.txt']) return parsePyLiteral(strFromU8(files['temp_meta.txt']), 'TFLite temp_meta.txt') as Record<string, unknown>;
    } catch (e) {
      if (e instanceof ModelImportError) throw e;
      throw new ModelImportError(`the Ultralytics metadata.json inside the TFLite file is not JSON: ${(e as Error).message}`);
    }
    return undefined;
  }
  return undefined;
}

/** Does graph op `o` have the weight shape spec op `c` needs? */
function matches(c: LinkedOp, o: ParamOp): boolean {
  const s = o.shape.join();
  if ('kind' in c) {
    if (c.kind === 'tconv') return o.kind === 'tconv' && s === [c.cout, c.k, c.k, c.cin].join();
    return o.kind === 'fc' && s === [c.cout, c.cin].join();
  }
  // A depthwise conv may be exported as DEPTHWISE_CONV_2D (1HWC), split per channel, or as a grouped CONV_2D (OHWI, I = 1).
  if (o.kind === 'conv') return s === [c.cout, c.k, c.k, c.cin / c.groups].join();
  return o.kind === 'dw' && c.groups === c.cout && s === [1, c.k, c.k, c.cout].join();
}

/** Heads to try: the metadata's task, else what the graph's ops suggest; shape parameters from the metadata or the graph. */
function headCandidates(meta: Record<string, unknown>, g: TfGraph): HeadSpec[] {
  const outs = (kind: ParamOp['kind'], k?: number) => [...new Set(g.params.filter((o) => o.kind === kind && (k === undefined || (o.shape[1] === k && o.shape[2] === k))).map((o) => o.shape[0]))];
  const task = typeof meta.task === 'string' ? meta.task : undefined;
  const has = (k: ParamOp['kind']) => g.params.some((o) => o.kind === k);
  const tasks = task ? [task] : has('tconv') ? ['segment'] : has('fc') ? ['classify'] : ['detect', 'pose'];
  const heads: HeadSpec[] = [];
  for (const t of tasks) {
    if (t === 'detect' || t === 'classify') heads.push({ task: t });
    else if (t === 'segment') for (const nm of [32, ...outs('conv', 1).filter((n) => n !== 32)]) heads.push({ task: 'segment', nm });
    else if (t === 'pose') {
      if (meta.kpt_shape !== undefined) heads.push({ task: 'pose', kpt: parseKptShape(meta.kpt_shape) });
      else for (const n of outs('conv', 1)) heads.push({ task: 'pose', kpt: n % 3 === 0 ? [n / 3, 3] : [n / 2, 2] });
    } else throw new UnsupportedModelError(`the model's metadata says task ${JSON.stringify(t)}; this runtime runs detect, segment, pose and classify models`);
  }
  return heads;
}

/** Match every spec op of (scale, nc, head) to a graph op, or undefined. */
function assign(g: TfGraph, input: number, scale: Scale, nc: number, head: HeadSpec): Map<LinkedOp, ParamOp> | undefined {
  const links = convLinks(buildSpec(scale, nc, head));
  // The export may also hold DFL's fixed 1×1 conv, which is not a learned weight.
  if (links.length > g.params.length || g.params.length > links.length + 1) return undefined;
  const got = new Map<LinkedOp, ParamOp>();
  const used = new Set<ParamOp>();
  let budget = 100_000;
  const solve = (i: number): boolean => {
    if (i === links.length) return true;
    if (budget-- <= 0) return false;
    const { conv, parent } = links[i];
    const from = parent ? got.get(parent)!.output : input;
    for (const o of g.reach(from)) {
      if (used.has(o) || !matches(conv, o)) continue;
      got.set(conv, o);
      used.add(o);
      if (solve(i + 1)) return true;
      got.delete(conv);
      used.delete(o);
    }
    return false;
  };
  return solve(0) ? got : undefined;
}

export async function importTflite(bytes: Uint8Array, fileName: string): Promise<{ fields: WeightsFields; tensors: WriteTensor[] }> {
  try {
    return await importGraph(bytes, fileName);
  } catch (e) {
    if (e instanceof Yolo11Error) throw e;
    // A structurally odd graph (an op without inputs, a tensor index out of range…): still one typed line.
    throw new ModelImportError(`${fileName}: malformed TFLite graph (${String((e as Error)?.message ?? e).split('\n')[0]})`);
  }
}

async function importGraph(bytes: Uint8Array, fileName: string): Promise<{ fields: WeightsFields; tensors: WriteTensor[] }> {
  let m: TfModel;
  try {
    m = parseTflite(bytes);
  } catch (e) {
    if (e instanceof ModelImportError) throw e;
    throw new ModelImportError(`${fileName} is not a readable TFLite model: ${(e as Error).message}`);
  }
  const meta = ultralyticsMetadata(bytes) ?? {};
  const g = new TfGraph(m);
  if (g.params.length < 30) throw new UnsupportedModelError(`${fileName} has ${g.params.length} convolutions: not a YOLO11 export`);
  const metaNames = meta.names && typeof meta.names === 'object' ? meta.names as Record<string, string> | string[] : undefined;
  const nc = metaNames ? Object.keys(metaNames).length : undefined;
  let found: { map: Map<LinkedOp, ParamOp>; scale: Scale; nc: number; head: HeadSpec } | undefined;
  search: for (const head of headCandidates(meta, g)) {
    // nc: the metadata's, else every output count of a class branch's last op (a 1×1 conv, or the classifier).
    const ncs = nc ? [nc] : head.task === 'classify' ? [...new Set(g.params.filter((o) => o.kind === 'fc').map((o) => o.shape[0]))]
      : [...new Set(g.params.filter((o) => o.kind === 'conv' && o.shape[1] === 1).map((o) => o.shape[0]))];
    for (const scale of Object.keys(SCALES) as Scale[]) {
      for (const k of ncs) {
        const map = assign(g, m.inputs[0], scale, k, head);
        if (map) {
          found = { map, scale, nc: k, head };
          break search;
        }
      }
    }
  }
  if (!found) throw new UnsupportedModelError(`${fileName}: its ${g.params.length} parameterised ops do not match any YOLO11 ${String(meta.task ?? 'detect')} layer table`);
  const tensors: WriteTensor[] = [];
  for (const [c, o] of found.map) {
    const shape = 'kind' in c ? (c.kind === 'tconv' ? [c.cin, c.cout, c.k, c.k] : [c.cout, c.cin]) : [c.cout, (c as ConvSpec).cin / (c as ConvSpec).groups, (c as ConvSpec).k, (c as ConvSpec).k];
    tensors.push({ name: c.weight, shape, data: o.weight() }, { name: c.bias, shape: [c.cout], data: o.bias() });
  }
  const shapes = new Map(tensors.map((t) => [t.name, t.shape]));
  const { head } = identifyModel({ file: fileName, shapes, allNames: [...shapes.keys()], task: found.head.task, kptShape: found.head.task === 'pose' ? found.head.kpt : undefined });
  const inShape = m.tensors[m.inputs[0]]?.shape ?? [1, 640, 640, 3];
  const imgsz = Array.isArray(meta.imgsz) ? (meta.imgsz as number[]) : [inShape[1], inShape[2]];
  const names = Array.from({ length: found.nc }, (_, i) => (Array.isArray(metaNames) ? metaNames[i] : metaNames?.[String(i)]) ?? `class${i}`);
  return {
    fields: {
      task: head.task, ...(head.task === 'segment' ? { nm: head.nm } : {}), ...(head.task === 'pose' ? { kptShape: [head.kpt[0], head.kpt[1]] as [number, number] } : {}),
      scale: found.scale, nc: found.nc, names, imgsz: [imgsz[0], imgsz[1]],
      source: { file: fileName.split(/[\\/]/).pop()!, sha256: await sha256Hex(bytes), format: 'tflite' },
    },
    tensors,
  };
}
