/**
 * The static plan for one (model, input size): the letterbox dispatch, the network, the fused
 * decode and the NMS dispatches, over one arena. Pure: no GPU calls.
 */
import { InvalidArgumentError } from '../errors.js';
import { STRIDES, buildSpec, type ModelSpec } from '../model/spec.js';
import { buildNetwork } from '../model/yolo11.js';
import type { ConvPicker } from '../ops/conv-variants.js';
import type { AttentionKernel } from '../ops/attention.js';
import type { Dispatch, View } from '../ops/types.js';
import type { WeightsFile } from '../weights/weights.js';
import { GraphBuilder } from './graph.js';
import { WeightPacker } from './weight-packer.js';
import { planPost, type PostPlan } from './post-plan.js';

export interface ModelPlan {
  spec: ModelSpec;
  inputSize: [h: number, w: number];
  dispatches: Dispatch[];
  arenaElements: number;
  weights: Float32Array;
  /** The network input, 3 × H × W (RGB, 0..1). */
  input: View;
  /** ONNX-equivalent output0, (4 + nc) × anchors. */
  output0: View;
  anchors: number;
  /** Each Ultralytics layer's output (`model.0` … `model.23`, and Detect's `model.23.level{j}`). */
  layers: Map<string, View>;
  /** Dispatch index ranges: [network + decode), [nms). The letterbox is encoded by the image uploader. */
  ranges: { network: [number, number]; nms: [number, number] };
  post: PostPlan;
}

export interface PlanOptions {
  /** The kernel for each convolution (groups = 1); default: the generic workgroup-tile kernel. */
  conv?: ConvPicker;
  /** C2PSA's attention kernel (src/ops/attention.ts); default: the loop form. */
  attention?: AttentionKernel;
  /** SPPF's pool kernel (src/ops/sppf-pool.ts): `rt` on CPU adapters; default: the loop form. */
  pool?: 'loop' | 'rt';
  /** Give every tensor its own arena region, so every layer output can be read after a run (parity tests). */
  keepAll?: boolean;
  maxCandidates?: number;
  maxDet?: number;
}

export function checkInputSize(size: [number, number]) {
  const [h, w] = size;
  for (const v of size) {
    if (!Number.isSafeInteger(v) || v < 32 || v > 8192 || v % 32 !== 0) {
      throw new InvalidArgumentError(`input size ${h}×${w} is invalid: height and width must be multiples of 32 in 32..8192`);
    }
  }
}

export function planModel(file: WeightsFile, inputSize: [number, number], opts: PlanOptions = {}): ModelPlan {
  checkInputSize(inputSize);
  const [H, W] = inputSize;
  const m = file.manifest;
  const spec = buildSpec(m.scale, m.nc);
  const g = new GraphBuilder();
  const packer = new WeightPacker(file.tensors);
  const input = g.tensor('input', 3, H, W);
  g.pin(input);
  const anchors = STRIDES.reduce((s, st) => s + (H / st) * (W / st), 0);
  const output0 = g.tensor('output0', 4 + m.nc, 1, anchors);
  g.pin(output0);
  const post = planPost(g, { nc: m.nc, input, output0, inputSize, maxCandidates: opts.maxCandidates, maxDet: opts.maxDet });
  const net = buildNetwork(g, spec, packer, input, opts.conv, opts.attention, opts.pool);
  for (const lv of net.levels) g.pin(lv);
  post.addDecodeAndNms(net.levels);
  if (opts.keepAll) for (const o of net.layers.values()) g.pin('t' in o ? o.t : o);
  const built = g.build(opts.keepAll);
  const layers = new Map<string, View>([['input', built.resolve(input)]]);
  for (const [k, o] of net.layers) layers.set(k, built.resolve(o));
  net.levels.forEach((lv, j) => layers.set(`model.23.level${j}`, built.resolve(lv)));
  const idx = post.ranges(built.dispatches);
  return {
    spec, inputSize, dispatches: built.dispatches, arenaElements: built.arenaElements, weights: packer.finish(),
    input: built.resolve(input), output0: built.resolve(output0), anchors, layers, ranges: idx, post,
  };
}
