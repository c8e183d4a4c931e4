/**
 * The ONNX importer on the real COCO exports (uint8 dynamic quantization and its fp32 dequantized
 * twin), on encodings built from the fp32 export in memory (fp16, QDQ int8 per channel, ConvInteger
 * per channel, unfused BatchNorm with anonymous names, float_data storage), and on defective input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import pkg from 'onnx-proto';
import { ModelImportError, UnsupportedModelError } from '../../src/errors.js';
import { convertModel, importModel } from '../../src/convert/index.js';
import { importOnnx, scopeToName, type ImportedModel } from '../../src/convert/onnx.js';
import { identifyModel } from '../../src/convert/identify.js';
import { parseImgsz, parseNames } from '../../src/convert/metadata.js';
import { SCALES, buildSpec, allConvs, expectedTensors, type Scale } from '../../src/model/spec.js';
import { f16ToF32, f32ToF16, sha256Hex, toFloat32 } from '../../src/weights/format.js';
import { parameterCount, readWeights } from '../../src/weights/weights.js';
import { fixture } from '../helpers/fixtures.js';

const { onnx } = pkg;
type Model = ReturnType<typeof onnx.ModelProto.decode>;
/* eslint-disable @typescript-eslint/no-explicit-any */

const FP32 = readFileSync(fixture('models/yolo11n-coco-fp32.onnx'));
const UINT8 = readFileSync(fixture('models/yolo11n-coco-uint8.onnx'));
/** Ultralytics' fused yolo11n: 2,616,248 parameters; DFL's fixed 16-value arange is not stored. */
const YOLO11N_COCO_PARAMS = 2_616_232;

/** The fp32 export decoded afresh, edited, re-encoded. */
function edited(edit: (m: Model, g: any) => void): Uint8Array {
  const m = onnx.ModelProto.decode(FP32);
  edit(m, m.graph);
  return onnx.ModelProto.encode(m).finish();
}
const f32 = (t: any) => new Float32Array(Uint8Array.from(t.rawData).buffer);
const byName = (r: ImportedModel) => new Map(r.tensors.map((t) => [t.name, t]));
/** Every Conv of the graph with its weight/bias initializers (DFL's left out: it is not imported). */
function convs(g: any) {
  const inits = new Map<string, any>(g.initializer.map((t: any) => [t.name, t]));
  return g.node.filter((n: any) => n.opType === 'Conv' && !n.name.includes('/dfl/')).map((n: any) => ({ n, w: inits.get(n.input[1]), b: inits.get(n.input[2]) }));
}
const maxAbsDiff = (a: ImportedModel, b: ImportedModel) => {
  const bm = byName(b);
  let worst = 0;
  for (const t of a.tensors) t.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - bm.get(t.name)!.data[i])); });
  return worst;
};

let fp32Import: Promise<ImportedModel> | undefined;
const reference = () => (fp32Import ??= importOnnx(FP32, 'yolo11n-coco-fp32.onnx'));

