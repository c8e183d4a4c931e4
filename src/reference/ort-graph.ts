/**
 * Editing an Ultralytics ONNX detect export for reference runs: find the tensors worth comparing and
 * add them to graph.output, and (src/reference/input-size.ts) rewrite the static input size.
 *
 * Exposed tensors (runtime name → ONNX tensor; shapes for yolo11n at H×W input):
 *   model.N               every layer N: the tensor made inside `/model.N/` and used outside it
 *                         (model.0 is 1×16×H/2×W/2 … model.22 1×256×H/32×W/32; model.23 = output0)
 *   output0               1×(4+nc)×A, A = Σ_s (H/s)(W/s), s = 8, 16, 32
 *   model.23.level{j}     Detect's cat(cv2.j, cv3.j) per level, 1×(64+nc)×(H/s)×(W/s)
 *   model.N.cv1           the cv1 Conv output of C3k2 / SPPF / C2PSA blocks
 *   model.9.m, m_1, m_2   SPPF's three max-pool outputs (one nn.MaxPool2d called three times)
 *   model.10.m.K.attn.qkv C2PSA attention's qkv conv, 1×(2·heads·key_dim + C)×H/32×W/32
 *   model.10.m.K.attn     the attention output before proj (= proj's input, `attn/Add`), 1×C×H/32×W/32
 * Quantized exports (DynamicQuantizeLinear/ConvInteger, QDQ) are looked through: a layer output is
 * always the float tensor before any QuantizeLinear.
 */
import { ModelImportError } from '../errors.js';
import { decodeModelProto, encodeModelProto } from '../convert/onnx-wire.js';
import { rewriteInputSize, graphInputSize } from './input-size.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface ExposedTensor {
  /** Runtime name: `model.4`, `model.23.level0`, `model.10.m.0.attn`, `output0`, … */
  name: string;
  /** The Ultralytics layer index N of `model.N…`; null for `output0`. */
  layer: number | null;
  /** The ONNX tensor name. */
  onnx: string;
}

export interface EditedGraph {
  bytes: Uint8Array;
  exposed: ExposedTensor[];
  inputName: string;
  /** [H, W] the edited graph runs at. */
  inputSize: [number, number];
  /** [H, W] of the graph as exported (null when its input is dynamic). */
  exportSize: [number, number] | null;
  rewritten: boolean;
}

const QUANT_OPS = new Set(['DynamicQuantizeLinear', 'QuantizeLinear', 'DequantizeLinear']);
const LAYER = /^\/model\.(\d+)\//;

/** Producers and consumers with quantization nodes made transparent. */
class GraphIndex {
  readonly producer = new Map<string, any>();
  readonly consumers = new Map<string, any[]>();
  readonly outputs: Set<string>;
  readonly initializers: Set<string>;
  constructor(readonly g: any) {
    for (const n of g.node) {
      for (const o of n.output) this.producer.set(o, n);
      for (const i of n.input) if (i) (this.consumers.get(i) ?? this.consumers.set(i, []).get(i)!).push(n);
    }
    this.outputs = new Set(g.output.map((o: any) => o.name));
    this.initializers = new Set(g.initializer.map((t: any) => t.name));
  }
  /** Consumers of t, looking through quantize/dequantize nodes to the nodes that use their outputs. */
  effectiveConsumers(t: string, seen = new Set<string>()): any[] {
    if (seen.has(t)) return [];
    seen.add(t);
    return (this.consumers.get(t) ?? []).flatMap((n) => (QUANT_OPS.has(n.opType) ? n.output.flatMap((o: string) => this.effectiveConsumers(o, seen)) : [n]));
  }
  /** The float tensor behind t: walks back through quantize/dequantize nodes. */
  source(t: string): string {
    for (let p = this.producer.get(t), k = 0; p && QUANT_OPS.has(p.opType) && k < 8; p = this.producer.get(t), k++) t = p.input[0];
    return t;
  }
  /** Tensors made by (non-quantization) nodes inside `prefix` and used outside it, or graph outputs. */
  exits(prefix: string): string[] {
    const out: string[] = [];
    for (const n of this.g.node) {
      if (!n.name.startsWith(prefix) || QUANT_OPS.has(n.opType)) continue;
      for (const o of n.output) {
        if (this.outputs.has(o) || this.effectiveConsumers(o).some((c) => !c.name.startsWith(prefix))) out.push(o);
      }
    }
    return out;
  }
  private readonly constant = new Map<string, boolean>();
  /** An initializer, or made only from initializers (e.g. quantize_dynamic's bias reshapes). */
  isConstant(t: string, depth = 0): boolean {
    const known = this.constant.get(t);
    if (known !== undefined) return known;
    const p = this.producer.get(t);
    const c: boolean = this.initializers.has(t) || (!!p && depth < 16 && (p.opType === 'Constant' || (p.input.length > 0 && p.input.every((i: string) => !i || this.isConstant(i, depth + 1)))));
    this.constant.set(t, c);
    return c;
  }
  /** Non-constant tensors used inside `prefix` and made outside it. */
  entries(prefix: string): string[] {
    const out = new Set<string>();
    for (const n of this.g.node) {
      if (!n.name.startsWith(prefix) || QUANT_OPS.has(n.opType)) continue;
      for (const i of n.input) {
        if (!i || this.isConstant(i)) continue;
        const s = this.source(i);
        const p = this.producer.get(s);
        if ((!p || !p.name.startsWith(prefix)) && !this.isConstant(s)) out.add(s);
      }
    }
    return [...out];
  }
}

