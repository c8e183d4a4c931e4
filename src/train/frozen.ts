/**
 * The frozen layers below a trainable scope as a forward-only plan (the inference kernels, the source
 * model's weights): the network input (3 × H × W) in, the outputs of the frozen layers that the
 * trainable program reads out. Mirrors src/model/yolo11.ts `buildNetwork`, stopping before `first`.
 */
import { buildSpec, type LayerSpec } from '../model/spec.js';
import { Yolo11Builder } from '../model/yolo11.js';
import { GraphBuilder, slice, type Slice, type TensorRef } from '../plan/graph.js';
import { WeightPacker } from '../plan/weight-packer.js';
import type { AttentionKernel } from '../ops/attention.js';
import type { ConvPicker } from '../ops/conv-variants.js';
import type { Dispatch, View } from '../ops/types.js';
import type { WeightsFile } from '../weights/weights.js';

export interface FrozenPlan {
  input: View;
  /** Layer index → where its output lives after the dispatches ran. */
  outputs: Map<number, View>;
  dispatches: Dispatch[];
  arenaElements: number;
  weights: Float32Array;
}

export function planFrozen(file: WeightsFile, [H, W]: [number, number], first: number, needed: readonly number[], pick?: ConvPicker, attention?: AttentionKernel, pool?: 'loop' | 'rt'): FrozenPlan {
  const spec = buildSpec(file.manifest.scale, file.manifest.nc);
  const g = new GraphBuilder();
  const packer = new WeightPacker(file.tensors);
  const b = new Yolo11Builder(g, packer, pick, attention, pool);
  const input = g.tensor('input', 3, H, W);
  g.pin(input);
  type Out = Slice | TensorRef;
  const outs: Out[] = [];
  const concats = new Map<number, TensorRef>();
  const t = (o: Out) => ('t' in o ? o.t : o);
  const target = (l: LayerSpec, h: number, w: number): Out => {
    for (const c of spec.layers) {
      if (c.type !== 'Concat' || c.i >= first || !c.from.includes(l.i)) continue;
      let cat = concats.get(c.i);
      if (!cat) concats.set(c.i, (cat = g.tensor(`model.${c.i}`, c.cout, h, w)));
      return slice(cat, c.from.slice(0, c.from.indexOf(l.i)).reduce((s, f) => s + spec.layers[f].cout, 0), l.cout);
    }
    return g.tensor(`model.${l.i}`, l.cout, h, w);
  };
  for (const l of spec.layers) {
    if (l.i >= first) break;
    const x: Out = l.i === 0 ? input : outs[l.i - 1];
    const { h, w } = t(x);
    switch (l.type) {
      case 'Conv':
        b.conv(l.conv, x, (outs[l.i] = target(l, Math.ceil(h / l.conv.stride), Math.ceil(w / l.conv.stride))));
        break;
      case 'C3k2':
        b.c3k2(l, x, (outs[l.i] = target(l, h, w)));
        break;
      case 'SPPF':
        b.sppf(l, x, (outs[l.i] = target(l, h, w)));
        break;
      case 'C2PSA':
        b.c2psa(l, x, (outs[l.i] = target(l, h, w)));
        break;
      case 'Upsample':
        b.upsample(x, (outs[l.i] = target(l, 2 * h, 2 * w)), `model.${l.i}`);
        break;
      case 'Concat':
        outs[l.i] = concats.get(l.i)!;
        break;
      default:
        throw new Error(`layer ${l.i} (${l.type}) cannot be frozen`);
    }
  }
  for (const i of needed) g.pin(t(outs[i]));
  const built = g.build();
  const outputs = new Map(needed.map((i) => [i, built.resolve(outs[i])]));
  return { input: built.resolve(input), outputs, dispatches: built.dispatches, arenaElements: built.arenaElements, weights: packer.finish() };
}
