/**
 * A naive TypeScript YOLO11 forward pass (NCHW, batch 1) straight from src/model/spec.ts and the
 * Ultralytics module definitions — the independent reference for models no ONNX file exists for
 * (e.g. a yolo11s with random weights and nc ≠ 80), for every task (heads in ref-heads.ts). Slow;
 * for small inputs only.
 */
import { buildSpec, type BlockSpec, type ConvSpec, type HeadSpec, type Scale } from '../../src/model/spec.js';
import { refConv } from './ref-conv.js';
import { refClassify, refDetectHead, type T } from './ref-heads.js';
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

/** Detect: output0, (4 + nc) × anchors. */
export function refForward(scale: Scale, nc: number, W: Map<string, Float32Array>, input: T): Float32Array {
  return refForwardTask(scale, nc, { task: 'detect' }, W, input).output0;
}

/** Any task: output0 ((4 + nc [+ nm | K·D]) × anchors, or the nc probabilities of classify) and Segment's protos (output1). */
export function refForwardTask(scale: Scale, nc: number, head: HeadSpec, W: Map<string, Float32Array>, input: T): { output0: Float32Array; output1?: Float32Array } {
  const spec = buildSpec(scale, nc, head);
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
      case 'Detect':
        return refDetectHead(l, outs, conv, W);
      case 'Classify':
        return { output0: refClassify(l, x, conv, W) };
    }
    outs.push(y);
  }
  throw new Error('no head layer');
}