describe('ONNX importer: names and metadata', () => {
  test('node scopes map to state_dict prefixes, for every Conv of every scale', () => {
    expect(scopeToName('/model.2/cv1/conv/Conv')).toBe('model.2.cv1.conv');
    expect(scopeToName('/model.10/m/m.0/attn/qkv/conv/Conv')).toBe('model.10.m.0.attn.qkv.conv');
    expect(scopeToName('/model.23/cv2.0/cv2.0.2/Conv')).toBe('model.23.cv2.0.2');
    expect(scopeToName('/model.6/m.0/m/m.1/cv2/conv/Conv_quant')).toBe('model.6.m.0.m.1.cv2.conv');
    // torch.onnx scopes: an indexed child of a container is named by its dotted path (`cv3.0`, `cv3.0.0`);
    // the container itself adds a bare segment (`m`) when it is called (Sequential), not for a ModuleList.
    const scope = (prefix: string, bare: boolean) => {
      const [, layer, rest] = /^(model\.\d+)\.(.*)$/.exec(prefix)!;
      const segs: string[] = [];
      let path = '';
      for (const t of rest.split('.')) segs.push((path = /^\d+$/.test(t) ? `${path}.${t}` : t));
      return `/${layer}/${segs.filter((sg, i) => bare || sg.includes('.') || !segs[i + 1]?.startsWith(`${sg}.`)).join('/')}/Conv`;
    };
    for (const scale of Object.keys(SCALES) as Scale[]) {
      for (const c of allConvs(buildSpec(scale, 80))) {
        const prefix = c.weight.slice(0, -'.weight'.length);
        for (const bare of [true, false]) expect(scopeToName(scope(prefix, bare)), `${scale}: ${scope(prefix, bare)}`).toBe(prefix);
      }
    }
    expect(scope('model.23.cv3.0.0.0.conv', false)).toBe('/model.23/cv3.0/cv3.0.0/cv3.0.0.0/conv/Conv');
  });

  test('every scale and class count is recognised from the shapes alone', () => {
    for (const scale of Object.keys(SCALES) as Scale[]) {
      for (const nc of [1, 3, 80, 365]) {
        const shapes = expectedTensors(scale, nc);
        expect(identifyModel({ file: 'x', shapes, allNames: [...shapes.keys()] })).toEqual({ scale, nc, head: { task: 'detect' } });
      }
    }
  });

  test('names: Python dict and list reprs, quotes and escapes, JSON; malformed → ModelImportError', () => {
    expect(parseNames("{0: 'person', 1: 'bicycle'}")).toEqual(['person', 'bicycle']);
    expect(parseNames(`{1: "it's", 0: 'a\\'b', 2: 'tab\\there', 3: 'caf\\xe9 \\u2014 \\\\'}`)).toEqual(['a\'b', "it's", 'tab\there', 'café — \\']);
    expect(parseNames("['fracture']")).toEqual(['fracture']);
    expect(parseNames('{"0": "fracture", "1": "x, y: {z}"}')).toEqual(['fracture', 'x, y: {z}']);
    expect(parseNames(" { 0 : 'a' , } ")).toEqual(['a']);
    for (const bad of ["{0: 'a', 2: 'c'}", "{0: 'a', 0: 'b'}", "{0: 'a'", "{0: a}", '{}', "{'x': 'a'}", "{0: 'a'} trailing", "{0: 'a\\x4'}"]) {
      expect(() => parseNames(bad), bad).toThrow(ModelImportError);
    }
    expect(parseImgsz('[640, 640]')).toEqual([640, 640]);
    expect(parseImgsz('(384, 640)')).toEqual([384, 640]);
    expect(parseImgsz('320')).toEqual([320, 320]);
    for (const bad of ['[650, 640]', '[0, 0]', 'big', '[640, 640, 3]']) expect(() => parseImgsz(bad), bad).toThrow(ModelImportError);
  });
});

describe('ONNX importer: the COCO fixtures', () => {
  test('uint8 ConvInteger and fp32 exports give the same yolo11n weights', async () => {
    const q = await importOnnx(UINT8, '/some/dir/yolo11n-coco-uint8.onnx');
    const f = await reference();
    for (const r of [q, f]) {
      expect(r.fields).toMatchObject({ scale: 'n', nc: 80, imgsz: [640, 640] });
      expect(r.fields.names).toHaveLength(80);
      expect(r.fields.names.slice(0, 3)).toEqual(['person', 'bicycle', 'car']);
      expect(r.fields.names[79]).toBe('toothbrush');
    }
    expect(q.fields.source).toEqual({ file: 'yolo11n-coco-uint8.onnx', sha256: await sha256Hex(UINT8), format: 'onnx' });
    expect(q.tensors.map((t) => t.name).sort()).toEqual(f.tensors.map((t) => t.name).sort());
    expect(q.tensors.some((t) => t.name.includes('dfl'))).toBe(false);
    for (const t of q.tensors) expect(t.shape).toEqual(byName(f).get(t.name)!.shape);
    // The fp32 file was made by dequantizing the uint8 one, (w − zp)·scale in float32: bit-identical.
    expect(maxAbsDiff(q, f)).toBe(0);
    const file = await readWeights(await convertModel(FP32, 'yolo11n-coco-fp32.onnx'));
    expect(parameterCount(file)).toBe(YOLO11N_COCO_PARAMS);
  });

  test('--half (f16 storage) round-trips within half precision', async () => {
    const f = byName(await reference());
    const h = await readWeights(await convertModel(FP32, 'yolo11n-coco-fp32.onnx', 'f16'));
    expect(parameterCount(h)).toBe(YOLO11N_COCO_PARAMS);
    for (const t of h.tensors.values()) {
      expect(t.dtype).toBe('f16');
      const ref = f.get(t.name)!.data;
      // Round to nearest: relative error ≤ 2^-11, absolute ≤ 2^-25 in the subnormal range.
      const bad = toFloat32(t).findIndex((v, i) => !(Math.abs(v - ref[i]) <= Math.abs(ref[i]) * 2 ** -11 + 2 ** -25));
      expect(bad, `${t.name}[${bad}]`).toBe(-1);
    }
  });
});

