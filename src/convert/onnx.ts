/**
 * Ultralytics ONNX export (detect, segment, pose, classify) → weight tensors under Ultralytics
 * state_dict names.
 *
 * Reads fp32 and fp16 exports, onnxruntime dynamic quantization (ConvInteger) and QDQ
 * (DequantizeLinear feeding Conv), folds a BatchNormalization that follows a Conv (see
 * onnx-graph.ts), and infers scale, nc, names and imgsz from the tensor shapes and the metadata.
 * Every Conv becomes `<prefix>.weight` (O, I/groups, kH, kW) and `<prefix>.bias` (O), where the
 * prefix is its weight initializer's name (Ultralytics keeps state_dict names) or, for anonymous
 * initializers such as `onnx::Conv_123`, derived from the node's scope (`scopeToName`). By the same
 * rules Proto's ConvTranspose becomes `model.23.proto.upsample.weight` (I, O, 2, 2) and Classify's
 * Gemm `model.10.linear.weight` (nc, 1280); the task comes from the metadata or the head's tensors.
 */
import { ModelImportError, Yolo11Error } from '../errors.js';
import { sha256Hex, type WriteTensor } from '../weights/format.js';
import type { WeightsFields } from '../weights/weights.js';
import { checkFamily, identifyModel, resolveNames } from './identify.js';
import { parseImgsz, parseNames } from './metadata.js';
import { OnnxGraph, attr, type NodeProto } from './onnx-graph.js';
import { decodeModelProto } from './onnx-wire.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ImportedModel {
  fields: WeightsFields;
  tensors: WriteTensor[];
}

/**
 * `/model.10/m/m.0/attn/qkv/conv/Conv` → `model.10.m.0.attn.qkv.conv`: the node's scope without its
 * op name, dropping each container segment whose child repeats it (`m` before `m.0`, `cv2.0` before
 * `cv2.0.2`), as torch.onnx names nested nn.Sequential / ModuleList scopes.
 */
export function scopeToName(nodeName: string): string {
  const parts = nodeName.split('/').filter(Boolean).slice(0, -1);
  return parts.filter((p, i) => !(i + 1 < parts.length && parts[i + 1].startsWith(`${p}.`))).join('.');
}

const CONV_OPS = new Set(['Conv', 'ConvInteger', 'ConvTranspose', 'Gemm']);
const isDfl = (prefix: string) => /^model\.\d+\.dfl\.conv$/.test(prefix);

/** A Conv's state_dict prefix: from its weight's initializer name, else from the node scope. */
function convPrefix(g: OnnxGraph, n: NodeProto): string {
  const w = g.weightName(n);
  const m = /^(model\.\d+(?:\.[\w-]+)*)\.weight$/.exec(w);
  if (m) return m[1];
  const scope = scopeToName(n.name ?? '');
  return /^model\.\d+\./.test(scope) ? scope : w;
}

function decodeModel(bytes: Uint8Array, file: string): any {
  let model: any;
  try {
    model = decodeModelProto(bytes);
  } catch (e) {
    // The wire-format decoder throws an Error saying where: a length past the end, a bad wire type.
    throw new ModelImportError(`${file} is not a readable ONNX model (${String((e as Error)?.message ?? e).split('\n')[0]}): truncated or corrupt`);
  }
  if (!model.graph || !model.graph.node?.length) throw new ModelImportError(`${file} holds no ONNX graph: not an ONNX model, or truncated`);
  return model;
}

export async function importOnnx(bytes: Uint8Array, fileName: string): Promise<ImportedModel> {
  const file = fileName.split(/[\\/]/).pop() || fileName;
  const model = decodeModel(bytes, file);
  try {
    return await importGraph(model, bytes, file);
  } catch (e) {
    if (e instanceof Yolo11Error) throw e;
    // A structurally odd graph (a node without inputs, a missing attribute…): still one typed line.
    throw new ModelImportError(`${file}: malformed ONNX graph (${String((e as Error)?.message ?? e).split('\n')[0]})`);
  }
}

