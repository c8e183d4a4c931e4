/**
 * Plain-TS reference post-processing of output0 ((4 + nc) × A): Ultralytics non_max_suppression
 * (best class per anchor, score > conf, class offset 7680·class unless agnostic) with torchvision's
 * greedy NMS (suppress IoU > iou), then scale_boxes back to the source image.
 */
export interface RefBox {
  box: [number, number, number, number];
  score: number;
  classId: number;
}

export function refPostprocess(
  out0: Float32Array, nc: number, o: { conf: number; iou: number; maxDet: number; agnostic?: boolean },
  g?: { gain: number; left: number; top: number; srcW: number; srcH: number },
): RefBox[] {
  const A = out0.length / (4 + nc);
  const cand: { b: number[]; s: number; c: number }[] = [];
  for (let a = 0; a < A; a++) {
    let s = -1;
    let c = 0;
    for (let k = 0; k < nc; k++) {
      const v = out0[(4 + k) * A + a];
      if (v > s) {
        s = v;
        c = k;
      }
    }
    if (!(s > o.conf)) continue;
    const [cx, cy, w, h] = [0, 1, 2, 3].map((r) => out0[r * A + a]);
    cand.push({ b: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], s, c });
  }
  cand.sort((x, y) => y.s - x.s);
  const off = (c: number) => (o.agnostic ? 0 : c * 7680);
  const keep: typeof cand = [];
  const dead = new Uint8Array(cand.length);
  for (let i = 0; i < cand.length && keep.length < o.maxDet; i++) {
    if (dead[i]) continue;
    keep.push(cand[i]);
    const a = cand[i].b.map((v) => v + off(cand[i].c));
    const areaA = (a[2] - a[0]) * (a[3] - a[1]);
    for (let j = i + 1; j < cand.length; j++) {
      const b = cand[j].b.map((v) => v + off(cand[j].c));
      const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
      const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
      const inter = iw * ih;
      if (inter / (areaA + (b[2] - b[0]) * (b[3] - b[1]) - inter) > o.iou) dead[j] = 1;
    }
  }
  return keep.map((k) => {
    let box = k.b as [number, number, number, number];
    if (g) {
      const cx = (v: number) => Math.min(Math.max((v - g.left) / g.gain, 0), g.srcW);
      const cy = (v: number) => Math.min(Math.max((v - g.top) / g.gain, 0), g.srcH);
      box = [cx(box[0]), cy(box[1]), cx(box[2]), cy(box[3])];
    }
    return { box, score: k.s, classId: k.c };
  });
}
