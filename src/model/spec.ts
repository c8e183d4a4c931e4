/**
 * YOLO11 architecture, mirrored row by row from ultralytics/cfg/models/11/yolo11.yaml (detect; the
 * -seg and -pose yamls differ only in the layer-23 head) and yolo11-cls.yaml (the backbone without
 * SPPF, then Classify). The heads themselves are in heads.ts.
 *
 * This file is the single source of truth for layer channels and for the set of tensors a
 * weight file must hold (Ultralytics state_dict names after BatchNorm folding). The weight
 * reader checks files against `expectedTensors()`; the runtime builds its plan from `buildSpec()`.
 */
import { DETECT_HEAD, REG_MAX, classifyLayer, detectLayer, headConvs, headOthers, type ClassifyLayer, type DetectLayer, type HeadSpec } from './heads.js';

export { REG_MAX };
export type { HeadSpec };

export type Scale = 'n' | 's' | 'm' | 'l' | 'x';
export const SCALES: Record<Scale, readonly [depth: number, width: number, maxChannels: number]> = {
  n: [0.5, 0.25, 1024],
  s: [0.5, 0.5, 1024],
  m: [0.5, 1.0, 512],
  l: [1.0, 1.0, 512],
  x: [1.0, 1.5, 512],
};
export const STRIDES = [8, 16, 32] as const;

/** One Conv (conv + folded BN + optional SiLU). `name` is the state_dict prefix, e.g. `model.2.cv1`. */
export interface ConvSpec {
  name: string;
  /** Weight tensor name (`<name>.conv.weight`, or `<name>.weight` for a plain nn.Conv2d). */
  weight: string;
  bias: string;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  groups: number;
  act: boolean;
}

export type LayerSpec =
  | { i: number; type: 'Conv'; from: number; conv: ConvSpec; cout: number }
  | { i: number; type: 'C3k2'; from: number; cout: number; c: number; c3k: boolean; cv1: ConvSpec; cv2: ConvSpec; m: BlockSpec[] }
  | { i: number; type: 'SPPF'; from: number; cout: number; cv1: ConvSpec; cv2: ConvSpec; k: number }
  | { i: number; type: 'C2PSA'; from: number; cout: number; c: number; cv1: ConvSpec; cv2: ConvSpec; m: PSABlockSpec[] }
  | { i: number; type: 'Upsample'; from: number; cout: number }
  | { i: number; type: 'Concat'; from: number[]; cout: number }
  | DetectLayer
  | ClassifyLayer;

/** A C3k2 inner module: a Bottleneck, or a C3k holding Bottlenecks. */
export type BlockSpec =
  | { type: 'Bottleneck'; cv1: ConvSpec; cv2: ConvSpec; add: boolean }
  | { type: 'C3k'; cv1: ConvSpec; cv2: ConvSpec; cv3: ConvSpec; m: BlockSpec[] };

export interface PSABlockSpec {
  name: string;
  heads: number;
  keyDim: number;
  headDim: number;
  qkv: ConvSpec;
  pe: ConvSpec;
  proj: ConvSpec;
  ffn: [ConvSpec, ConvSpec];
}

export interface ModelSpec {
  scale: Scale;
  nc: number;
  head: HeadSpec;
  layers: LayerSpec[];
}

const makeDivisible = (x: number, d: number) => Math.ceil(x / d) * d;

export function conv(name: string, cin: number, cout: number, k: number, stride = 1, groups = 1, act = true, plain = false): ConvSpec {
  const p = plain ? name : `${name}.conv`;
  return { name, weight: `${p}.weight`, bias: `${p}.bias`, cin, cout, k, stride, groups, act };
}

function bottleneck(name: string, c1: number, c2: number, shortcut: boolean, e: number): BlockSpec {
  const c = Math.trunc(c2 * e);
  return { type: 'Bottleneck', cv1: conv(`${name}.cv1`, c1, c, 3), cv2: conv(`${name}.cv2`, c, c2, 3), add: shortcut && c1 === c2 };
}