async function importGraph(model: any, bytes: Uint8Array, file: string): Promise<ImportedModel> {
  const g = new OnnxGraph(model.graph);
  const meta = new Map<string, string>((model.metadataProps ?? []).map((p: any) => [p.key, p.value]));
  const quantSuffix = /_(quantized|quant|scale|zero_point)$/;
  const allNames = [...g.inits.keys()].map((k) => k.replace(quantSuffix, ''));
  const evidence = { file, task: meta.get('task'), kptShape: meta.get('kpt_shape'), allNames, shapes: new Map<string, number[]>() };
  // A Gemm between two activations is not a layer (only Classify's linear has a constant weight).
  const isParam = (n: NodeProto) => n.opType !== 'Gemm' || g.inits.has(n.input[1]) || g.producer.get(n.input[1])?.opType === 'DequantizeLinear';
  const convs = model.graph.node.filter((n: NodeProto) => CONV_OPS.has(n.opType) && isParam(n));
  const prefixes: string[] = convs.map((n: NodeProto) => convPrefix(g, n));
  checkFamily({ ...evidence, allNames: [...allNames, ...prefixes.filter((p) => p.startsWith('model.')).map((p) => `${p}.weight`)] });

  const tensors: WriteTensor[] = [];
  const seen = new Map<string, string>();
  convs.forEach((n: NodeProto, i: number) => {
    const prefix = prefixes[i];
    if (isDfl(prefix)) return; // DFL's fixed arange(16) conv: not a learned weight, the runtime does not need it
    const node = n.name || n.output[0];
    if (seen.has(prefix)) throw new ModelImportError(`${file}: Conv nodes ${seen.get(prefix)} and ${node} both map to ${prefix}`);
    seen.set(prefix, node);
    const c = n.opType === 'ConvTranspose' || n.opType === 'Gemm' ? otherParam(g, n) : g.floatConv(n);
    for (const [what, v] of [['weight', c.weight], ['bias', c.bias]] as const) {
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new ModelImportError(`${file}: ${prefix}.${what} element ${bad} is ${v[bad]}`);
    }
    tensors.push({ name: `${prefix}.weight`, shape: c.shape, data: c.weight }, { name: `${prefix}.bias`, shape: [c.bias.length], data: c.bias });
    evidence.shapes.set(`${prefix}.weight`, c.shape).set(`${prefix}.bias`, [c.bias.length]);
  });

  const { scale, nc, head } = identifyModel(evidence);
  const names = resolveNames(meta.has('names') ? parseNames(meta.get('names')!) : undefined, nc, file, head.task === 'classify' ? 'classifier' : 'Detect head');
  const imgsz = meta.has('imgsz') ? parseImgsz(meta.get('imgsz')!) : graphImgsz(model.graph, g, file);
  return {
    fields: {
      task: head.task, ...(head.task === 'segment' ? { nm: head.nm } : {}), ...(head.task === 'pose' ? { kptShape: [head.kpt[0], head.kpt[1]] as [number, number] } : {}),
      scale, nc, names, imgsz, source: { file, sha256: await sha256Hex(bytes), format: 'onnx' },
    },
    tensors,
  };
}

/**
 * ConvTranspose(x, W (I, O, kH, kW)[, B (O)]) or Gemm(x, W, C) (W (O, I) with transB = 1, else (I, O),
 * stored as PyTorch's (O, I)), fp32/fp16 or QDQ.
 */
function otherParam(g: OnnxGraph, n: NodeProto): { shape: number[]; weight: Float32Array; bias: Float32Array } {
  const why = `${n.opType} ${n.name || n.output[0]}`;
  let { values: weight, shape } = g.floatInput(n.input[1], why, n.opType === 'Gemm' ? 0 : 1);
  if (n.opType === 'Gemm' && shape.length === 2 && Number(attr(n, 'transB')?.i ?? 0) === 0) {
    const [I, O] = shape;
    const t = new Float32Array(weight.length);
    for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) t[o * I + i] = weight[i * O + o];
    weight = t;
    shape = [O, I];
  }
  const want = n.opType === 'Gemm' ? 2 : 4;
  if (shape.length !== want || !weight.length) throw new ModelImportError(`${why}: weight has shape [${shape}], expected ${n.opType === 'Gemm' ? '(O, I)' : '(I, O, kH, kW)'}`);
  const cout = n.opType === 'Gemm' ? shape[0] : shape[1];
  const bias = n.input[2] ? g.floatInput(n.input[2], why, 0).values : new Float32Array(cout);
  if (bias.length !== cout) throw new ModelImportError(`${why}: bias has ${bias.length} values, expected ${cout}`);
  return { shape, weight, bias };
}

/** [H, W] of the image input (1, 3, H, W) when static; 640×640 when the export has dynamic axes. */
function graphImgsz(graph: any, g: OnnxGraph, file: string): [number, number] {
  const input = (graph.input ?? []).find((i: any) => !g.inits.has(i.name));
  const dim = input?.type?.tensorType?.shape?.dim ?? [];
  const hw = [dim[2], dim[3]].map((d: any) => Number(d?.dimValue ?? 0));
  if (!hw.every((v) => v > 0)) return [640, 640];
  try {
    return parseImgsz(`[${hw}]`);
  } catch {
    throw new ModelImportError(`${file}: input ${input.name} is [${dim.map((d: any) => d?.dimValue ?? d?.dimParam)}], its height and width must be multiples of 32`);
  }
}
