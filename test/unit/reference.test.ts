import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { referenceSession } from '../../src/reference/reference.js';
import { fixture } from '../helpers/fixtures.js';
import { randomArray } from '../helpers/kernel.js';

describe('ONNX Runtime reference tensors', () => {
  const model = () => new Uint8Array(readFileSync(fixture('models/yolo11n-coco-fp32.onnx')));

  test('the size-rewritten graph at 640 equals the original graph', async () => {
    const input = randomArray(3 * 640 * 640, 7, 0, 1);
    const a = await referenceSession(model());
    const b = await referenceSession(model(), [640, 640]);
    const ra = await a.run(input);
    const rb = await b.run(input);
    for (const [name, t] of ra.tensors) {
      const u = rb.tensors.get(name)!;
      expect(u.shape, name).toEqual(t.shape);
      let d = 0;
      for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i] - u.data[i]));
      expect(d, name).toBe(0);
    }
    expect(ra.tensors.get('model.0')!.shape).toEqual([1, 16, 320, 320]);
    expect(ra.tensors.get('model.23')!.shape).toEqual([1, 84, 8400]);
  });

  test.each([[320, 320], [256, 384]] as [number, number][])('runs at %i×%i with every layer exposed', async (h, w) => {
    const s = await referenceSession(model(), [h, w]);
    const r = await s.run(randomArray(3 * h * w, 3, 0, 1));
    const anchors = [8, 16, 32].reduce((a, st) => a + (h / st) * (w / st), 0);
    expect(r.tensors.get('model.23')!.shape).toEqual([1, 84, anchors]);
    for (let n = 0; n <= 23; n++) expect(r.tensors.has(`model.${n}`), `model.${n}`).toBe(true);
    expect(r.tensors.get('model.10')!.shape).toEqual([1, 256, h / 32, w / 32]);
  });
});
