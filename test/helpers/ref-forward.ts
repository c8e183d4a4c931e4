/**
 * A naive TypeScript YOLO11 forward pass (NCHW, batch 1) straight from src/model/spec.ts and the
 * Ultralytics module definitions — the independent reference for models no ONNX file exists for
 * (e.g. a yolo11s with random weights and nc ≠ 80). Slow; for small inputs only.
 */
import { buildSpec, type BlockSpec, type ConvSpec, type Scale } from '../../src/model/spec.js';
import { refConv } from './ref-conv.js';

type T = { d: Float32Array; c: number; h: number; w: number };
const cat = (ts: T[]): T => {
  const out = new Float32Array(ts.reduce((s, t) => s + t.d.length, 0));
  let o = 0;
  for (const t of ts) {
    out.set(t.d, o);
    o += t.d.length;
  }
  return { d: out, c: ts.reduce((s, t) => s + t.c, 0), h: ts[0].h, w: ts[0].w };
};
const chunk = (t: T, c0: number, c: number): T => ({ d: t.d.slice(c0 * t.h * t.w, (c0 + c) * t.h * t.w), c, h: t.h, w: t.w });
const add = (a: T, b: T): T => ({ ...a, d: a.d.map((v, i) => v + b.d[i]) });

function maxpool(t: T, k: number): T {
  const r = (k - 1) / 2;
  const out = new Float32Array(t.d.length);
  for (let c = 0; c < t.c; c++) {
    for (let y = 0; y < t.h; y++) {
      for (let x = 0; x < t.w; x++) {
        let m = -Infinity;
        for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < t.h && xx >= 0 && xx < t.w) m = Math.max(m, t.d[(c * t.h + yy) * t.w + xx]);
        }
        out[(c * t.h + y) * t.w + x] = m;
      }
    }
  }
  return { ...t, d: out };
}

function upsample(t: T): T {
  const out = new Float32Array(t.d.length * 4);
  const W = 2 * t.w;
  for (let c = 0; c < t.c; c++) for (let y = 0; y < 2 * t.h; y++) for (let x = 0; x < W; x++) out[(c * 2 * t.h + y) * W + x] = t.d[(c * t.h + (y >> 1)) * t.w + (x >> 1)];
  return { d: out, c: t.c, h: 2 * t.h, w: W };
}

