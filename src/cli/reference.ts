/**
 * `yolo11-webgpu reference <model.onnx> <images...> -o <file.y11r> [--imgsz 640|H,W]`: ONNX Runtime
 * reference tensors (letterboxed input, every layer, output0, inner tensors) for some images.
 * Format and tensor names: docs/REFERENCE.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './main.js';
import { makeReference, readManifest } from '../reference/reference.js';
import { peek, readInput } from './io.js';
import { ModelImportError } from '../errors.js';
import { describe } from '../io/sniff.js';

/** `640` → [640, 640]; `256,384` → [256, 384] (H, W). Multiples of 32 are checked by the session. */
export function parseImgsz(s: string): [number, number] {
  const parts = s.split(/[,x×]/).map((p) => Number(p.trim()));
  if ((parts.length === 1 || parts.length === 2) && parts.every((v) => Number.isInteger(v) && v > 0)) return parts.length === 1 ? [parts[0], parts[0]] : [parts[0], parts[1]];
  throw new UsageError(`--imgsz ${s}: expected N or H,W`);
}

export const command: Command = {
  summary: 'write ONNX Runtime reference tensors (input, every layer, output0) for images',
  usage: 'yolo11-webgpu reference <model.onnx> <images...> -o <file.y11r> [--imgsz 640|H,W]',
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, imgsz: { type: 'string' } } });
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0]);
    }
    const { values, positionals } = parsed;
    if (positionals.length < 2) throw new UsageError('expected a model and at least one image');
    if (!values.output) throw new UsageError('missing -o <file>');
    const [modelPath, ...images] = positionals;
    const imgsz = values.imgsz ? parseImgsz(values.imgsz) : undefined;
    const model = await peek(modelPath);
    if (model.kind !== 'onnx' && model.kind !== 'unknown') throw new ModelImportError(`${modelPath} is ${describe(model.head, model.size)}, not an ONNX model: reference runs ONNX Runtime on an Ultralytics ONNX export`);
    const bytes = await makeReference({ modelPath, modelBytes: await readInput(modelPath), images, imgsz });
    await mkdir(dirname(values.output), { recursive: true });
    await writeFile(values.output, bytes);
    const m = readManifest(bytes);
    process.stdout.write(`${values.output}: ${images.length} image(s) at ${m.imgsz.join('×')}, ${m.tensors.length} tensors, ${bytes.length.toLocaleString('en-US')} bytes (onnxruntime ${m.ortVersion})\n`);
  },
};
