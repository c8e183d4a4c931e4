/**
 * For graphs whose tensors carry no Ultralytics names (TFLite exports), each Conv of the spec with
 * the Conv its input is computed from ("parent"; `null` = the image). Walking the spec in this
 * order, a conv can be found among the convs that consume its parent's output through non-conv ops.
 */
import type { BlockSpec, ConvSpec, ModelSpec } from '../model/spec.js';

export interface ConvLink {
  conv: ConvSpec;
  parent: ConvSpec | null;
}

export function convLinks(spec: ModelSpec): ConvLink[] {
  const links: ConvLink[] = [];
  const out: (ConvSpec | null)[] = []; // the conv producing each layer's output
  const link = (conv: ConvSpec, parent: ConvSpec | null) => {
    links.push({ conv, parent });
    return conv;
  };
  const block = (b: BlockSpec, x: ConvSpec): ConvSpec => {
    if (b.type === 'Bottleneck') return link(b.cv2, link(b.cv1, x));
    let y = link(b.cv1, x);
    for (const m of b.m) y = block(m, y);
    link(b.cv2, x);
    return link(b.cv3, y);
  };
  for (const l of spec.layers) {
    const x = l.i === 0 ? null : out[l.i - 1];
    switch (l.type) {
      case 'Conv': out.push(link(l.conv, x)); break;
      case 'C3k2': {
        let y = link(l.cv1, x!);
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
          let y = out[f]!;
          for (const c of l.box[j]) y = link(c, y);
          y = out[f]!;
          for (const c of l.cls[j]) y = link(c, y);
        });
        out.push(null);
        break;
    }
  }
  return links;
}
