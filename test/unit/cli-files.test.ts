/**
 * File arguments as a new user gets them wrong: each command tells files apart by their bytes, not
 * their names, and answers bad input with one line on stderr that names the file and what it is.
 * Every case fails before a detector is opened, so no GPU is needed.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import pkg from 'onnx-proto';
import { cli } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';

const { onnx } = pkg;
const dir = mkdtempSync(join(tmpdir(), 'yolo11-cli-files-'));
const at = (name: string) => join(dir, name);

describe('CLI file arguments, by content', () => {
  test('wrong, missing and unknown files: one line naming the file, non-zero exit', async () => {
    // A weight file not named .y11w, an image, a DICOM, an ONNX and a TFLite model, a zip (a PyTorch .pt), text, noise.
    expect((await cli('convert', fixture('models/yolo11n-fracture-int8.tflite'), '-o', at('fracture.y11w'))).code).toBe(0);
    copyFileSync(at('fracture.y11w'), at('model.w'));
    copyFileSync(fixture('datasets/fracatlas/images/Fractured/IMG0003458.jpg'), at('img.jpg'));
    writeFileSync(at('scan.dcm'), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64)]));
    writeFileSync(at('model.onnx'), onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 19 }], graph: { name: 'g' } }).finish());
    copyFileSync(fixture('models/yolo11n-fracture-int8.tflite'), at('model.tflite'));
    writeFileSync(at('best.pt'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(60)]));
    writeFileSync(at('notes.txt'), 'these are my notes\n');
    writeFileSync(at('noise.jpg'), Buffer.from(Array.from({ length: 4096 }, (_, k) => (k * 7919 + 13) % 251)));
    writeFileSync(at('data.yaml'), 'path: .\nval: val.txt\nnames:\n  0: fracture\n');
    writeFileSync(at('val.txt'), './img.jpg\n');

    const cases: [string[], RegExp][] = [
      // detect: the first argument is the model when its bytes say so. model.w is taken as the weight file,
      // so the complaint is about notes.txt (were model.w an image, it would be named instead).
      [['detect', at('model.w'), at('img.jpg'), at('notes.txt')], /ImageDecodeError: .*notes\.txt: not a PNG or JPEG image but a text file starting "these are my notes"$/],
      [['detect', at('model.onnx'), at('img.jpg')], /BadMagicError: .*model\.onnx is an ONNX model, not a yolo11-webgpu weight file: convert it first with `yolo11-webgpu convert .*model\.onnx -o model\.y11w`$/],
      [['detect', at('model.tflite'), at('img.jpg')], /BadMagicError: .*model\.tflite is a TFLite model, not a yolo11-webgpu weight file: convert it first/],
      [['detect', at('best.pt'), at('img.jpg')], /BadMagicError: .*best\.pt is a zip archive \(a PyTorch \.pt checkpoint is one\), not a yolo11-webgpu weight file: export it to ONNX with Ultralytics/],
      [['detect', at('missing.y11w'), at('img.jpg')], /missing\.y11w: no such file$/],
      [['detect', at('model.w'), at('missing.jpg')], /missing\.jpg: no such file$/],
      [['detect', at('model.w'), dir], /: is a directory, not a file$/],
      [['detect', at('img.jpg'), at('model.w')], /model\.w: not a PNG or JPEG image but a yolo11-webgpu weight file; the weight file goes first/],
      [['detect', at('model.w'), at('scan.dcm')], /scan\.dcm: not a PNG or JPEG image but a DICOM file; the viewer app \(npm start\) opens DICOM$/],
      [['detect', at('model.w'), at('noise.jpg')], /noise\.jpg: not a PNG or JPEG image but an unrecognised file \(4,096 bytes starting 0d 97 26 b0 3f c9 58 e2 …\)$/],
      [['detect', at('model.w'), at('img.jpg'), at('model.onnx')], /model\.onnx: not a PNG or JPEG image but an ONNX model; the model goes first, as a weight file: convert it first/],
      [['detect', at('model.w')], /UsageError: no images given$/],
      [['detect', at('model.w'), at('img.jpg'), '--bogus'], /UsageError: Unknown option '--bogus'$/],
      // inspect, eval: a weight file by its bytes
      [['inspect', at('model.onnx')], /BadMagicError: .*model\.onnx is an ONNX model, not a yolo11-webgpu weight file: convert it first/],
      [['inspect', at('img.jpg')], /BadMagicError: .*img\.jpg is a JPEG image, not a yolo11-webgpu weight file$/],
      [['eval', at('model.onnx'), at('data.yaml')], /BadMagicError: .*model\.onnx is an ONNX model, not a yolo11-webgpu weight file: convert it first/],
      [['eval', at('img.jpg'), at('data.yaml')], /BadMagicError: .*img\.jpg is a JPEG image, not a yolo11-webgpu weight file$/],
      [['eval', at('model.w'), at('img.jpg'), at('data.yaml')], /UsageError: expected \[weights\.y11w\] <data\.yaml>, got 3 arguments$/],
      // convert: a model by its bytes
      [['convert', at('img.jpg'), '-o', at('x.y11w')], /ModelImportError: .*img\.jpg is a JPEG image, not an ONNX or TFLite model$/],
      [['convert', at('model.w'), '-o', at('x.y11w')], /ModelImportError: .*model\.w is already a yolo11-webgpu weight file: there is nothing to convert$/],
      [['convert', at('best.pt'), '-o', at('x.y11w')], /ModelImportError: .*best\.pt is a zip archive .*, not an ONNX or TFLite model: export it with Ultralytics first/],
      [['convert', at('notes.txt'), '-o', at('x.y11w')], /ModelImportError: .*notes\.txt is a text file starting "these are my notes", not an ONNX or TFLite model$/],
      [['convert', at('noise.jpg'), '-o', at('x.y11w')], /ModelImportError: noise\.jpg is not a readable ONNX model .*; it is an unrecognised file \(4,096 bytes starting 0d 97 26/],
      [['reference', at('model.tflite'), at('img.jpg'), '-o', at('x.y11r')], /ModelImportError: .*model\.tflite is a TFLite model, not an ONNX model/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      const what = argv.map((a) => a.replace(dir, '')).join(' ');
      expect(r.code, what).not.toBe(0);
      expect(r.err.split('\n')[0], what).toMatch(re);
      expect(r.err, what).not.toMatch(/\n\s+at /);
      expect(r.out, what).toBe('');
    }
    // The weight file named model.w inspects like any other.
    const i = await cli('inspect', at('model.w'), '--json');
    expect(i.code, i.err).toBe(0);
    expect(JSON.parse(i.out).nc).toBe(1);
    expect(readFileSync(at('model.w')).subarray(0, 8).toString()).toBe('YOLO11WG');
  });
});
