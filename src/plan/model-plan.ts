/**
 * The static plan for one (model, input size): the letterbox dispatch, the network, and for detect,
 * segment and pose the fused decode, the head's extra rows and the NMS dispatches, over one arena.
 * Pure: no GPU calls.
 */
import { InvalidArgumentError } from '../errors.js';
import { STRIDES, buildSpec, headLayer, type ModelSpec } from '../model/spec.js';
import type { HeadSpec } from '../model/heads.js';
import { buildNetwork } from '../model/yolo11.js';
import type { ConvPicker } from '../ops/conv-variants.js';
import type { AttentionKernel } from '../ops/attention.js';
import type { Dispatch, View } from '../ops/types.js';
import { headOf, type WeightsFile } from '../weights/weights.js';
import { GraphBuilder, type TensorRef } from './graph.js';
import { WeightPacker } from './weight-packer.js';
import { planPost, type PostPlan } from './post-plan.js';

export interface ModelPlan {
  spec: ModelSpec;
  head: HeadSpec;
  inputSize: [h: number, w: number];
  dispatches: Dispatch[];
  arenaElements: number;
  weights: Float32Array;
  /** The network input, 3 × H × W (RGB, 0..1). */
  input: View;
  /**
   * ONNX-equivalent output0: (4 + nc [+ nm | K·D]) × anchors for detect, segment and pose; the class
   * probabilities (nc) for classify.
   */
  output0: View;
  /** Segment: the mask prototypes, ONNX's output1, nm × H/4 × W/4. */
  output1?: View;
  anchors: number;
  /** Each Ultralytics layer's output (`model.0` … `model.23`, Detect's `model.23.level{j}`, `output0`, `output1`). */
  layers: Map<string, View>;
  /** Dispatch index ranges: [network (+ decode)), [nms (+ keypoints)). The letterbox is encoded by the image uploader. */
  ranges: { network: [number, number]; nms: [number, number] };
  /** Decode + NMS; absent for classify. */
  post?: PostPlan;
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
  const head = headOf(m);
  const spec = buildSpec(m.scale, m.nc, head);
  const g = new GraphBuilder();
  const packer = new WeightPacker(file.tensors);
  const input = g.tensor('input', 3, H, W);
  g.pin(input);
  const last = headLayer(spec);
  let anchors = 0;
  let output0: TensorRef;
  let post: PostPlan | undefined;
  if (head.task === 'classify') {
    const net = buildNetwork(g, spec, packer, input, opts.conv, opts.attention, opts.pool);
    output0 = net.probs!;
    g.pin(output0);
    return finish(g, net, { output0 });
  }
  anchors = STRIDES.reduce((s, st) => s + (H / st) * (W / st), 0);
  output0 = g.tensor('output0', last.cout, 1, anchors);
  g.pin(output0);
  post = planPost(g, { nc: m.nc, head, input, output0, inputSize, maxCandidates: opts.maxCandidates, maxDet: opts.maxDet });
  const net = buildNetwork(g, spec, packer, input, opts.conv, opts.attention, opts.pool);
  for (const lv of net.levels) g.pin(lv);
  if (net.protos) g.pin(net.protos);
  post.addDecodeAndNms(net.levels);
  return finish(g, net, { output0, output1: net.protos });

  function finish(gb: GraphBuilder, net: ReturnType<typeof buildNetwork>, outs: { output0: TensorRef; output1?: TensorRef }): ModelPlan {
    if (opts.keepAll) for (const o of net.layers.values()) gb.pin('t' in o ? o.t : o);
    const built = gb.build(opts.keepAll);
    const layers = new Map<string, View>([['input', built.resolve(input)]]);
    for (const [k, o] of net.layers) layers.set(k, built.resolve(o));
    net.levels.forEach((lv, j) => layers.set(`model.23.level${j}`, built.resolve(lv)));
    layers.set('output0', built.resolve(outs.output0));
    if (outs.output1) layers.set('output1', built.resolve(outs.output1));
    const n = built.dispatches.length;
    return {
      spec, head, inputSize, dispatches: built.dispatches, arenaElements: built.arenaElements, weights: packer.finish(),
      input: built.resolve(input), output0: built.resolve(outs.output0), output1: outs.output1 && built.resolve(outs.output1), anchors, layers,
      ranges: post ? post.ranges(built.dispatches) : { network: [0, n], nms: [n, n] }, post,
    };
  }
}
