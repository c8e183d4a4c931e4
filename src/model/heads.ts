/**
 * The heads of the YOLO11 tasks, from ultralytics/nn/modules/head.py (Detect, Segment, Pose, Classify)
 * and block.py (Proto), as layer specs. spec.ts builds the shared backbone and neck and calls these:
 *   detect   Detect(nc)                      yolo11.yaml       layer 23 on [16, 19, 22]
 *   segment  Segment(nc, nm = 32, npr = 256)  yolo11-seg.yaml   layer 23; npr scaled like a channel count
 *   pose     Pose(nc, kpt_shape = (K, D))     yolo11-pose.yaml  layer 23
 *   classify Classify(c1, nc)                 yolo11-cls.yaml   layer 10 on the C2PSA at 9 (no SPPF, no neck)
 * Weight names are the state_dict names after BatchNorm folding, like the rest of the model.
 */
import type { ConvSpec } from './spec.js';

export type Task = 'detect' | 'segment' | 'pose' | 'classify';
export const TASKS: readonly Task[] = ['detect', 'segment', 'pose', 'classify'];

/** What sits on top of the backbone: the task and its shape parameters. */
export type HeadSpec =
  | { task: 'detect' }
  | { task: 'segment'; /** mask coefficients per box = proto channels (Ultralytics nm, 32) */ nm: number }
  | { task: 'pose'; /** keypoints K and values per keypoint D (2: x, y; 3: x, y, visibility) */ kpt: readonly [number, number] }
  | { task: 'classify' };

export const DETECT_HEAD: HeadSpec = { task: 'detect' };
export const REG_MAX = 16;

/** nn.ConvTranspose2d(cin, cout, k, stride, padding 0, bias): weight (cin, cout, k, k) as PyTorch stores it. */
export interface TConvSpec {
  kind: 'tconv';
  name: string;
  weight: string;
  bias: string;
  cin: number;
  cout: number;
  k: number;
  stride: number;
}

/** nn.Linear(cin, cout): weight (cout, cin). */
export interface LinearSpec {
  kind: 'linear';
  name: string;
  weight: string;
  bias: string;
  cin: number;
  cout: number;
}

/** Proto(c1, c_ = npr, c2 = nm): cv3(cv2(upsample(cv1(x)))), the upsample a 2×2 stride-2 transposed conv. */
export interface ProtoSpec {
  cv1: ConvSpec;
  upsample: TConvSpec;
  cv2: ConvSpec;
  cv3: ConvSpec;
}

export interface DetectLayer {
  i: number;
  type: 'Detect';
  from: number[];
  cout: number;
  nc: number;
  /** detect, segment or pose. */
  head: Exclude<HeadSpec, { task: 'classify' }>;
  /** Per level: cv2 (box, 3 convs) and cv3 (class, 5 convs). */
  box: ConvSpec[][];
  cls: ConvSpec[][];
  /** Per level: cv4, the mask-coefficient (segment) or keypoint (pose) branch, 3 convs; [] for detect. */
  extra: ConvSpec[][];
  /** Channels cv4 predicts per anchor: nm (segment), K·D (pose), 0 (detect). */
  nExtra: number;
  proto?: ProtoSpec;
  ch: number[];
}

export interface ClassifyLayer {
  i: number;
  type: 'Classify';
  from: number;
  cout: number;
  /** Conv(c1, 1280, 1) with SiLU, then global average pool, then linear(1280, nc), then softmax. */
  conv: ConvSpec;
  linear: LinearSpec;
}

/** Ultralytics Classify's hidden width (efficientnet_b0 size). */
export const CLASSIFY_HIDDEN = 1280;

type MakeConv = (name: string, cin: number, cout: number, k: number, stride?: number, groups?: number, act?: boolean, plain?: boolean) => ConvSpec;

