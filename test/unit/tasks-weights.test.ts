/**
 * Segment, pose and classify in the architecture (spec + heads), the weight format and the TFLite
 * converter: the three official exports in ../shared/models convert, their parameter counts are
 * Ultralytics' fused ones minus DFL's fixed 16 weights, and a defective manifest or head is a
 * one-line typed error at load.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as E from '../../src/errors.js';
import { buildSpec, expectedTensors, headLayer, type HeadSpec } from '../../src/model/spec.js';
import { convertModel } from '../../src/convert/index.js';
import { WEIGHTS_MAGIC, writeTensorFile, type WriteTensor } from '../../src/weights/format.js';
import { parameterCount, readWeights, writeWeights, type WeightsFields } from '../../src/weights/weights.js';
import { fixture } from '../helpers/fixtures.js';

const SEG: HeadSpec = { task: 'segment', nm: 32 };
const POSE: HeadSpec = { task: 'pose', kpt: [17, 3] };
const CLS: HeadSpec = { task: 'classify' };
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const params = (m: Map<string, number[]>) => [...m.values()].reduce((a, s) => a + numel(s), 0);

describe('heads in the layer table', () => {
  test('tensor sets: Segment = Detect + cv4 + Proto, Pose = Detect + cv4, Classify = backbone to C2PSA + Classify', () => {
    const det = expectedTensors('n', 80);
    const seg = expectedTensors('n', 80, SEG);
    expect(seg.get('model.23.proto.upsample.weight')).toEqual([64, 64, 2, 2]); // npr = make_divisible(min(256, 1024)·0.25, 8)
    expect(seg.get('model.23.proto.cv3.conv.weight')).toEqual([32, 64, 1, 1]);
    expect(seg.get('model.23.cv4.0.0.conv.weight')).toEqual([32, 64, 3, 3]); // c4 = max(64 // 4, 32)
    expect(seg.get('model.23.cv4.2.2.weight')).toEqual([32, 32, 1, 1]);
    expect(seg.size - det.size).toBe(2 * (9 + 3 + 1));
    const pose = expectedTensors('n', 1, POSE);
    expect(pose.get('model.23.cv4.1.0.conv.weight')).toEqual([51, 128, 3, 3]); // c4 = max(64 // 4, 51)
    expect(pose.get('model.23.cv4.0.2.bias')).toEqual([51]);
    const cls = expectedTensors('n', 1000, CLS);
    expect(cls.get('model.10.conv.conv.weight')).toEqual([1280, 256, 1, 1]);
    expect(cls.get('model.10.linear.weight')).toEqual([1000, 1280]);
    expect([...cls.keys()].some((k) => k.startsWith('model.9.m.'))).toBe(true); // C2PSA is layer 9 (no SPPF)
    expect(headLayer(buildSpec('s', 3, SEG)).type).toBe('Detect');
    expect(expectedTensors('s', 3, SEG).get('model.23.proto.cv1.conv.weight')).toEqual([128, 128, 3, 3]);
    expect(expectedTensors('x', 3, SEG).get('model.23.proto.cv1.conv.weight')).toEqual([384, 384, 3, 3]);
  });

  // Ultralytics' fused yolo11n-seg / -pose / -cls (1000 classes) counts include DFL's 16 fixed weights,
  // which are not stored: 2,868,664, 2,866,468 and 2,807,024 parameters (yolo11n-cls has no DFL).
  test.each([
    ['yolo11n-seg-coco-640-fullint8.tflite', { task: 'segment', nm: 32, nc: 80, imgsz: [640, 640] }, 2_868_648, 'person'],
    ['yolo11n-pose-coco-256-hybrid.tflite', { task: 'pose', kptShape: [17, 3], nc: 1, imgsz: [256, 256] }, 2_866_452, 'person'],
    ['yolo11n-cls-imagenet-320-hybrid.tflite', { task: 'classify', nc: 1000, imgsz: [320, 320] }, 2_807_024, 'tench'],
  ] as const)('%s converts: task, shape parameters, names, parameters', async (file, want, n, first) => {
    const w = await readWeights(await convertModel(new Uint8Array(readFileSync(fixture(`models/${file}`))), file));
    expect(w.manifest).toMatchObject({ scale: 'n', ...want });
    expect(w.manifest.names[0]).toBe(first);
    expect(parameterCount(w)).toBe(n);
    if (want.task === 'classify') expect(w.manifest.strides).toBeUndefined();
  }, 60_000);
});

describe('task manifests and heads that do not fit: one-line typed errors at load', () => {
  const fields = (o: Partial<WeightsFields> = {}): WeightsFields => ({ scale: 'n', nc: 2, names: ['a', 'b'], imgsz: [64, 64], source: { file: 'x', sha256: '0'.repeat(64), format: 'test' }, ...o });
  const tensorsOf = (head: HeadSpec, nc = 2, edit: (m: Map<string, number[]>) => void = () => {}): WriteTensor[] => {
    const m = new Map(expectedTensors('n', nc, head));
    edit(m);
    return [...m].map(([name, shape]) => ({ name, shape, data: new Float32Array(numel(shape)).fill(0.01) }));
  };
  const fullManifest = (o: Record<string, unknown>) => ({ kind: 'weights', family: 'yolo11', strides: [8, 16, 32], ...fields(), ...o });

  test('each task round-trips through the writer and the reader', async () => {
    for (const [head, extra] of [[SEG, { task: 'segment', nm: 32 }], [POSE, { task: 'pose', kptShape: [17, 3] }], [CLS, { task: 'classify' }]] as const) {
      const f = await readWeights(await writeWeights(fields(extra as Partial<WeightsFields>), tensorsOf(head)));
      expect(f.manifest.task).toBe(head.task);
      expect(parameterCount(f)).toBe(params(expectedTensors('n', 2, head)));
    }
  });

  test.each([
    ['an OBB file', { task: 'obb' }, tensorsOf({ task: 'detect' }), E.UnsupportedTaskError, /weight file is for task "obb", which this runtime does not run \(it runs detect, segment, pose, classify\)/],
    ['pose with kptShape (17, 4)', { task: 'pose', kptShape: [17, 4] }, tensorsOf(POSE), E.BadManifestError, /kptShape \[17,4\] must be \[K, 2\] or \[K, 3\]/],
    ['pose without kptShape', { task: 'pose' }, tensorsOf(POSE), E.BadManifestError, /kptShape undefined/],
    ['segment without nm', { task: 'segment' }, tensorsOf(SEG), E.BadManifestError, /nm undefined/],
    ['kptShape on a detect model', { task: 'detect', kptShape: [17, 3] }, tensorsOf({ task: 'detect' }), E.BadManifestError, /kptShape is only for pose/],
    ['classify with strides', { task: 'classify' }, tensorsOf(CLS), E.BadManifestError, /strides are not part of a classify model/],
    ['a proto that makes 16 masks for 32 coefficients', { task: 'segment', nm: 32 }, tensorsOf(SEG, 2, (m) => {
      m.set('model.23.proto.cv3.conv.weight', [16, 64, 1, 1]).set('model.23.proto.cv3.conv.bias', [16]);
    }), E.ShapeMismatchError, /segment model: the proto module makes 16 mask prototypes .* but each box has 32 mask coefficients/],
    ['a keypoint branch of 34 values for kptShape (17, 3)', { task: 'pose', kptShape: [17, 3] }, tensorsOf({ task: 'pose', kpt: [17, 2] }), E.ShapeMismatchError, /pose model: the keypoint branch model\.23\.cv4\.0\.2\.weight predicts 34 values per box, kptShape \[17, 3\] needs 51/],
  ] as const)('%s', async (_what, over, tensors, Err, re) => {
    const manifest = fullManifest(over);
    if (over.task === 'classify') Object.assign(manifest, { strides: [8, 16, 32] });
    const e = await readWeights(await writeTensorFile(WEIGHTS_MAGIC, manifest, tensors as WriteTensor[])).catch((x) => x);
    expect(e).toBeInstanceOf(Err);
    expect(e.message).toMatch(re);
    expect(e.message).not.toMatch(/\n/);
  });
});

describe('ONNX exports of the new tasks, by the detect path\'s naming rules', () => {
  /**
   * A graph holding every parameter of (n, nc, head) under its state_dict name, one node per layer:
   * Conv for convs, ConvTranspose for Proto's upsample, Gemm (transB = 1) for Classify's linear, with
   * anonymous names for the new ops so their names come from the node scope, as torch.onnx writes them.
   */
  async function graph(head: HeadSpec, nc: number, meta: Record<string, string>) {
    const { default: pkg } = await import('onnx-proto');
    const want = expectedTensors('n', nc, head);
    const nodes: object[] = [];
    const inits: object[] = [];
    let seed = 1;
    const values = (n: number) => Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5);
    for (const [name, shape] of want) {
      if (!name.endsWith('.weight')) continue;
      const prefix = name.slice(0, -'.weight'.length);
      const op = prefix.endsWith('proto.upsample') ? 'ConvTranspose' : prefix.endsWith('.linear') ? 'Gemm' : 'Conv';
      const anon = op !== 'Conv';
      const w = anon ? `onnx::${op}_${nodes.length}` : name;
      const b = anon ? `onnx::${op}_${nodes.length}_b` : `${prefix}.bias`;
      const scope = `/${prefix.replace(/^(model\.\d+)\./, '$1/').replace(/\./g, '/')}/${op}`;
      nodes.push({ name: scope, opType: op, input: ['x', w, b], output: [`y${nodes.length}`], attribute: op === 'Gemm' ? [{ name: 'transB', type: 2, i: 1 }] : [] });
      inits.push({ name: w, dims: shape, dataType: 1, floatData: values(numel(shape)) }, { name: b, dims: want.get(`${prefix}.bias`), dataType: 1, floatData: values(numel(want.get(`${prefix}.bias`)!)) });
    }
    return pkg.onnx.ModelProto.encode({
      irVersion: 8, opsetImport: [{ version: 19 }], metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
      graph: { name: 'g', input: [{ name: 'x' }], output: [{ name: 'y' }], node: nodes, initializer: inits },
    }).finish();
  }

  test.each([
    ['segment', SEG, 3, { task: 'segment', names: "{0: 'a', 1: 'b', 2: 'c'}", imgsz: '[320, 320]' }, { task: 'segment', nm: 32 }],
    ['pose', POSE, 1, { task: 'pose', kpt_shape: '[17, 3]' }, { task: 'pose', kptShape: [17, 3] }],
    ['pose without metadata (the head\'s tensors say pose, 51 = 17 × 3)', POSE, 1, {}, { task: 'pose', kptShape: [17, 3] }],
    ['classify', CLS, 10, { task: 'classify', imgsz: '[224, 224]' }, { task: 'classify' }],
    ['classify without metadata', CLS, 10, {}, { task: 'classify' }],
  ] as const)('%s', async (_what, head, nc, meta, want) => {
    const bytes = await graph(head, nc, meta);
    const w = await readWeights(await convertModel(bytes, 'model.onnx'));
    expect(w.manifest).toMatchObject({ scale: 'n', nc, ...want });
    expect(parameterCount(w)).toBe(params(expectedTensors('n', nc, head)));
  }, 60_000);
});
