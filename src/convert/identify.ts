/**
 * Recognising a YOLO11 detect model from its tensor names and shapes plus the export metadata
 * (shared by the ONNX importer and the TFLite importer to come). Anything else is refused with an
 * `UnsupportedModelError` that says what the file looks like instead.
 */
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { SCALES, expectedTensors, type Scale } from '../model/spec.js';

export interface ModelEvidence {
  /** The model file's name, for messages. */
  file: string;
  /** Conv weights/biases recovered from the graph, by state_dict name: OIHW weights, [O] biases. */
  shapes: Map<string, number[]>;
  /** Every parameter name the file holds (Conv or not, e.g. a classifier's `model.10.linear.weight`). */
  allNames: string[];
  /** Ultralytics metadata, when the file has it. */
  task?: string;
  kptShape?: string;
}

const TASKS: Record<string, string> = { segment: 'segmentation', pose: 'pose', classify: 'classification', obb: 'oriented-box (OBB)' };
const any = (names: string[], re: RegExp) => names.find((n) => re.test(n));

/** Throws UnsupportedModelError unless the evidence looks like a YOLO11 detect model. */
export function checkFamily(ev: ModelEvidence): void {
  const { file, task } = ev;
  if (task !== undefined && task !== 'detect') {
    throw new UnsupportedModelError(`${file} is a YOLO ${TASKS[task] ?? JSON.stringify(task)} model (metadata task=${JSON.stringify(task)}); only detect models are supported`);
  }
  const names = [...new Set([...ev.allNames, ...ev.shapes.keys()])];
  const ours = names.filter((n) => /^model\.\d+\./.test(n));
  if (!ours.length) {
    const eg = names.slice(0, 3).map((n) => `"${n}"`).join(', ');
    throw new UnsupportedModelError(`${file} has no Ultralytics model.N tensors (found ${names.length} parameters${eg ? `, e.g. ${eg}` : ''}): not an Ultralytics YOLO export`);
  }
  const proto = any(ours, /^model\.\d+\.proto\./);
  if (proto) throw new UnsupportedModelError(`${file} is a YOLO segmentation model (mask prototype tensor ${proto}); only detect models are supported`);
  const cv4 = any(ours, /^model\.\d+\.cv4\./);
  if (cv4) {
    const kind = ev.kptShape ? 'pose' : 'pose or OBB';
    throw new UnsupportedModelError(`${file} is a YOLO ${kind} model (extra head branch ${cv4}); only detect models are supported`);
  }
  const linear = any(ours, /^model\.\d+\.linear\./);
  if (linear) throw new UnsupportedModelError(`${file} is a YOLO classification model (classifier ${linear}); only detect models are supported`);
  if (!any(ours, /^model\.\d+\.m\.\d+\.attn\./)) {
    const bottleneck = any(ours, /^model\.\d+\.m\.\d+\.cv1\./);
    const c3k = any(ours, /^model\.\d+\.m\.\d+\.cv3\./);
    if (bottleneck && !c3k) {
      throw new UnsupportedModelError(`${file} looks like YOLOv8 (C2f blocks such as ${bottleneck.replace(/\.(conv\.)?(weight|bias)$/, '')}, no C3k and no C2PSA attention): only YOLO11 is supported`);
    }
    throw new UnsupportedModelError(`${file} has no C2PSA attention block (model.N.m.0.attn): not a YOLO11 model`);
  }
}

/** Find the scale and nc whose expected tensor set matches `shapes` exactly, or report the nearest mismatch. */
export function identifyModel(ev: ModelEvidence): { scale: Scale; nc: number } {
  checkFamily(ev);
  const { file, shapes } = ev;
  const names = [...shapes.keys()];
  const clsOut = any(names, /^model\.\d+\.cv3\.0\.2\.weight$/);
  if (!clsOut) throw new UnsupportedModelError(`${file} has no Detect class branch (model.N.cv3.0.2.weight): not a YOLO detect model`);
  const nc = shapes.get(clsOut)![0]; // (nc, c3, 1, 1)
  if (!(nc >= 1 && nc <= 4096)) throw new UnsupportedModelError(`${file}: class branch ${clsOut} has ${nc} outputs, not a class count in 1..4096`);
  let best: { scale: Scale; why: string; n: number } | undefined;
  for (const scale of Object.keys(SCALES) as Scale[]) {
    const want = expectedTensors(scale, nc);
    const missing = [...want.keys()].filter((k) => !shapes.has(k));
    const extra = names.filter((k) => !want.has(k));
    const wrong = [...want].filter(([k, v]) => shapes.has(k) && shapes.get(k)!.join() !== v.join());
    const n = missing.length + extra.length + wrong.length;
    if (n === 0) return { scale, nc };
    const why = [
      wrong.length && `${wrong[0][0]} is [${shapes.get(wrong[0][0])}], expected [${wrong[0][1]}]${wrong.length > 1 ? ` (+${wrong.length - 1} more shapes differ)` : ''}`,
      missing.length && `missing ${missing[0]}${missing.length > 1 ? ` (+${missing.length - 1} more)` : ''}`,
      extra.length && `unexpected ${extra[0]}${extra.length > 1 ? ` (+${extra.length - 1} more)` : ''}`,
    ].filter(Boolean).join('; ');
    if (!best || n < best.n) best = { scale, why, n };
  }
  throw new UnsupportedModelError(`${file} does not match any YOLO11 detect scale with nc=${nc}; nearest is yolo11${best!.scale}: ${best!.why}`);
}

/** The class names: the metadata's when present (they must number nc), else class0…class{nc-1}. */
export function resolveNames(names: string[] | undefined, nc: number, file: string): string[] {
  if (!names) return Array.from({ length: nc }, (_, i) => `class${i}`);
  if (names.length !== nc) throw new ModelImportError(`${file}: metadata names lists ${names.length} classes but the Detect head has ${nc} outputs`);
  return names;
}