/** Detect / Segment / Pose on the levels `from` (channels `chs`); `ch` scales a channel count like parse_model. */
export function detectLayer(i: number, from: number[], chs: number[], nc: number, head: DetectLayer['head'], conv: MakeConv, ch: (c: number) => number): DetectLayer {
  const c2 = Math.max(16, Math.trunc(chs[0] / 4), REG_MAX * 4);
  const c3 = Math.max(chs[0], Math.min(nc, 100));
  const d = `model.${i}`;
  const box = chs.map((x, j) => [
    conv(`${d}.cv2.${j}.0`, x, c2, 3),
    conv(`${d}.cv2.${j}.1`, c2, c2, 3),
    conv(`${d}.cv2.${j}.2`, c2, 4 * REG_MAX, 1, 1, 1, false, true),
  ]);
  const cls = chs.map((x, j) => [
    conv(`${d}.cv3.${j}.0.0`, x, x, 3, 1, x),
    conv(`${d}.cv3.${j}.0.1`, x, c3, 1),
    conv(`${d}.cv3.${j}.1.0`, c3, c3, 3, 1, c3),
    conv(`${d}.cv3.${j}.1.1`, c3, c3, 1),
    conv(`${d}.cv3.${j}.2`, c3, nc, 1, 1, 1, false, true),
  ]);
  const nExtra = head.task === 'segment' ? head.nm : head.task === 'pose' ? head.kpt[0] * head.kpt[1] : 0;
  // Segment and Pose: c4 = max(ch[0] // 4, nm | nk); cv4 = Conv(x, c4, 3), Conv(c4, c4, 3), nn.Conv2d(c4, n, 1).
  const c4 = Math.max(Math.trunc(chs[0] / 4), nExtra);
  const extra = nExtra ? chs.map((x, j) => [
    conv(`${d}.cv4.${j}.0`, x, c4, 3),
    conv(`${d}.cv4.${j}.1`, c4, c4, 3),
    conv(`${d}.cv4.${j}.2`, c4, nExtra, 1, 1, 1, false, true),
  ]) : [];
  let proto: ProtoSpec | undefined;
  if (head.task === 'segment') {
    // parse_model: args[2] (npr = 256) = make_divisible(min(npr, max_channels) · width, 8).
    const npr = ch(256);
    const p = `${d}.proto`;
    proto = {
      cv1: conv(`${p}.cv1`, chs[0], npr, 3),
      upsample: { kind: 'tconv', name: `${p}.upsample`, weight: `${p}.upsample.weight`, bias: `${p}.upsample.bias`, cin: npr, cout: npr, k: 2, stride: 2 },
      cv2: conv(`${p}.cv2`, npr, npr, 3),
      cv3: conv(`${p}.cv3`, npr, head.nm, 1),
    };
  }
  return { i, type: 'Detect', from, cout: 4 + nc + nExtra, nc, head, box, cls, extra, nExtra, proto, ch: chs };
}

/** Classify(c1, nc) on layer i − 1. */
export function classifyLayer(i: number, c1: number, nc: number, conv: MakeConv): ClassifyLayer {
  const d = `model.${i}`;
  return {
    i, type: 'Classify', from: -1, cout: nc,
    conv: conv(`${d}.conv`, c1, CLASSIFY_HIDDEN, 1),
    linear: { kind: 'linear', name: `${d}.linear`, weight: `${d}.linear.weight`, bias: `${d}.linear.bias`, cin: CLASSIFY_HIDDEN, cout: nc },
  };
}

/** The head's convolutions (Conv modules and plain nn.Conv2d), in module order. */
export function headConvs(l: DetectLayer | ClassifyLayer): ConvSpec[] {
  if (l.type === 'Classify') return [l.conv];
  const p = l.proto;
  return [...l.box.flat(), ...l.cls.flat(), ...(p ? [p.cv1, p.cv2, p.cv3] : []), ...l.extra.flat()];
}

/** The head's tensors that are not convolutions: Proto's transposed conv, Classify's linear. */
export function headOthers(l: DetectLayer | ClassifyLayer): Map<string, number[]> {
  const m = new Map<string, number[]>();
  if (l.type === 'Classify') {
    m.set(l.linear.weight, [l.linear.cout, l.linear.cin]).set(l.linear.bias, [l.linear.cout]);
  } else if (l.proto) {
    const u = l.proto.upsample;
    m.set(u.weight, [u.cin, u.cout, u.k, u.k]).set(u.bias, [u.cout]);
  }
  return m;
}

/** A one-line description of a head for messages: `segment (nm=32)`, `pose (kpt_shape 17×3)`. */
export function describeHead(h: HeadSpec): string {
  return h.task === 'segment' ? `segment (nm=${h.nm})` : h.task === 'pose' ? `pose (kpt_shape ${h.kpt[0]}×${h.kpt[1]})` : h.task;
}
