/**
 * The heads (heads.ts) as dispatches on the Yolo11Builder's graph:
 *   Detect / Segment / Pose  per level one (64 + nc + n) × h × w tensor: cv2 writes the 64 DFL logits,
 *                            cv3 the nc class logits, cv4 (segment, pose) the n = nm | K·D extra values,
 *                            each straight into its channel slice. Segment adds Proto on level 0.
 *   Proto                    cv1 → upsample (a 1×1 conv to 4·c_ channels + a depth-to-space) → cv2 → cv3
 *                            = the protos, nm × 2h × 2w (160 × 160 at 640).
 *   Classify                 conv (1×1, SiLU) → global average pool → linear (a 1×1 conv on the pooled
 *                            1 × 1 map) → softmax = the class probabilities.
 */
import type { ClassifyLayer, DetectLayer } from './heads.js';
import { conv as convSpec } from './spec.js';
import { slice, type Slice, type TensorRef } from '../plan/graph.js';
import { planPixelShuffle, transposedConvAs1x1 } from '../ops/pixel-shuffle.js';
import { planGlobalAvgPool, planSoftmax } from '../ops/classify.js';
import type { Yolo11Builder } from './yolo11.js';

type Out = Slice | TensorRef;
const tensorOf = (o: Out): TensorRef => ('t' in o ? o.t : o);

export interface DetectHeadOutputs {
  /** Per level (stride 8, 16, 32): (64 + nc + n) × H/s × W/s. */
  levels: TensorRef[];
  /** Segment: the mask prototypes, nm × H/4 × W/4. */
  protos?: TensorRef;
}

/** Detect, Segment or Pose on the outputs `src(f)` of its source layers. */
export function buildDetectHead(b: Yolo11Builder, l: DetectLayer, src: (f: number) => Out): DetectHeadOutputs {
  const { g } = b;
  const levels = l.from.map((f, j) => {
    const lt = tensorOf(src(f));
    const level = g.tensor(`model.${l.i}.level${j}`, 64 + l.nc + l.nExtra, lt.h, lt.w);
    const branch = (convs: DetectLayer['box'][number], c0: number, c: number) => {
      let x: Out = src(f);
      convs.forEach((cv, k) => {
        const y = k === convs.length - 1 ? slice(level, c0, c) : g.tensor(cv.name, cv.cout, lt.h, lt.w);
        b.conv(cv, x, y);
        x = y;
      });
    };
    branch(l.box[j], 0, 64);
    branch(l.cls[j], 64, l.nc);
    if (l.nExtra) branch(l.extra[j], 64 + l.nc, l.nExtra);
    return level;
  });
  if (!l.proto) return { levels };
  const p = l.proto;
  const x = tensorOf(src(l.from[0]));
  const { h, w } = x;
  const c = p.upsample.cout;
  const t1 = g.tensor(p.cv1.name, c, h, w);
  b.conv(p.cv1, src(l.from[0]), t1);
  // ConvTranspose2d(c, c, 2, 2) = a 1×1 conv to 4c channels, then a depth-to-space.
  const u = p.upsample;
  const { weight, bias } = transposedConvAs1x1(b.w.get(u.weight), b.w.get(u.bias), u.cin, u.cout);
  const gemm = g.tensor(`${u.name}.taps`, 4 * c, h, w);
  b.convWith(convSpec(`${u.name}.taps`, u.cin, 4 * u.cout, 1, 1, 1, false, true), weight, bias, t1, gemm);
  const up = g.tensor(u.name, c, 2 * h, 2 * w);
  g.step(u.name, [gemm], [up], (v) => [planPixelShuffle({ label: u.name, input: v(gemm), output: v(up) })]);
  const t2 = g.tensor(p.cv2.name, c, 2 * h, 2 * w);
  b.conv(p.cv2, up, t2);
  const protos = g.tensor('output1', p.cv3.cout, 2 * h, 2 * w);
  b.conv(p.cv3, t2, protos);
  return { levels, protos };
}

/** Classify on `x` (c1 × h × w): the class probabilities, nc × 1 × 1. */
export function buildClassifyHead(b: Yolo11Builder, l: ClassifyLayer, x: Out): TensorRef {
  const { g } = b;
  const xt = tensorOf(x);
  const name = `model.${l.i}`;
  const hidden = g.tensor(l.conv.name, l.conv.cout, xt.h, xt.w);
  b.conv(l.conv, x, hidden);
  const pooled = g.tensor(`${name}.pool`, l.conv.cout, 1, 1);
  g.step(`${name}.pool`, [hidden], [pooled], (v) => [planGlobalAvgPool(`${name}.pool`, v(hidden), v(pooled))]);
  const lin = l.linear;
  const logits = g.tensor(lin.name, lin.cout, 1, 1);
  b.convWith(convSpec(lin.name, lin.cin, lin.cout, 1, 1, 1, false, true), b.w.get(lin.weight), b.w.get(lin.bias), pooled, logits);
  const probs = g.tensor('output0', lin.cout, 1, 1);
  g.step(`${name}.softmax`, [logits], [probs], (v) => [planSoftmax(`${name}.softmax`, v(logits), v(probs))]);
  return probs;
}
