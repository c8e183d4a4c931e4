/**
 * Recognising a YOLO11 model and its task from its tensor names and shapes plus the export metadata
 * (shared by the ONNX and TFLite importers): detect, segment (a `proto` module and a `cv4` mask
 * branch), pose (a `cv4` keypoint branch; `kpt_shape` from the metadata) and classify (a `linear`
 * classifier). Anything else — OBB, YOLOv8, non-Ultralytics graphs — is refused with an
 * `UnsupportedModelError` that says what the file looks like instead.
 */
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { SCALES, expectedTensors, type Scale } from '../model/spec.js';
import { TASKS, describeHead, type HeadSpec, type Task } from '../model/heads.js';
import { parseKptShape } from './metadata.js';

export interface ModelEvidence {
  /** The model file's name, for messages. */
  file: string;
  /** Parameters recovered from the graph, by state_dict name: OIHW conv weights, [O] biases, the transposed conv, the linear. */
  shapes: Map<string, number[]>;
  /** Every parameter name the file holds (a name-only view, before shapes are known). */
  allNames: string[];
  /** Ultralytics metadata, when the file has it. */
  task?: string;
  /** `kpt_shape`: "[17, 3]" (ONNX, a Python repr) or [17, 3] (TFLite JSON). */
  kptShape?: unknown;
}

const KINDS: Record<string, string> = { segment: 'segmentation', pose: 'pose', classify: 'classification', obb: 'oriented-box (OBB)' };
const any = (names: string[], re: RegExp) => names.find((n) => re.test(n));
const RUNS = 'this runtime runs detect, segment, pose and classify models';

/** Throws UnsupportedModelError unless the evidence looks like a YOLO11 model of a supported task. */
export function checkFamily(ev: ModelEvidence): void {
  const { file, task } = ev;
  if (task !== undefined && !TASKS.includes(task as Task)) {
    throw new UnsupportedModelError(`${file} is a YOLO ${KINDS[task] ?? JSON.stringify(task)} model (metadata task=${JSON.stringify(task)}); ${RUNS}`);
  }
  const names = [...new Set([...ev.allNames, ...ev.shapes.keys()])];
  const ours = names.filter((n) => /^model\.\d+\./.test(n));
  if (!ours.length) {
    const eg = names.slice(0, 3).map((n) => `"${n}"`).join(', ');
    throw new UnsupportedModelError(`${file} has no Ultralytics model.N tensors (found ${names.length} parameters${eg ? `, e.g. ${eg}` : ''}): not an Ultralytics YOLO export`);
  }
  if (!any(ours, /^model\.\d+\.m\.\d+\.attn\./)) {
    const bottleneck = any(ours, /^model\.\d+\.m\.\d+\.cv1\./);
    const c3k = any(ours, /^model\.\d+\.m\.\d+\.cv3\./);
    if (bottleneck && !c3k) {
      throw new UnsupportedModelError(`${file} looks like YOLOv8 (C2f blocks such as ${bottleneck.replace(/\.(conv\.)?(weight|bias)$/, '')}, no C3k and no C2PSA attention): only YOLO11 is supported`);
    }
    throw new UnsupportedModelError(`${file} has no C2PSA attention block (model.N.m.0.attn): not a YOLO11 model`);
  }
}

/** The head: from the metadata task when there is one, else from the head's tensors. */
export function inferHead(ev: ModelEvidence): HeadSpec {
  const names = [...new Set([...ev.allNames, ...ev.shapes.keys()])];
  const cv4out = (ev.shapes.get('model.23.cv4.0.2.weight') ?? [])[0];
  const task = (ev.task as Task | undefined)
    ?? (any(names, /^model\.\d+\.proto\./) ? 'segment' : any(names, /^model\.\d+\.linear\./) ? 'classify' : any(names, /^model\.\d+\.cv4\./) ? 'pose' : 'detect');
  switch (task) {
    case 'segment':
      return { task, nm: cv4out ?? (ev.shapes.get('model.23.proto.cv3.conv.weight') ?? [32])[0] };
    case 'pose': {
      if (ev.kptShape !== undefined) return { task, kpt: parseKptShape(ev.kptShape) };
      if (cv4out === 1) throw new UnsupportedModelError(`${ev.file} is a YOLO oriented-box (OBB) model (one angle per box in model.23.cv4); ${RUNS}`);
      // No metadata: Ultralytics' (K, 3) when the branch's width allows it, else (K, 2).
      if (!cv4out) return { task, kpt: [17, 3] };
      return { task, kpt: cv4out % 3 === 0 ? [cv4out / 3, 3] : [cv4out / 2, 2] };
    }
    default:
      return { task } as HeadSpec;
  }
}

