/**
 * src/io/sniff.ts: files told apart by their first bytes — the real fixtures (ONNX, TFLite, JPEG, our
 * weight files), synthetic ones for the rest, a 512-byte head of a large file, and truncated files.
 */
import { readFileSync } from 'node:fs';
import { describe as group, expect, test } from 'vitest';
import pkg from 'onnx-proto';
import { SNIFF_BYTES, describe, sniff } from '../../src/io/sniff.js';
import { convertModel } from '../../src/convert/index.js';
import { readWeights } from '../../src/weights/weights.js';
import { fixture } from '../helpers/fixtures.js';

const { onnx } = pkg;
const head = (path: string) => new Uint8Array(readFileSync(path)).subarray(0, SNIFF_BYTES);
const ascii = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const random = (n: number, seed = 7) => Uint8Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24));

group('sniff', () => {
  test('the fixtures by their first 512 bytes: ONNX (fp32, uint8), TFLite, JPEG', () => {
    expect(sniff(head(fixture('models/yolo11n-coco-fp32.onnx')))).toBe('onnx');
    expect(sniff(head(fixture('models/yolo11n-coco-uint8.onnx')))).toBe('onnx');
    expect(sniff(head(fixture('models/yolo11n-fracture-hybrid.tflite')))).toBe('tflite');
    expect(sniff(head(fixture('datasets/fracatlas/images/Fractured/IMG0003458.jpg')))).toBe('jpeg');
    expect(sniff(head(fixture('datasets/fracatlas/data.yaml')))).toBe('text');
  });

  test('our weight and reference files (magic YOLO11WG, YOLO11RT)', async () => {
    const w = await convertModel(new Uint8Array(readFileSync(fixture('models/yolo11n-fracture-int8.tflite'))), 'fracture.tflite');
    expect(sniff(w.subarray(0, SNIFF_BYTES))).toBe('weights');
    expect(sniff(cat(ascii('YOLO11RT'), [1, 0, 0, 0]))).toBe('reference');
  });

  test('ONNX without a magic number: a tiny graph, a cut file, a head that ends inside the graph', () => {
    const tiny = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 19 }], graph: { name: 'g', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] } }).finish();
    expect(sniff(tiny)).toBe('onnx');
    const full = readFileSync(fixture('models/yolo11n-coco-fp32.onnx'));
    for (const n of [2, 40, 100, 512, 100_000]) expect(sniff(new Uint8Array(full.subarray(0, n))), `first ${n} bytes`).toBe('onnx');
    // Not ONNX: a field number ModelProto lacks, a wrong wire type, an absurd ir_version, zeros, noise.
    expect(sniff(Uint8Array.from([0x48, 0x01]))).toBe('unknown'); // field 9
    expect(sniff(Uint8Array.from([0x0a, 0x01, 0x00]))).toBe('unknown'); // field 1 as bytes
    expect(sniff(Uint8Array.from([0x08, 0xff, 0x7f]))).toBe('unknown'); // ir_version 16383
    expect(sniff(new Uint8Array(64))).toBe('unknown');
    expect(sniff(random(4096))).toBe('unknown');
  });

  test('images, DICOM, archives and the files people pass by mistake', () => {
    const cases: [Uint8Array, string][] = [
      [cat([0xff, 0xd8, 0xff, 0xe0], random(60)), 'jpeg'],
      [cat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], random(60)), 'png'],
      [cat(new Uint8Array(128), ascii('DICM'), random(60)), 'dicom'],
      [cat(ascii('PK'), [3, 4], random(60)), 'zip'],
      [cat(ascii('GIF89a'), random(20)), 'gif'],
      [cat(ascii('RIFF'), [0, 0, 0, 0], ascii('WEBPVP8 '), random(20)), 'webp'],
      [cat(ascii('II*'), [0], random(20)), 'tiff'],
      [cat(ascii('BM'), new Uint8Array(12), [40, 0, 0, 0], random(20)), 'bmp'],
      [cat(new Uint8Array(4), ascii('TFL3'), random(20)), 'tflite'],
      [ascii('version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 10720550\n'), 'lfs-pointer'],
      [ascii('<!doctype html><title>404</title>'), 'text'],
      [ascii(':x'), 'text'], // ':' is the ONNX graph field's tag: text is judged first
      [new Uint8Array(0), 'empty'],
    ];
    for (const [bytes, kind] of cases) expect(sniff(bytes), kind).toBe(kind);
  });

  test('describe: a phrase naming the kind; unrecognised bytes give the size and the first bytes in hex', () => {
    expect(describe(cat(new Uint8Array(128), ascii('DICM')))).toBe('a DICOM file');
    expect(describe(ascii('\n\n  hello world  \nsecond line'))).toBe('a text file starting "hello world"');
    expect(describe(ascii('x'.repeat(100)))).toBe(`a text file starting "${'x'.repeat(40)}…"`);
    expect(describe(Uint8Array.from([0, 1, 2, 0xfe]))).toBe('an unrecognised file (4 bytes starting 00 01 02 fe)');
    expect(describe(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 1_000_000)).toBe('an unrecognised file (1,000,000 bytes starting 00 01 02 03 04 05 06 07 …)');
    expect(describe(new Uint8Array(0))).toBe('an empty file');
  });

  test('the weight reader says what it got instead of a weight file (an HTML page served for the weights URL, an ONNX model)', async () => {
    const html = ascii('<!doctype html><html><head><title>404 Not Found</title></head></html>');
    await expect(readWeights(html)).rejects.toThrow(/^bad magic "<!doctyp", expected "YOLO11WG": this is a text file starting "<!doctype html><html><head><title>404 No…"$/);
    await expect(readWeights(new Uint8Array(readFileSync(fixture('models/yolo11n-coco-uint8.onnx'))))).rejects.toThrow(/expected "YOLO11WG": this is an ONNX model$/);
  });

  test('the module imports nothing, so a web page can use it', () => {
    const src = readFileSync(new URL('../../src/io/sniff.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/^\s*import\s/m);
    expect(src).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b/);
  });
});
