/**
 * For graphs whose tensors carry no Ultralytics names (TFLite exports), each parameterised op of the
 * spec (Conv, Proto's transposed conv, Classify's linear) with the op its input is computed from
 * ("parent"; `null` = the image). Walking the spec in this order, an op can be found among the ops
 * that consume its parent's output through parameter-free ops.
 */
import type { BlockSpec, ConvSpec, ModelSpec } from '../model/spec.js';
import type { LinearSpec, TConvSpec } from '../model/heads.js';

export type LinkedOp = ConvSpec | TConvSpec | LinearSpec;

export interface ConvLink {
  conv: LinkedOp;
  parent: LinkedOp | null;
}

export function convLinks(spec: ModelSpec): ConvLink[] {
  const links: ConvLink[] = [];
  const out: (LinkedOp | null)[] = []; // the op producing each layer's output
  const link = <T extends LinkedOp>(conv: T, parent: LinkedOp | null): T => {
    links.push({ conv, parent });
    return conv;
  };
  const block = (b: BlockSpec, x: LinkedOp): LinkedOp => {
    if (b.type === 'Bottleneck') return link(b.cv2, link(b.cv1, x));
    let y: LinkedOp = link(b.cv1, x);
    for (const m of b.m) y = block(m, y);
    link(b.cv2, x);
    return link(b.cv3, y);
  };
  for (const l of spec.layers) {
    const x = l.i === 0 ? null : out[l.i - 1];
    switch (l.type) {
      case 'Conv': out.push(link(l.conv, x)); break;
      case 'C3k2': {
        let y: LinkedOp = link(l.cv1, x!);
        for (const m of l.m) y = block(m, y);
        out.push(link(l.cv2, l.cv1));
        break;
      }
      case 'SPPF': out.push(link(l.cv2, link(l.cv1, x!))); break;
      case 'C2PSA': {
        let y = link(l.cv1, x!);
        for (const b of l.m) {
          const qkv = link(b.qkv, y);
          link(b.pe, qkv);
          const proj = link(b.proj, qkv);
          y = link(b.ffn[1], link(b.ffn[0], proj));
        }
        out.push(link(l.cv2, l.cv1));
        break;
      }
      case 'Upsample': out.push(x); break;
      case 'Concat': out.push(out[l.from[0]]); break;
      case 'Detect':
        l.from.forEach((f, j) => {
          for (const branch of [l.box[j], l.cls[j], l.extra[j] ?? []]) {
            let y = out[f]!;
            for (const c of branch) y = link(c, y);
          }
        });
        if (l.proto) link(l.proto.cv3, link(l.proto.cv2, link(l.proto.upsample, link(l.proto.cv1, out[l.from[0]]))));
        out.push(null);
        break;
      case 'Classify':
        out.push(link(l.linear, link(l.conv, x)));
        break;
    }
  }
  return links;
}