function c3k(name: string, c1: number, c2: number, n: number): BlockSpec {
  const c = Math.trunc(c2 * 0.5);
  const m = Array.from({ length: n }, (_, j) => bottleneck(`${name}.m.${j}`, c, c, true, 1.0));
  return { type: 'C3k', cv1: conv(`${name}.cv1`, c1, c, 1), cv2: conv(`${name}.cv2`, c1, c, 1), cv3: conv(`${name}.cv3`, 2 * c, c2, 1), m };
}

/** Build the layer table for a scale, class count and head (default: detect). */
export function buildSpec(scale: Scale, nc: number, head: HeadSpec = DETECT_HEAD): ModelSpec {
  const [depth, width, maxCh] = SCALES[scale];
  const ch = (c: number) => makeDivisible(Math.min(c, maxCh) * width, 8);
  const reps = (n: number) => Math.max(Math.round(n * depth), 1);
  const forceC3k = scale === 'm' || scale === 'l' || scale === 'x';
  const layers: LayerSpec[] = [];
  const out: number[] = [];
  const add = (l: LayerSpec) => {
    layers.push(l);
    out.push(l.cout);
  };
  const prev = () => out[out.length - 1];

  const Conv = (c2: number, k: number, s: number) => {
    const i = layers.length;
    const c = conv(`model.${i}`, prev(), ch(c2), k, s);
    add({ i, type: 'Conv', from: -1, conv: c, cout: c.cout });
  };
  const C3k2 = (n: number, c2: number, c3kFlag = false, e = 0.5) => {
    const i = layers.length;
    const c1 = prev();
    const cout = ch(c2);
    const useC3k = c3kFlag || forceC3k;
    const c = Math.trunc(cout * e);
    const name = `model.${i}`;
    const m = Array.from({ length: reps(n) }, (_, j) =>
      useC3k ? c3k(`${name}.m.${j}`, c, c, 2) : bottleneck(`${name}.m.${j}`, c, c, true, 0.5),
    );
    add({ i, type: 'C3k2', from: -1, cout, c, c3k: useC3k, cv1: conv(`${name}.cv1`, c1, 2 * c, 1), cv2: conv(`${name}.cv2`, (2 + m.length) * c, cout, 1), m });
  };
  const SPPF = (c2: number, k: number) => {
    const i = layers.length;
    const c1 = prev();
    const c = Math.trunc(c1 / 2);
    const cout = ch(c2);
    add({ i, type: 'SPPF', from: -1, cout, k, cv1: conv(`model.${i}.cv1`, c1, c, 1), cv2: conv(`model.${i}.cv2`, 4 * c, cout, 1) });
  };
  const C2PSA = (n: number, c2: number) => {
    const i = layers.length;
    const c1 = prev();
    const cout = ch(c2);
    const c = Math.trunc(c1 * 0.5);
    const name = `model.${i}`;
    const m = Array.from({ length: reps(n) }, (_, j): PSABlockSpec => {
      const b = `${name}.m.${j}`;
      const heads = Math.trunc(c / 64);
      const headDim = Math.trunc(c / heads);
      const keyDim = Math.trunc(headDim * 0.5);
      const h = c + keyDim * heads * 2;
      return {
        name: b, heads, keyDim, headDim,
        qkv: conv(`${b}.attn.qkv`, c, h, 1, 1, 1, false),
        pe: conv(`${b}.attn.pe`, c, c, 3, 1, c, false),
        proj: conv(`${b}.attn.proj`, c, c, 1, 1, 1, false),
        ffn: [conv(`${b}.ffn.0`, c, 2 * c, 1), conv(`${b}.ffn.1`, 2 * c, c, 1, 1, 1, false)],
      };
    });
    add({ i, type: 'C2PSA', from: -1, cout, c, cv1: conv(`${name}.cv1`, c1, 2 * c, 1), cv2: conv(`${name}.cv2`, 2 * c, c1, 1), m });
  };
  const Upsample = () => add({ i: layers.length, type: 'Upsample', from: -1, cout: prev() });
  const Concat = (from: number[]) => {
    const i = layers.length;
    const abs = from.map((f) => (f < 0 ? i + f : f));
    add({ i, type: 'Concat', from: abs, cout: abs.reduce((s, f) => s + out[f], 0) });
  };
  const Detect = (from: number[]) => {
    if (head.task === 'classify') throw new Error('Detect on a classify head');
    add(detectLayer(layers.length, from, from.map((f) => out[f]), nc, head, conv, ch));
  };

  out.push(3); // the image; popped below so that layer i's output is out[i]
  Conv(64, 3, 2); //          0-P1/2
  out.splice(0, 1);
  Conv(128, 3, 2); //         1-P2/4
  C3k2(2, 256, false, 0.25); // 2
  Conv(256, 3, 2); //         3-P3/8
  C3k2(2, 512, false, 0.25); // 4
  Conv(512, 3, 2); //         5-P4/16
  C3k2(2, 512, true); //      6
  Conv(1024, 3, 2); //        7-P5/32
  C3k2(2, 1024, true); //     8
  if (head.task === 'classify') {
    // yolo11-cls.yaml: no SPPF and no neck.
    C2PSA(2, 1024); //        9
    add(classifyLayer(layers.length, prev(), nc, conv)); // 10 Classify
    return { scale, nc, head, layers };
  }
  SPPF(1024, 5); //           9
  C2PSA(2, 1024); //          10
  Upsample(); //              11
  Concat([-1, 6]); //         12 cat backbone P4
  C3k2(2, 512, false); //     13
  Upsample(); //              14
  Concat([-1, 4]); //         15 cat backbone P3
  C3k2(2, 256, false); //     16 (P3/8-small)
  Conv(256, 3, 2); //         17
  Concat([-1, 13]); //        18 cat head P4
  C3k2(2, 512, false); //     19 (P4/16-medium)
  Conv(512, 3, 2); //         20
  Concat([-1, 10]); //        21 cat head P5
  C3k2(2, 1024, true); //     22 (P5/32-large)
  Detect([16, 19, 22]); //    23 Detect / Segment / Pose (P3, P4, P5)
  return { scale, nc, head, layers };
}

