/**
 * Plain-TS post-processing of output0 ((4 + nc) × A): the test reference of the GPU decode + NMS, and
 * the CPU fallback. It follows Ultralytics non_max_suppression (multi_label=False) literally:
 *   best class per anchor (first of equal maxima); keep score > conf; then the `classes` filter;
 *   xywh → xyxy; more than max_nms = 30000 → the 30000 best; boxes + class·7680 (max_wh) unless
 *   agnostic; torchvision.ops.nms (stable sort by score desc, IoU = inter / (areaA + areaB − inter),
 *   no +1, suppress when IoU > iou); the first maxDet kept; optionally scale_boxes + clip_boxes.
 * Tensors are f32 there, so every operation here is rounded to f32 (Math.fround; an f64 result of
 * one +, −, ×, ÷ on f32 values rounds to the correctly rounded f32 result). Comparisons are as torch
 * makes them: score > conf in f32, the f32 IoU > iou in f64 (torchvision's C++ takes a double).
 * Deviation, shared with the GPU: an anchor with any non-finite output value is dropped (Ultralytics
 * would pass a NaN box with a finite score on to NMS, where it suppresses nothing).
 */
const fr = Math.fround;
/** Ultralytics non_max_suppression defaults. */
export const MAX_WH = 7680;
export const MAX_NMS = 30000;

export interface NmsOptions {
  conf: number;
  iou: number;
  maxDet: number;
  agnostic?: boolean;
  /** Keep only these class ids (applied after the best class is chosen, as Ultralytics). */
  classes?: readonly number[];
}

/** scale_boxes + clip_boxes: boxes to source pixels ((x − pad) / gain, clamped to the image). */
export interface ScaleToSource {
  gain: number;
  padX: number;
  padY: number;
  srcW: number;
  srcH: number;
}

export interface RefDetection {
  box: [number, number, number, number];
  score: number;
  classId: number;
  /** The anchor (column of output0) the box came from. */
  anchor: number;
}

export interface Candidate {
  box: [number, number, number, number];
  score: number;
  classId: number;
  anchor: number;
}

/** The NMS candidates of output0, in anchor order, and how many anchors were dropped as non-finite. */
export function candidatesRef(output0: Float32Array, nc: number, o: Pick<NmsOptions, 'conf' | 'classes'>): { candidates: Candidate[]; nonFinite: number } {
  const A = output0.length / (4 + nc);
  if (!Number.isInteger(A)) throw new Error(`output0 has ${output0.length} values, not a multiple of 4 + nc = ${4 + nc}`);
  const conf = fr(o.conf);
  const allowed = o.classes ? new Set(o.classes) : undefined;
  const candidates: Candidate[] = [];
  let nonFinite = 0;
  for (let a = 0; a < A; a++) {
    let finite = true;
    for (let r = 0; r < 4 + nc; r++) finite &&= Number.isFinite(output0[r * A + a]);
    if (!finite) {
      nonFinite++;
      continue;
    }
    let score = -1;
    let classId = 0;
    for (let c = 0; c < nc; c++) {
      const v = output0[(4 + c) * A + a];
      if (v > score) [score, classId] = [v, c];
    }
    if (!(score > conf) || (allowed && !allowed.has(classId))) continue;
    const [cx, cy, w, h] = [0, 1, 2, 3].map((r) => output0[r * A + a]);
    const hw = fr(w / 2);
    const hh = fr(h / 2);
    candidates.push({ box: [fr(cx - hw), fr(cy - hh), fr(cx + hw), fr(cy + hh)], score, classId, anchor: a });
  }
  return { candidates, nonFinite };
}

/** torchvision.ops.nms on f32 boxes (x1, y1, x2, y2): indices kept, best first. */
export function nmsRef(boxes: ArrayLike<number>[], scores: ArrayLike<number>, iou: number): number[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[j] - scores[i]); // stable
  const area = boxes.map((b) => fr(fr(b[2] - b[0]) * fr(b[3] - b[1])));
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let x = 0; x < n; x++) {
    const i = order[x];
    if (suppressed[i]) continue;
    keep.push(i);
    const bi = boxes[i];
    for (let y = x + 1; y < n; y++) {
      const j = order[y];
      if (suppressed[j]) continue;
      const bj = boxes[j];
      const w = Math.max(0, fr(Math.min(bi[2], bj[2]) - Math.max(bi[0], bj[0])));
      const h = Math.max(0, fr(Math.min(bi[3], bj[3]) - Math.max(bi[1], bj[1])));
      const inter = fr(w * h);
      if (fr(inter / fr(fr(area[i] + area[j]) - inter)) > iou) suppressed[j] = 1;
    }
  }
  return keep;
}

/** scale_boxes + clip_boxes on one f32 box. */
export function scaleBoxRef(b: readonly number[], s: ScaleToSource): [number, number, number, number] {
  const g = fr(s.gain);
  const x = (v: number) => Math.min(Math.max(fr(fr(v - s.padX) / g), 0), s.srcW);
  const y = (v: number) => Math.min(Math.max(fr(fr(v - s.padY) / g), 0), s.srcH);
  return [x(b[0]), y(b[1]), x(b[2]), y(b[3])];
}

/** Ultralytics post-processing of one image's output0; boxes in network-input pixels unless `scale` is given. */
export function postprocessRef(output0: Float32Array, nc: number, o: NmsOptions, scale?: ScaleToSource): RefDetection[] {
  let { candidates } = candidatesRef(output0, nc, o);
  if (candidates.length > MAX_NMS) candidates = [...candidates].sort((p, q) => q.score - p.score).slice(0, MAX_NMS);
  const boxes = candidates.map((c) => {
    const off = o.agnostic ? 0 : fr(c.classId * MAX_WH);
    return c.box.map((v) => fr(v + off));
  });
  const keep = nmsRef(boxes, candidates.map((c) => c.score), o.iou).slice(0, Math.max(0, o.maxDet));
  return keep.map((i) => {
    const c = candidates[i];
    return { box: scale ? scaleBoxRef(c.box, scale) : c.box, score: c.score, classId: c.classId, anchor: c.anchor };
  });
}