/** Find the scale and nc whose expected tensor set matches `shapes` exactly, or report the nearest mismatch. */
export function identifyModel(ev: ModelEvidence): { scale: Scale; nc: number; head: HeadSpec } {
  checkFamily(ev);
  const { file, shapes } = ev;
  const head = inferHead(ev);
  const names = [...shapes.keys()];
  const clsOut = head.task === 'classify' ? any(names, /^model\.\d+\.linear\.weight$/) : any(names, /^model\.\d+\.cv3\.0\.2\.weight$/);
  if (!clsOut) {
    const want = head.task === 'classify' ? 'classifier (model.N.linear.weight)' : 'Detect class branch (model.N.cv3.0.2.weight)';
    throw new UnsupportedModelError(`${file} has no ${want}: not a YOLO ${head.task} model`);
  }
  const nc = shapes.get(clsOut)![0]; // (nc, c3, 1, 1) or (nc, 1280)
  if (!(nc >= 1 && nc <= 4096)) throw new UnsupportedModelError(`${file}: class branch ${clsOut} has ${nc} outputs, not a class count in 1..4096`);
  if (head.task === 'pose') {
    const nk = shapes.get('model.23.cv4.0.2.weight')?.[0];
    if (nk !== undefined && nk !== head.kpt[0] * head.kpt[1]) {
      throw new UnsupportedModelError(`${file}: the keypoint branch model.23.cv4.0.2 predicts ${nk} values per box, kpt_shape (${head.kpt[0]}, ${head.kpt[1]}) needs ${head.kpt[0] * head.kpt[1]}`);
    }
  }
  let best: { scale: Scale; why: string; n: number } | undefined;
  for (const scale of Object.keys(SCALES) as Scale[]) {
    const want = expectedTensors(scale, nc, head);
    const missing = [...want.keys()].filter((k) => !shapes.has(k));
    const extra = names.filter((k) => !want.has(k));
    const wrong = [...want].filter(([k, v]) => shapes.has(k) && shapes.get(k)!.join() !== v.join());
    const n = missing.length + extra.length + wrong.length;
    if (n === 0) return { scale, nc, head };
    const why = [
      wrong.length && `${wrong[0][0]} is [${shapes.get(wrong[0][0])}], expected [${wrong[0][1]}]${wrong.length > 1 ? ` (+${wrong.length - 1} more shapes differ)` : ''}`,
      missing.length && `missing ${missing[0]}${missing.length > 1 ? ` (+${missing.length - 1} more)` : ''}`,
      extra.length && `unexpected ${extra[0]}${extra.length > 1 ? ` (+${extra.length - 1} more)` : ''}`,
    ].filter(Boolean).join('; ');
    if (!best || n < best.n) best = { scale, why, n };
  }
  throw new UnsupportedModelError(`${file} does not match any YOLO11 ${describeHead(head)} scale with nc=${nc}; nearest is yolo11${best!.scale}: ${best!.why}`);
}

/** The class names: the metadata's when present (they must number nc), else class0…class{nc-1}. */
export function resolveNames(names: string[] | undefined, nc: number, file: string, head = 'Detect head'): string[] {
  if (!names) return Array.from({ length: nc }, (_, i) => `class${i}`);
  if (names.length !== nc) throw new ModelImportError(`${file}: metadata names lists ${names.length} classes but the ${head} has ${nc} outputs`);
  return names;
}