/** Every Conv of the model, in layer order. */
export function allConvs(spec: ModelSpec): ConvSpec[] {
  const convs: ConvSpec[] = [];
  const block = (b: BlockSpec) => {
    if (b.type === 'Bottleneck') convs.push(b.cv1, b.cv2);
    else {
      convs.push(b.cv1, b.cv2);
      b.m.forEach(block);
      convs.push(b.cv3);
    }
  };
  for (const l of spec.layers) {
    switch (l.type) {
      case 'Conv': convs.push(l.conv); break;
      case 'C3k2': convs.push(l.cv1); l.m.forEach(block); convs.push(l.cv2); break;
      case 'SPPF': convs.push(l.cv1, l.cv2); break;
      case 'C2PSA':
        convs.push(l.cv1);
        for (const b of l.m) convs.push(b.qkv, b.pe, b.proj, ...b.ffn);
        convs.push(l.cv2);
        break;
      case 'Detect':
      case 'Classify':
        convs.push(...headConvs(l));
        break;
    }
  }
  return convs;
}

/**
 * The tensors a weight file for this architecture holds: name → shape (OIHW conv weights, [O] biases,
 * Proto's transposed conv (I, O, 2, 2), Classify's linear (nc, 1280)).
 */
export function expectedTensors(scale: Scale, nc: number, head: HeadSpec = DETECT_HEAD): Map<string, number[]> {
  const spec = buildSpec(scale, nc, head);
  const m = new Map<string, number[]>();
  for (const c of allConvs(spec)) {
    m.set(c.weight, [c.cout, c.cin / c.groups, c.k, c.k]);
    m.set(c.bias, [c.cout]);
  }
  const last = spec.layers[spec.layers.length - 1];
  if (last.type === 'Detect' || last.type === 'Classify') for (const [k, v] of headOthers(last)) m.set(k, v);
  return m;
}

/** The head layer (Detect/Segment/Pose at 23, Classify at 10). */
export function headLayer(spec: ModelSpec): DetectLayer | ClassifyLayer {
  const last = spec.layers[spec.layers.length - 1];
  if (last.type !== 'Detect' && last.type !== 'Classify') throw new Error('spec has no head layer');
  return last;
}
