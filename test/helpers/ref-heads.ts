/**
 * Naive TypeScript heads for ref-forward.ts, transcribed from ultralytics/nn/modules/head.py and
 * block.py without sharing any runtime code: Detect's inference output, Segment's coefficients and
 * Proto (with a literal ConvTranspose2d, not the runtime's 1×1-conv rewrite), Pose's kpts_decode,
 * Classify's conv → mean → linear → softmax. Computed in f64 (the runtime in f32).
 */
import type { ClassifyLayer, DetectLayer } from '../../src/model/heads.js';
import type { ConvSpec } from '../../src/model/spec.js';

export type T = { d: Float32Array; c: number; h: number; w: number };
type Conv = (s: ConvSpec, x: T) => T;

/** nn.ConvTranspose2d(cin, cout, k, stride k, padding 0): out[o, y·s + ky, x·s + kx] += in[i, y, x]·W[i, o, ky, kx]. */
export function refTransposedConv(x: T, w: Float32Array, b: Float32Array, cout: number, k: number): T {
  const H = x.h * k;
  const W = x.w * k;
  const out = new Float64Array(cout * H * W);
  for (let o = 0; o < cout; o++) out.fill(b[o], o * H * W, (o + 1) * H * W);
  for (let i = 0; i < x.c; i++) {
    for (let y = 0; y < x.h; y++) {
      for (let xx = 0; xx < x.w; xx++) {
        const v = x.d[(i * x.h + y) * x.w + xx];
        for (let o = 0; o < cout; o++) {
          for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) out[(o * H + y * k + ky) * W + xx * k + kx] += v * w[((i * cout + o) * k + ky) * k + kx];
        }
      }
    }
  }
  return { d: Float32Array.from(out), c: cout, h: H, w: W };
}

/**
 * Detect._inference (+ Segment's mask coefficients, + Pose's kpts_decode): output0 as
 * (4 + nc + extra) × anchors; Segment's protos as output1.
 */
export function refDetectHead(l: DetectLayer, outs: T[], conv: Conv, W: Map<string, Float32Array>): { output0: Float32Array; output1?: Float32Array } {
  const nc = l.nc;
  const levels = l.from.map((f, j) => {
    const run = (convs: ConvSpec[]) => convs.reduce((x, s) => conv(s, x), outs[f]);
    return { bx: run(l.box[j]), cl: run(l.cls[j]), ex: l.nExtra ? run(l.extra[j]) : undefined, stride: 8 * 2 ** j };
  });
  const A = levels.reduce((s, v) => s + v.bx.h * v.bx.w, 0);
  const rows = 4 + nc + l.nExtra;
  const out = new Float32Array(rows * A);
  let a = 0;
  for (const { bx, cl, ex, stride } of levels) {
    const hw = bx.h * bx.w;
    for (let i = 0; i < hw; i++, a++) {
      const dist = [0, 1, 2, 3].map((side) => {
        const z = Array.from({ length: 16 }, (_, k) => bx.d[(side * 16 + k) * hw + i]);
        const mx = Math.max(...z);
        const e = z.map((v) => Math.exp(v - mx));
        const s = e.reduce((p, q) => p + q, 0);
        return e.reduce((p, q, k) => p + (q / s) * k, 0);
      });
      const gx = i % bx.w;
      const gy = Math.floor(i / bx.w);
      const [ax, ay] = [gx + 0.5, gy + 0.5]; // make_anchors, offset 0.5
      const [x1, y1, x2, y2] = [ax - dist[0], ay - dist[1], ax + dist[2], ay + dist[3]];
      out[a] = ((x1 + x2) / 2) * stride;
      out[A + a] = ((y1 + y2) / 2) * stride;
      out[2 * A + a] = (x2 - x1) * stride;
      out[3 * A + a] = (y2 - y1) * stride;
      for (let c = 0; c < nc; c++) out[(4 + c) * A + a] = 1 / (1 + Math.exp(-cl.d[c * hw + i]));
      if (!ex) continue;
      for (let k = 0; k < l.nExtra; k++) {
        const v = ex.d[k * hw + i];
        let r = v; // Segment: the coefficient as is
        if (l.head.task === 'pose') {
          const ndim = l.head.kpt[1];
          // kpts_decode: y[:, 2::ndim].sigmoid(); y[:, 0::ndim] = (y·2 + (anchors[0] − 0.5))·strides, likewise 1::ndim.
          if (k % ndim === 2) r = 1 / (1 + Math.exp(-v));
          else r = (v * 2 + ((k % ndim === 0 ? ax : ay) - 0.5)) * stride;
        }
        out[(4 + nc + k) * A + a] = r;
      }
    }
  }
  if (!l.proto) return { output0: out };
  // Proto: cv3(cv2(upsample(cv1(x)))), upsample = ConvTranspose2d(c_, c_, 2, 2, 0, bias=True).
  const p = l.proto;
  const u = refTransposedConv(conv(p.cv1, outs[l.from[0]]), W.get(p.upsample.weight)!, W.get(p.upsample.bias)!, p.upsample.cout, 2);
  return { output0: out, output1: conv(p.cv3, conv(p.cv2, u)).d };
}

/** Classify.forward (eval): softmax(linear(pool(conv(x)).flatten(1))). */
export function refClassify(l: ClassifyLayer, x: T, conv: Conv, W: Map<string, Float32Array>): Float32Array {
  const h = conv(l.conv, x);
  const hw = h.h * h.w;
  const pooled = Array.from({ length: h.c }, (_, c) => {
    let s = 0;
    for (let i = 0; i < hw; i++) s += h.d[c * hw + i];
    return s / hw;
  });
  const w = W.get(l.linear.weight)!;
  const b = W.get(l.linear.bias)!;
  const logits = Array.from({ length: l.linear.cout }, (_, o) => pooled.reduce((s, v, i) => s + v * w[o * l.linear.cin + i], b[o]));
  const mx = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - mx));
  const sum = e.reduce((p, q) => p + q, 0);
  return Float32Array.from(e, (v) => v / sum);
}