describe('ONNX importer: other encodings of the same weights', () => {
  test('an fp16 export (initializers dataType 10) gives the fp32 weights rounded to half', async () => {
    const bits = new Map<string, Uint16Array>();
    const half = await importOnnx(edited((_m, g) => {
      for (const { w, b } of convs(g)) for (const t of [w, b]) {
        bits.set(t.name, Uint16Array.from(f32(t), (v) => f32ToF16(v)));
        t.rawData = new Uint8Array(bits.get(t.name)!.buffer);
        t.dataType = 10;
      }
    }), 'half.onnx');
    expect([half.fields.scale, half.tensors.length]).toEqual(['n', bits.size]);
    for (const t of half.tensors) {
      const h = bits.get(t.name)!;
      t.data.forEach((v, i) => { if (v !== f16ToF32(h[i])) throw new Error(`${t.name}[${i}]: ${v} vs ${f16ToF32(h[i])}`); });
    }
  });

  test('QDQ: int8 per-channel DequantizeLinear weights and int32 biases', async () => {
    const expected = new Map<string, Float32Array>();
    const bytes = edited((_m, g) => {
      for (const { n, w, b } of convs(g)) {
        const v = f32(w);
        const o = w.dims[0];
        const per = v.length / o;
        const scale = Float32Array.from({ length: o }, (_, c) => Math.max(...v.subarray(c * per, (c + 1) * per).map(Math.abs)) / 127 || 1);
        const q = Int8Array.from(v, (x, i) => Math.round(x / scale[Math.floor(i / per)]));
        expected.set(w.name, Float32Array.from(q, (x, i) => x * scale[Math.floor(i / per)]));
        const bs = Float32Array.from(scale, (s) => s * 1e-3);
        const bq = Array.from(f32(b), (x, c) => Math.round(x / bs[c]));
        expected.set(b.name, Float32Array.from(bq, (x, c) => x * bs[c]));
        g.initializer.push(
          { name: `${w.name}_quantized`, dims: w.dims, dataType: 3, rawData: new Uint8Array(q.buffer) },
          { name: `${w.name}_scale`, dims: [o], dataType: 1, floatData: Array.from(scale) },
          { name: `${b.name}_quantized`, dims: [o], dataType: 6, int32Data: bq },
          { name: `${b.name}_scale`, dims: [o], dataType: 1, rawData: new Uint8Array(bs.buffer) },
        );
        g.node.push(
          { opType: 'DequantizeLinear', input: [`${w.name}_quantized`, `${w.name}_scale`], output: [`${w.name}_dq`], attribute: [{ name: 'axis', type: 2, i: 0 }] },
          { opType: 'DequantizeLinear', input: [`${b.name}_quantized`, `${b.name}_scale`], output: [`${b.name}_dq`], attribute: [{ name: 'axis', type: 2, i: 0 }] },
        );
        n.input = [n.input[0], `${w.name}_dq`, `${b.name}_dq`];
      }
      g.initializer = g.initializer.filter((t: any) => !expected.has(t.name));
    });
    const r = await importOnnx(bytes, 'qdq.onnx');
    expect([r.fields.scale, r.fields.nc, r.tensors.length]).toEqual(['n', 80, expected.size]);
    for (const t of r.tensors) expect(Buffer.from(t.data.buffer).equals(Buffer.from(expected.get(t.name)!.buffer)), t.name).toBe(true);
  });

  test('ConvInteger with per-channel uint8 weights and zero points', async () => {
    const expected = new Map<string, Float32Array>();
    const bytes = edited((_m, g) => {
      for (const { n, w, b } of convs(g)) {
        const v = f32(w);
        const o = w.dims[0];
        const per = v.length / o;
        const lo = Array.from({ length: o }, (_, c) => Math.min(0, ...v.subarray(c * per, (c + 1) * per)));
        const hi = Array.from({ length: o }, (_, c) => Math.max(0, ...v.subarray(c * per, (c + 1) * per)));
        const scale = Float32Array.from(lo, (l, c) => (hi[c] - l) / 255 || 1);
        const zp = Uint8Array.from(lo, (l, c) => Math.round(-l / scale[c]));
        const q = Uint8Array.from(v, (x, i) => Math.min(255, Math.max(0, Math.round(x / scale[Math.floor(i / per)]) + zp[Math.floor(i / per)])));
        expected.set(w.name, Float32Array.from(q, (x, i) => (x - zp[Math.floor(i / per)]) * scale[Math.floor(i / per)]));
        expected.set(b.name, f32(b));
        g.initializer.push(
          { name: `${w.name}_quantized`, dims: w.dims, dataType: 2, rawData: q },
          { name: `${w.name}_scale`, dims: [o], dataType: 1, rawData: new Uint8Array(scale.buffer) },
          { name: `${w.name}_zero_point`, dims: [o], dataType: 2, int32Data: Array.from(zp) },
        );
        const y = n.output[0];
        g.node.push(
          { name: `${n.name}_quant`, opType: 'ConvInteger', input: [`${n.input[0]}_q`, `${w.name}_quantized`, `${n.input[0]}_zp`, `${w.name}_zero_point`], output: [`${y}_i32`] },
          { opType: 'Cast', input: [`${y}_i32`], output: [`${y}_f`] },
          { opType: 'Mul', input: [`${y}_f`, `${n.name}_scales`], output: [`${y}_scaled`] },
          { opType: 'Reshape', input: [b.name, `${n.name}_shape`], output: [`${y}_bias`] },
          { opType: 'Add', input: [`${y}_scaled`, `${y}_bias`], output: [y] },
        );
      }
      g.node = g.node.filter((n: any) => n.opType !== 'Conv' || n.name.includes('/dfl/'));
      g.initializer = g.initializer.filter((t: any) => !t.name.endsWith('.weight') || t.name.includes('dfl'));
    });
    const r = await importOnnx(bytes, 'per-channel.onnx');
    expect([r.fields.scale, r.fields.nc, r.tensors.length]).toEqual(['n', 80, expected.size]);
    for (const t of r.tensors) expect(Buffer.from(t.data.buffer).equals(Buffer.from(expected.get(t.name)!.buffer)), t.name).toBe(true);
  });

  test('unfused BatchNorm, anonymous initializer names, float_data storage, a Conv without bias', async () => {
    const eps = 1e-3;
    let k = 0;
    const bytes = edited((_m, g) => {
      for (const { n, w, b } of convs(g)) {
        const o = w.dims[0];
        const per = f32(w).length / o;
        const gamma = Float32Array.from({ length: o }, (_, c) => 0.5 + ((c * 37) % 11) / 10);
        const variance = Float32Array.from({ length: o }, (_, c) => 0.25 + ((c * 13) % 7) / 7);
        const mean = Float32Array.from({ length: o }, (_, c) => ((c * 29) % 17) / 8 - 1);
        const scale = Float32Array.from(gamma, (gm, c) => gm / Math.sqrt(variance[c] + eps));
        const beta = Float32Array.from(f32(b), (x, c) => x + mean[c] * scale[c]);
        const id = k++;
        w.floatData = Array.from(f32(w), (x, i) => x / scale[Math.floor(i / per)]);
        w.rawData = new Uint8Array(0);
        w.name = `onnx::Conv_${id}`;
        const bn = ['gamma', 'beta', 'mean', 'var'].map((s, i) => ({ name: `onnx::BN_${id}_${s}`, dims: [o], dataType: 1, floatData: Array.from([gamma, beta, mean, variance][i]) }));
        g.initializer.push(...bn);
        const y = n.output[0];
        n.input = [n.input[0], w.name];
        n.output = [`${y}_prebn`];
        g.node.push({ opType: 'BatchNormalization', input: [`${y}_prebn`, ...bn.map((t) => t.name)], output: [y], attribute: [{ name: 'epsilon', type: 1, f: eps }] });
      }
      // model.0 loses its BN as well as its bias: its bias must come out as zeros.
      g.node = g.node.filter((n: any) => !(n.opType === 'BatchNormalization' && n.output[0] === '/model.0/conv/Conv_output_0'));
      g.node.find((n: any) => n.name === '/model.0/conv/Conv').output = ['/model.0/conv/Conv_output_0'];
    });
    const r = await importOnnx(bytes, 'unfused.onnx');
    const ref = byName(await reference());
    expect([r.fields.scale, r.fields.nc, r.tensors.length]).toEqual(['n', 80, ref.size]);
    const got = byName(r);
    expect(Array.from(got.get('model.0.conv.bias')!.data).every((v) => v === 0)).toBe(true);
    for (const [name, t] of ref) {
      if (name.startsWith('model.0.')) continue;
      const d = got.get(name)!.data;
      t.data.forEach((v, i) => { if (Math.abs(d[i] - v) > 1e-5 * Math.max(1, Math.abs(v))) throw new Error(`${name}[${i}]: ${d[i]} vs ${v}`); });
    }
  });
});

