import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { importOnnx, scopeToName } from '../../src/convert/onnx.js';
import { convertModel } from '../../src/convert/index.js';
import { readWeights, parameterCount } from '../../src/weights/weights.js';
import { fixture } from '../helpers/fixtures.js';

describe('ONNX converter', () => {
  test('node scopes map to state_dict prefixes', () => {
    expect(scopeToName('/model.2/cv1/conv/Conv')).toBe('model.2.cv1.conv');
    expect(scopeToName('/model.10/m/m.0/attn/qkv/conv/Conv')).toBe('model.10.m.0.attn.qkv.conv');
    expect(scopeToName('/model.23/cv2.0/cv2.0.2/Conv')).toBe('model.23.cv2.0.2');
  });

  test('the uint8-quantized and the fp32 COCO exports give the same yolo11n weights', async () => {
    const q = await importOnnx(readFileSync(fixture('models/yolo11n-coco-uint8.onnx')), 'yolo11n-coco-uint8.onnx');
    const f = await importOnnx(readFileSync(fixture('models/yolo11n-coco-fp32.onnx')), 'yolo11n-coco-fp32.onnx');
    expect(q.fields.scale).toBe('n');
    expect(q.fields.nc).toBe(80);
    expect(f.fields.names[0]).toBe('person');
    expect(f.fields.names).toHaveLength(80);
    expect(f.fields.imgsz).toEqual([640, 640]);
    const fm = new Map(f.tensors.map((t) => [t.name, t]));
    expect(q.tensors.map((t) => t.name).sort()).toEqual([...fm.keys()].sort());
    let worst = 0;
    for (const t of q.tensors) {
      const o = fm.get(t.name)!;
      expect(t.shape).toEqual(o.shape);
      for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(t.data[i] - o.data[i]));
    }
    // The fp32 file holds exactly the dequantized weights: (w − zp)·scale computed in float32.
    expect(worst).toBe(0);
    const file = await readWeights(await convertModel(readFileSync(fixture('models/yolo11n-coco-fp32.onnx')), 'yolo11n-coco-fp32.onnx'));
    // Ultralytics' fused yolo11n has 2,616,248 parameters; the 16 of DFL's fixed arange are not stored.
    expect(parameterCount(file)).toBe(2_616_232);
  });
});

describe('ONNX converter, other encodings', () => {
  test('an fp16 export converts to the fp32 weights rounded to half precision', async () => {
    const { onnx } = (await import('onnx-proto')).default;
    const { f32ToF16, f16ToF32 } = await import('../../src/weights/format.js');
    const bytes = readFileSync(fixture('models/yolo11n-coco-fp32.onnx'));
    const m = onnx.ModelProto.decode(bytes);
    for (const t of m.graph!.initializer!) {
      if (t.dataType !== 1 || !t.name!.startsWith('model.')) continue;
      const raw = t.rawData!;
      const f = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      t.rawData = new Uint8Array(Uint16Array.from(f, (v) => f32ToF16(v)).buffer);
      t.dataType = 10;
    }
    const half = await importOnnx(onnx.ModelProto.encode(m).finish(), 'half.onnx');
    const full = new Map((await importOnnx(bytes, 'full.onnx')).tensors.map((t) => [t.name, t.data]));
    expect(half.fields.scale).toBe('n');
    for (const t of half.tensors) {
      const ref = full.get(t.name)!;
      for (let i = 0; i < ref.length; i += 17) expect(t.data[i]).toBe(f16ToF32(f32ToF16(ref[i])));
    }
  });
});
