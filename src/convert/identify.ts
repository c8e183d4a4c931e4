/** Recognising a YOLO11 detect model from its tensor shapes and metadata (shared by the ONNX and TFLite importers). */
import { UnsupportedModelError } from '../errors.js';
import { SCALES, expectedTensors, type Scale } from '../model/spec.js';

/** Ultralytics metadata `names`: a Python dict literal such as "{0: 'person', 1: 'bicycle'}" (or a list). */
export function parseNames(s: string): string[] {
  const out: string[] = [];
  const re = /(?:(\d+)\s*:\s*)?(['"])((?:\\.|(?!\2).)*)\2/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out[m[1] !== undefined ? Number(m[1]) : out.length] = m[3].replace(/\\(.)/g, '$1');
  return Array.from(out, (v, i) => v ?? `class${i}`);
}

/** Find the scale and nc whose expected tensor set matches `shapes` exactly, or explain why none does. */
export function identifyModel(shapes: Map<string, number[]>, task: string | undefined, ncHint: number | undefined, file: string): { scale: Scale; nc: number } {
  if (task && task !== 'detect') throw new UnsupportedModelError(`${file} is a YOLO "${task}" model; only detect models are supported`);
  const names = [...shapes.keys()];
  if (names.some((n) => /^model\.\d+\.(proto|cv4)\b/.test(n))) throw new UnsupportedModelError(`${file} has segmentation/pose head tensors (proto/cv4): not a detect model`);
  const clsOut = names.find((n) => /^model\.\d+\.cv3\.0\.2\.weight$/.test(n));
  const nc = clsOut ? shapes.get(clsOut)![0] : ncHint;
  if (!nc) throw new UnsupportedModelError(`${file}: no Detect class branch (model.N.cv3.0.2) found`);
  if (!names.some((n) => n.startsWith('model.10.m.0.attn'))) {
    throw new UnsupportedModelError(`${file} has no C2PSA attention at model.10: not YOLO11 (YOLOv8 and others are not supported)`);
  }
  let best: { scale: Scale; bad: string } | undefined;
  for (const scale of Object.keys(SCALES) as Scale[]) {
    const want = expectedTensors(scale, nc);
    const missing = [...want.keys()].filter((k) => !shapes.has(k));
    const extra = names.filter((k) => !want.has(k));
    const wrong = [...want].filter(([k, v]) => shapes.has(k) && shapes.get(k)!.join() !== v.join());
    if (!missing.length && !extra.length && !wrong.length) return { scale, nc };
    const bad = missing.length ? `missing ${missing[0]}` : extra.length ? `unexpected ${extra[0]}` : `${wrong[0][0]} is [${shapes.get(wrong[0][0])}], expected [${wrong[0][1]}]`;
    const score = missing.length + extra.length + wrong.length;
    if (!best || score < (best as unknown as { n: number }).n) best = Object.assign({ scale, bad }, { n: score });
  }
  throw new UnsupportedModelError(`${file} is not a YOLO11 detect model (nc=${nc}); nearest is yolo11${best!.scale}: ${best!.bad}`);
}
