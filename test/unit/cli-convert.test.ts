/**
 * `yolo11-webgpu convert` and `inspect`, run in-process through main() (no build needed): output
 * lines, exit codes (0 ok, 1 bad input, 2 bad usage), and errors as one stderr line without a stack
 * unless --verbose.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { expectedTensors } from '../../src/model/spec.js';
import { sha256Hex } from '../../src/weights/format.js';
import { readWeights } from '../../src/weights/weights.js';
import { fixture } from '../helpers/fixtures.js';

const FP32 = fixture('models/yolo11n-coco-fp32.onnx');
const UINT8 = fixture('models/yolo11n-coco-uint8.onnx');
const dir = mkdtempSync(join(tmpdir(), 'yolo11-cli-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI in-process, capturing what it writes. */
async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof o;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof e;
  try {
    return { code: await main(argv), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

const lines = (s: string) => s.split('\n').filter(Boolean);
/** A failure: the exit code, and exactly one stderr line (plus the usage line for usage errors). */
function failed(r: { code: number; out: string; err: string }, code: 1 | 2, re: RegExp) {
  expect(r.code, r.err).toBe(code);
  expect(lines(r.err)[0]).toMatch(re);
  expect(lines(r.err)).toHaveLength(code === 2 ? 2 : 1);
  if (code === 2) expect(lines(r.err)[1]).toMatch(/^usage: yolo11-webgpu (convert|inspect) /);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.out).toBe('');
}

describe('convert', () => {
  test('fp32 ONNX → weight file with a one-line summary; the output folder is created', async () => {
    const w = join(dir, 'nested', 'deeper', 'coco.y11w');
    const r = await cli('convert', FP32, '-o', w);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    expect(lines(r.out)).toHaveLength(1);
    const bytes = readFileSync(w);
    expect(r.out).toBe(`${w}: yolo11n, nc 80, 2,616,232 parameters, f32, ${bytes.length.toLocaleString('en-US')} bytes\n`);
    const f = await readWeights(bytes);
    expect(f.manifest.source).toEqual({ file: 'yolo11n-coco-fp32.onnx', sha256: await sha256Hex(readFileSync(FP32)), format: 'onnx' });
  });

  test('--half stores f16: about half the bytes', async () => {
    const r = await cli('convert', UINT8, '--half', '-o', join(dir, 'half.y11w'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/: yolo11n, nc 80, 2,616,232 parameters, f16, [\d,]+ bytes\n$/);
    const f = await readWeights(readFileSync(join(dir, 'half.y11w')));
    expect([...f.tensors.values()].every((t) => t.dtype === 'f16')).toBe(true);
    expect(readFileSync(join(dir, 'half.y11w')).length).toBeLessThan(0.55 * 4 * 2_616_232);
  });

  test('bad input → exit 1 and one line; bad usage → exit 2 and the usage line', async () => {
    const cut = join(dir, 'cut.onnx');
    writeFileSync(cut, readFileSync(FP32).subarray(0, 200_000));
    failed(await cli('convert', join(dir, 'missing.onnx'), '-o', join(dir, 'x.y11w')), 1, /^yolo11-webgpu convert: .*missing\.onnx: no such file$/);
    failed(await cli('convert', cut, '-o', join(dir, 'x.y11w')), 1, /^yolo11-webgpu convert: ModelImportError: cut\.onnx is not a readable ONNX model .*truncated or corrupt$/);
    failed(await cli('convert', FP32), 2, /missing -o/);
    failed(await cli('convert', FP32, UINT8, '-o', join(dir, 'x.y11w')), 2, /exactly one model file, got 2/);
    failed(await cli('convert', FP32, '-o', join(dir, 'x.y11w'), '--fp16'), 2, /UsageError: Unknown option '--fp16'/);
    failed(await cli('convert', cut, '-o', cut), 2, /must differ/);
    expect(existsSync(join(dir, 'x.y11w'))).toBe(false);
  });

  test('--names: class names for an export without metadata; a wrong count or an empty name is one line', async () => {
    const tfl = fixture('models/yolo11n-fracture-fp32.tflite');
    const plain = join(dir, 'fracture-plain.y11w');
    const named = join(dir, 'fracture-named.y11w');
    expect((await cli('convert', tfl, '-o', plain)).code).toBe(0);
    expect((await readWeights(readFileSync(plain))).manifest.names).toEqual(['class0']);
    const r = await cli('convert', tfl, '-o', named, '--names', 'fracture');
    expect(r.code, r.err).toBe(0);
    expect((await readWeights(readFileSync(named))).manifest.names).toEqual(['fracture']);
    failed(await cli('convert', tfl, '-o', join(dir, 'y.y11w'), '--names', 'fracture,bone'), 1, /^yolo11-webgpu convert: ModelImportError: yolo11n-fracture-fp32\.tflite has 1 class but 2 names were given$/);
    failed(await cli('convert', FP32, '-o', join(dir, 'y.y11w'), '--names', 'a,,b'), 2, /--names "a,,b": a name is empty/);
    expect(existsSync(join(dir, 'y.y11w'))).toBe(false);
  });

  test('--verbose adds the stack trace', async () => {
    const r = await cli('convert', join(dir, 'missing.onnx'), '-o', join(dir, 'x.y11w'), '--verbose');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no such file\n/);
    expect(r.err).toMatch(/\n\s+at /);
  });

  test('--help prints the usage', async () => {
    const r = await cli('convert', '--help');
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(/^usage: yolo11-webgpu convert <model\.onnx\|model\.tflite> -o <file\.y11w> \[--half\]/)]);
  });
});