export function refForward(scale: Scale, nc: number, W: Map<string, Float32Array>, input: T): Float32Array {
  const spec = buildSpec(scale, nc);
  const conv = (s: ConvSpec, x: T): T => {
    const r = refConv(x.d, [x.c, x.h, x.w], W.get(s.weight)!, W.get(s.bias)!, s.cout, s.k, s.stride, s.groups, s.act);
    return { d: r.y, c: s.cout, h: r.oh, w: r.ow };
  };
  const block = (b: BlockSpec, x: T): T => {
    if (b.type === 'Bottleneck') {
      const y = conv(b.cv2, conv(b.cv1, x));
      return b.add ? add(x, y) : y;
    }
    let y = conv(b.cv1, x);
    for (const m of b.m) y = block(m, y);
    return conv(b.cv3, cat([y, conv(b.cv2, x)]));
  };
  const outs: T[] = [];
  for (const l of spec.layers) {
    const x = l.i === 0 ? input : outs[l.i - 1];
    let y: T;
    switch (l.type) {
      case 'Conv': y = conv(l.conv, x); break;
      case 'C3k2': {
        const a = conv(l.cv1, x);
        const ys = [chunk(a, 0, l.c), chunk(a, l.c, l.c)];
        for (const m of l.m) ys.push(block(m, ys[ys.length - 1]));
        y = conv(l.cv2, cat(ys));
        break;
      }
      case 'SPPF': {
        const ys = [conv(l.cv1, x)];
        for (let i = 0; i < 3; i++) ys.push(maxpool(ys[ys.length - 1], l.k));
        y = conv(l.cv2, cat(ys));
        break;
      }
      case 'C2PSA': {
        const a = conv(l.cv1, x);
        let b = chunk(a, l.c, l.c);
        for (const p of l.m) {
          const N = b.h * b.w;
          const qkv = conv(p.qkv, b);
          const C = p.heads * p.headDim;
          const o = new Float32Array(C * N);
          const per = 2 * p.keyDim + p.headDim;
          for (let hd = 0; hd < p.heads; hd++) {
            const base = hd * per * N;
            for (let n = 0; n < N; n++) {
              const s = new Float64Array(N);
              let mx = -Infinity;
              for (let m = 0; m < N; m++) {
                let v = 0;
                for (let k = 0; k < p.keyDim; k++) v += qkv.d[base + k * N + n] * qkv.d[base + (p.keyDim + k) * N + m];
                s[m] = v * p.keyDim ** -0.5;
                mx = Math.max(mx, s[m]);
              }
              let sum = 0;
              for (let m = 0; m < N; m++) sum += (s[m] = Math.exp(s[m] - mx));
              for (let d = 0; d < p.headDim; d++) {
                let v = 0;
                for (let m = 0; m < N; m++) v += qkv.d[base + (2 * p.keyDim + d) * N + m] * s[m] / sum;
                o[(hd * p.headDim + d) * N + n] = v;
              }
            }
          }
          const v = new Float32Array(C * N);
          for (let hd = 0; hd < p.heads; hd++) v.set(qkv.d.slice((hd * per + 2 * p.keyDim) * N, (hd * per + per) * N), hd * p.headDim * N);
          const pe = conv(p.pe, { d: v, c: C, h: b.h, w: b.w });
          const att = add({ d: o, c: C, h: b.h, w: b.w }, pe);
          b = add(b, conv(p.proj, att));
          b = add(b, conv(p.ffn[1], conv(p.ffn[0], b)));
        }
        y = conv(l.cv2, cat([chunk(a, 0, l.c), b]));
        break;
      }
      case 'Upsample': y = upsample(x); break;
      case 'Concat': y = cat(l.from.map((f) => outs[f])); break;
      case 'Detect': {
        const levels = l.from.map((f, j) => {
          let bx = outs[f];
          for (const s of l.box[j]) bx = conv(s, bx);
          let cl = outs[f];
          for (const s of l.cls[j]) cl = conv(s, cl);
          return { bx, cl, stride: 8 * 2 ** j };
        });
        const A = levels.reduce((s, v) => s + v.bx.h * v.bx.w, 0);
        const out = new Float32Array((4 + nc) * A);
        let a = 0;
        for (const { bx, cl, stride } of levels) {
          const hw = bx.h * bx.w;
          for (let i = 0; i < hw; i++, a++) {
            const dist = [0, 1, 2, 3].map((side) => {
              const z = Array.from({ length: 16 }, (_, k) => bx.d[(side * 16 + k) * hw + i]);
              const mx = Math.max(...z);
              const e = z.map((v) => Math.exp(v - mx));
              const s = e.reduce((p, q) => p + q, 0);
              return e.reduce((p, q, k) => p + (q / s) * k, 0);
            });
            const ax = (i % bx.w) + 0.5;
            const ay = Math.floor(i / bx.w) + 0.5;
            const [x1, y1, x2, y2] = [ax - dist[0], ay - dist[1], ax + dist[2], ay + dist[3]];
            out[a] = ((x1 + x2) / 2) * stride;
            out[A + a] = ((y1 + y2) / 2) * stride;
            out[2 * A + a] = (x2 - x1) * stride;
            out[3 * A + a] = (y2 - y1) * stride;
            for (let c = 0; c < nc; c++) out[(4 + c) * A + a] = 1 / (1 + Math.exp(-cl.d[c * hw + i]));
          }
        }
        return out;
      }
    }
    outs.push(y);
  }
  throw new Error('no Detect layer');
}