describe('ONNX importer: input it must refuse, with one typed line', () => {
  const refuses = async (bytes: Uint8Array, Err: typeof ModelImportError, re: RegExp, name = 'bad.onnx') => {
    const e = await importModel(bytes, name).catch((x) => x);
    expect(e, String(e?.stack)).toBeInstanceOf(Err);
    expect(e.message, e.message).toMatch(re);
    expect(e.message).not.toMatch(/\n/);
    return e as Error;
  };
  const setMeta = (key: string, value: string) => (m: Model) => {
    const p = m.metadataProps!.find((x) => x.key === key);
    if (p) p.value = value;
    else m.metadataProps!.push({ key, value });
  };
  /** A minimal valid ONNX graph: Conv(x, W[, B]) → y, plus extra nodes/initializers. */
  const tiny = (weights: [string, number[]][], extra: any[] = [], meta: Record<string, string> = {}) => onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ version: 19 }], metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'g', input: [{ name: 'x' }], output: [{ name: 'y' }],
      node: [...weights.map(([w], i) => ({ name: `/n${i}/Conv`, opType: 'Conv', input: ['x', w], output: [`y${i}`] })), ...extra],
      initializer: weights.map(([name, dims]) => ({ name, dims, dataType: 1, floatData: new Array(dims.reduce((a, b) => a * b, 1)).fill(0.5) })),
    },
  }).finish();

  test('truncated at any point, random bytes, an empty or tiny file → ModelImportError', async () => {
    for (const cut of [10, 1000, FP32.length / 3, FP32.length / 2, FP32.length - 1000, FP32.length - 1].map(Math.floor)) {
      await refuses(FP32.subarray(0, cut), ModelImportError, /truncated|corrupt/);
    }
    let s = 7;
    const noise = Uint8Array.from({ length: 4096 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24));
    await refuses(noise, ModelImportError, /not a readable ONNX model|holds no ONNX graph/);
    await refuses(new Uint8Array(0), ModelImportError, /too short/);
    await refuses(new Uint8Array(64), ModelImportError, /no ONNX graph/);
  });

  test('valid ONNX that is not an Ultralytics YOLO11 model of a supported task → UnsupportedModelError naming what it is', async () => {
    await refuses(tiny([['w', [2, 3, 1, 1]]]), UnsupportedModelError, /no Ultralytics model\.N tensors \(found 1 parameters, e\.g\. "w"\)/);
    await refuses(edited(setMeta('task', 'obb')), UnsupportedModelError, /oriented-box \(OBB\) model \(metadata task="obb"\); this runtime runs detect, segment, pose and classify models/);
    // A detect graph whose metadata says segment or pose: the head's tensors are missing.
    await refuses(edited(setMeta('task', 'segment')), UnsupportedModelError, /does not match any YOLO11 segment \(nm=32\) scale with nc=80; nearest is yolo11n: missing model\.23\.proto/);
    await refuses(edited(setMeta('task', 'pose')), UnsupportedModelError, /does not match any YOLO11 pose \(kpt_shape 17×3\) scale/);
    await refuses(edited((m) => { setMeta('task', 'pose')(m); setMeta('kpt_shape', '[17, 4]')(m); }), UnsupportedModelError, /kpt_shape \(17, 4\) is not \(K, 2\|3\)/);
    await refuses(tiny([['model.0.conv.weight', [16, 3, 3, 3]], ['model.22.proto.cv1.conv.weight', [64, 64, 3, 3]]]), UnsupportedModelError, /no C2PSA attention block/);
    // YOLOv8's signature: C2f bottlenecks, no C3k (m.N.cv3) and no C2PSA attention.
    const v8 = edited((_m, g) => {
      g.node = g.node.filter((n: any) => !/\/attn\/|\/m\.\d+\/cv3\//.test(n.name));
      g.initializer = g.initializer.filter((t: any) => !/\.attn\.|\.m\.\d+\.cv3\./.test(t.name));
    });
    await refuses(v8, UnsupportedModelError, /looks like YOLOv8 \(C2f blocks such as model\.2\.m\.0\.cv1/);
  });

  test('a YOLO11 graph with a tensor renamed, removed or reshaped → the nearest mismatch', async () => {
    const renamed = edited((_m, g) => {
      g.initializer.find((t: any) => t.name === 'model.4.cv2.conv.weight').name = 'model.4.cv9.conv.weight';
      g.node.find((n: any) => n.name === '/model.4/cv2/conv/Conv').input[1] = 'model.4.cv9.conv.weight';
    });
    await refuses(renamed, UnsupportedModelError, /nearest is yolo11n: missing model\.4\.cv2\.conv\.weight \(\+1 more\); unexpected model\.4\.cv9\.conv\.weight/);
    const removed = edited((_m, g) => { g.node = g.node.filter((n: any) => n.name !== '/model.13/cv2/conv/Conv'); });
    await refuses(removed, UnsupportedModelError, /with nc=80; nearest is yolo11n: missing model\.13\.cv2\.conv\.weight/);
    const reshaped = edited((_m, g) => {
      const t = g.initializer.find((x: any) => x.name === 'model.9.cv1.conv.weight');
      t.dims = [t.dims[0], t.dims[1] / 2, 2, 1];
    });
    await refuses(reshaped, UnsupportedModelError, /nearest is yolo11n: model\.9\.cv1\.conv\.weight is \[128,128,2,1\], expected \[128,256,1,1\]/);
  });

  test('inconsistent metadata, external data, non-finite weights, a weight that is not a constant → ModelImportError', async () => {
    await refuses(edited(setMeta('names', "{0: 'a', 1: 'b', 2: 'c'}")), ModelImportError, /names lists 3 classes but the Detect head has 80 outputs/);
    await refuses(edited(setMeta('names', "{0: 'person', 1: }")), ModelImportError, /metadata names .*expected a quoted string/);
    await refuses(edited(setMeta('imgsz', '[650, 650]')), ModelImportError, /metadata imgsz .*multiple of 32/);
    await refuses(edited((_m, g) => { g.initializer.find((t: any) => t.name === 'model.6.cv1.conv.weight').dataLocation = 1; }), ModelImportError, /model\.6\.cv1\.conv\.weight is stored in an external data file/);
    const nan = edited((_m, g) => {
      const t = g.initializer.find((x: any) => x.name === 'model.3.conv.bias');
      const v = f32(t);
      v[5] = NaN;
      t.rawData = new Uint8Array(v.buffer);
    });
    await refuses(nan, ModelImportError, /model\.3\.conv\.bias element 5 is NaN/);
    const short = edited((_m, g) => { const t = g.initializer.find((x: any) => x.name === 'model.3.conv.weight'); t.rawData = t.rawData.subarray(0, 100); });
    await refuses(short, ModelImportError, /model\.3\.conv\.weight: raw_data holds 100 bytes, shape \[64,64,3,3\] needs 147456/);
    const dynamic = edited((_m, g) => { g.node.find((n: any) => n.name === '/model.1/conv/Conv').input[1] = '/model.0/act/Mul_output_0'; });
    await refuses(dynamic, ModelImportError, /Conv \/model\.1\/conv\/Conv: \/model\.0\/act\/Mul_output_0 is neither an initializer nor a DequantizeLinear output/);
  });

  test('a graph without metadata gets class names class0… and the input size from the graph input', async () => {
    const bare = edited((m, g) => {
      m.metadataProps = [];
      for (const d of [2, 3]) g.input[0].type.tensorType.shape.dim[d].dimValue = 320;
    });
    const r = await importModel(bare, 'bare.onnx');
    expect(r.fields).toMatchObject({ scale: 'n', nc: 80, imgsz: [320, 320] });
    expect(r.fields.names.slice(0, 2)).toEqual(['class0', 'class1']);
  });

  test('the importer is chosen by content: "TFL3" → TFLite whatever the name, ONNX named .tflite → ONNX; the extension only for unrecognised bytes', async () => {
    const tflite = new Uint8Array(64);
    tflite.set(new TextEncoder().encode('TFL3'), 4);
    expect((await refuses(tflite, ModelImportError, /./, 'model.bin')).message).not.toMatch(/ONNX/);
    const noise = Uint8Array.from({ length: 64 }, (_, k) => (k * 37 + 11) % 251);
    expect((await refuses(noise, ModelImportError, /unrecognised file \(64 bytes starting 0b 30/, 'model.tflite')).message).not.toMatch(/ONNX/);
    await refuses(FP32.subarray(0, 64), ModelImportError, /ONNX/, 'model.tflite');
  });
});