/** Find the tensors to expose (see the file comment). Throws ModelImportError for a non-Ultralytics graph. */
export function findExposed(g: any): ExposedTensor[] {
  const ix = new GraphIndex(g);
  const layers = [...new Set(g.node.map((n: any) => LAYER.exec(n.name)?.[1]).filter(Boolean).map(Number))].sort((a: any, b: any) => a - b) as number[];
  if (!layers.length) throw new ModelImportError('not an Ultralytics export: no node scope /model.N/ in the graph');
  const out: ExposedTensor[] = [];
  const add = (name: string, layer: number | null, tensors: string[], what: string) => {
    if (tensors.length !== 1) throw new ModelImportError(`cannot find ${what}: ${tensors.length ? `${tensors.length} candidates (${tensors.slice(0, 3).join(', ')})` : 'no candidate'}`);
    out.push({ name, layer, onnx: tensors[0] });
  };
  const output0 = g.output[0].name;
  for (const N of layers) {
    const exits = ix.exits(`/model.${N}/`);
    add(`model.${N}`, N, exits.includes(output0) ? [output0] : exits, `the output of layer model.${N}`);
  }
  add('output0', null, [output0], 'output0');
  const names = new Set<string>(g.node.map((n: any) => n.name));
  const scopes = (re: RegExp) => [...new Set([...names].map((n) => re.exec(n)?.[0]).filter((s): s is string => !!s))];
  for (const s of scopes(/^\/model\.\d+\/cv1\//)) add(`model.${LAYER.exec(s)![1]}.cv1`, Number(LAYER.exec(s)![1]), ix.exits(s), `${s} output`);
  for (const n of g.node) {
    const m = /^\/model\.(\d+)\/(m(?:_\d+)?)\/MaxPool$/.exec(n.name);
    if (m) add(`model.${m[1]}.${m[2]}`, Number(m[1]), [n.output[0]], n.name);
  }
  for (const s of scopes(/^\/model\.\d+\/m\/m\.\d+\/attn\//)) {
    const [, N, K] = /^\/model\.(\d+)\/m\/m\.(\d+)\//.exec(s)!;
    add(`model.${N}.m.${K}.attn.qkv`, Number(N), ix.exits(`${s}qkv/`), `${s}qkv output`);
    add(`model.${N}.m.${K}.attn`, Number(N), ix.entries(`${s}proj/`), `${s}proj input`);
  }
  // Detect's per-level head output: the Concat of cv2.j (box) and cv3.j (class) branch outputs.
  const head = layers[layers.length - 1];
  for (let j = 0; ; j++) {
    const cat = g.node.filter((n: any) => n.opType === 'Concat' && n.name.startsWith(`/model.${head}/`) && n.input.length === 2
      && n.input.every((i: string, k: number) => ix.producer.get(ix.source(i))?.name.startsWith(`/model.${head}/${k ? 'cv3' : 'cv2'}.${j}/`)));
    if (!cat.length) {
      if (j === 0) throw new ModelImportError(`not a Detect head: no Concat of cv2.0/cv3.0 outputs in /model.${head}/`);
      break;
    }
    add(`model.${head}.level${j}`, head, cat.map((n: any) => n.output[0]), `Detect level ${j}`);
  }
  return out;
}

/**
 * Decode, expose the intermediate tensors (unless `expose: false`), optionally rewrite the input size, re-encode.
 * `size` different from the export's own (or `forceRewrite`) rewrites every size-dependent constant.
 */
export function editGraph(bytes: Uint8Array, size?: [number, number], opts: { forceRewrite?: boolean; expose?: boolean } = {}): EditedGraph {
  let model: any;
  try {
    model = decodeModelProto(bytes);
  } catch (e) {
    throw new ModelImportError(`not a valid ONNX model: ${(e as Error).message.split('\n')[0]}`);
  }
  const g = model.graph;
  if (!g?.node?.length || !g.input?.length || !g.output?.length) throw new ModelImportError('not a valid ONNX model: empty graph');
  const inits = new Set(g.initializer.map((t: any) => t.name));
  const input = g.input.find((i: any) => !inits.has(i.name));
  if (!input) throw new ModelImportError('the graph has no non-constant input');
  const exportSize = graphInputSize(input);
  const exposed = findExposed(g);
  const want = size ?? exportSize ?? [640, 640];
  const rewritten = !!exportSize && (opts.forceRewrite || want[0] !== exportSize[0] || want[1] !== exportSize[1]);
  if (rewritten) rewriteInputSize(g, input, exportSize!, want);
  const existing = new Set(g.output.map((o: any) => o.name));
  // expose: false keeps the graph's own outputs (a plain model at the new size, e.g. for benchmarks).
  for (const t of opts.expose === false ? [] : exposed) {
    if (!existing.has(t.onnx)) g.output.push({ name: t.onnx });
    existing.add(t.onnx);
  }
  return { bytes: encodeModelProto(model), exposed, inputName: input.name, inputSize: [want[0], want[1]], exportSize, rewritten };
}