describe('inspect', () => {
  const w = join(dir, 'inspect.y11w');
  beforeAll(async () => expect((await cli('convert', FP32, '-o', w)).code).toBe(0));

  test('a readable summary of the manifest', async () => {
    const r = await cli('inspect', w);
    expect(r.code, r.err).toBe(0);
    const f = await readWeights(readFileSync(w));
    const text = r.out;
    expect(text).toContain('yolo11n detect, nc 80: person, bicycle, car, motorcycle, airplane, … (80 names)');
    expect(text).toContain('640×640 (h×w), strides 8/16/32');
    expect(text).toContain(`yolo11n-coco-fp32.onnx (onnx, sha256 ${f.manifest.source.sha256.slice(0, 16)}…)`);
    expect(text).toContain(`${expectedTensors('n', 80).size} (f32), 2,616,232 parameters`);
    expect(text).toContain(`sha256 ${f.manifest.payload.sha256.slice(0, 16)}…`);
  });

  test('--json: the manifest fields without the tensor list, plus parameters, tensorCount and dtype', async () => {
    const r = await cli('inspect', w, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const f = await readWeights(readFileSync(w));
    const { tensors, ...fields } = f.manifest;
    expect(j).toEqual({ ...fields, parameters: 2_616_232, tensorCount: tensors.length, dtype: 'f32' });
    expect(j).toMatchObject({ kind: 'weights', family: 'yolo11', task: 'detect', scale: 'n', nc: 80, imgsz: [640, 640], strides: [8, 16, 32] });
    expect(j.tensors).toBeUndefined();
  });

  test('bad files → the reader\'s typed error on one line, exit 1', async () => {
    const bytes = readFileSync(w);
    writeFileSync(join(dir, 'cut.y11w'), bytes.subarray(0, bytes.length - 1000));
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 5] ^= 0xff;
    writeFileSync(join(dir, 'flipped.y11w'), flipped);
    failed(await cli('inspect', join(dir, 'nope.y11w')), 1, /^yolo11-webgpu inspect: .*nope\.y11w: no such file$/);
    failed(await cli('inspect', FP32), 1, /^yolo11-webgpu inspect: BadMagicError: .*yolo11n-coco-fp32\.onnx is an ONNX model, not a yolo11-webgpu weight file: convert it first/);
    failed(await cli('inspect', join(dir, 'cut.y11w')), 1, /TruncatedFileError: payload of/);
    failed(await cli('inspect', join(dir, 'flipped.y11w')), 1, /ChecksumMismatchError/);
    failed(await cli('inspect'), 2, /exactly one weight file, got 0/);
    failed(await cli('inspect', w, '--yaml'), 2, /Unknown option '--yaml'/);
  });
});
