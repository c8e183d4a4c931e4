/**
 * The CLI in-process (src/cli/main.ts): exit codes, one-line errors without stack traces, and the
 * convert → inspect → reference path on the real fixtures.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import pkg from 'onnx-proto';
import { cli } from '../helpers/cli.js';
import { loadReference } from '../../src/reference/reference.js';
import { fixture } from '../helpers/fixtures.js';
import { PARITY_IMAGES, imagePath } from '../helpers/parity-data.js';

const { onnx } = pkg;

const dir = mkdtempSync(join(tmpdir(), 'yolo11-cli-'));

describe('yolo11-webgpu CLI', () => {
  test('convert and inspect the COCO model: yolo11n, nc 80, 2.62 M parameters', async () => {
    const w = join(dir, 'coco.y11w');
    const c = await cli('convert', fixture('models/yolo11n-coco-fp32.onnx'), '-o', w);
    expect(c.code, c.err).toBe(0);
    const i = await cli('inspect', w, '--json');
    const m = JSON.parse(i.out);
    expect([m.scale, m.nc, m.parameters]).toEqual(['n', 80, 2_616_232]);
    const h = await cli('convert', fixture('models/yolo11n-coco-uint8.onnx'), '-o', join(dir, 'half.y11w'), '--half');
    expect(h.code, h.err).toBe(0);
    expect(JSON.parse((await cli('inspect', join(dir, 'half.y11w'), '--json')).out).dtype).toBe('f16');
  });

  test('bad input: one line on stderr, non-zero exit, a stack only with --verbose', async () => {
    const onnxBytes = readFileSync(fixture('models/yolo11n-coco-fp32.onnx'));
    writeFileSync(join(dir, 'cut.onnx'), onnxBytes.subarray(0, 100_000));
    writeFileSync(join(dir, 'random.onnx'), Buffer.from(Array.from({ length: 4096 }, (_, k) => (k * 7919) % 251)));
    // A valid ONNX graph that is not YOLO: one Conv.
    const conv = onnx.ModelProto.encode({
      irVersion: 8, opsetImport: [{ version: 19 }],
      graph: { name: 'g', node: [{ opType: 'Conv', input: ['x', 'w'], output: ['y'], name: '/conv/Conv' }],
        initializer: [{ name: 'w', dims: [2, 3, 1, 1], dataType: 1, floatData: [1, 2, 3, 4, 5, 6] }],
        input: [{ name: 'x' }], output: [{ name: 'y' }] },
    }).finish();
    writeFileSync(join(dir, 'conv.onnx'), conv);
    // The COCO model relabelled as a segmentation export.
    const seg = onnx.ModelProto.decode(onnxBytes);
    seg.metadataProps.find((p) => p.key === 'task')!.value = 'segment';
    writeFileSync(join(dir, 'seg.onnx'), onnx.ModelProto.encode(seg).finish());
    const cases: [string[], RegExp][] = [
      [['convert', join(dir, 'missing.onnx'), '-o', join(dir, 'x.y11w')], /no such file/],
      [['convert', join(dir, 'cut.onnx'), '-o', join(dir, 'x.y11w')], /ModelImportError|UnsupportedModelError/],
      [['convert', join(dir, 'random.onnx'), '-o', join(dir, 'x.y11w')], /ModelImportError|UnsupportedModelError/],
      [['convert', join(dir, 'conv.onnx'), '-o', join(dir, 'x.y11w')], /UnsupportedModelError: .*no Ultralytics/],
      [['convert', join(dir, 'seg.onnx'), '-o', join(dir, 'x.y11w')], /UnsupportedModelError: .*segment/],
      [['inspect', join(dir, 'cut.onnx')], /BadMagicError/],
      [['nosuchcommand'], /unknown command/],
      [['convert', fixture('models/yolo11n-coco-fp32.onnx')], /missing -o/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.err.split('\n')[0], argv.join(' ')).toMatch(re);
      expect(r.err, argv.join(' ')).not.toMatch(/\n\s+at /);
    }
    const v = await cli('inspect', join(dir, 'cut.onnx'), '--verbose');
    expect(v.err).toMatch(/\n\s+at /);
  });

  test('reference writes ONNX Runtime tensors for 3 FracAtlas images at 640 and at 320', async () => {
    for (const size of ['640', '320']) {
      const out = join(dir, `ref-${size}.y11r`);
      const r = await cli('reference', fixture('models/yolo11n-coco-fp32.onnx'), ...PARITY_IMAGES.map(imagePath), '-o', out, '--imgsz', size);
      expect(r.code, r.err).toBe(0);
      const f = await loadReference(readFileSync(out));
      const s = Number(size);
      expect(f.manifest.imgsz).toEqual([s, s]);
      expect(f.tensors.get('img2/input')!.shape).toEqual([1, 3, s, s]);
      expect(f.tensors.get('img0/model.0')!.shape).toEqual([1, 16, s / 2, s / 2]);
      expect(f.tensors.get('img1/model.23')!.shape).toEqual([1, 84, 21 * (s / 32) ** 2]);
      for (let n = 0; n <= 23; n++) expect(f.tensors.has(`img2/model.${n}`)).toBe(true);
    }
  }, 120_000);
});
