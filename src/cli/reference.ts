/** `yolo11-webgpu reference <model.onnx> <images...> -o <file> [--imgsz 640|H,W]` */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './main.js';
import { makeReference, loadReference } from '../reference/reference.js';
import { readInput } from './io.js';
import { parseSize } from './detect.js';

export const command: Command = {
  summary: 'write ONNX Runtime reference tensors (input, every layer, output0) for images',
  usage: 'yolo11-webgpu reference <model.onnx> <images...> -o <file.y11r> [--imgsz 640|H,W]',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, imgsz: { type: 'string' } } });
    if (positionals.length < 2) throw new UsageError('expected a model and at least one image');
    if (!values.output) throw new UsageError('missing -o <file>');
    const [model, ...images] = positionals;
    const bytes = await makeReference(await readInput(model), model, images, values.imgsz ? parseSize(values.imgsz) : undefined);
    await mkdir(dirname(values.output), { recursive: true });
    await writeFile(values.output, bytes);
    const f = await loadReference(bytes);
    process.stdout.write(`${values.output}: ${images.length} image(s) at ${(f.manifest.imgsz as number[]).join('×')}, ${f.tensors.size} tensors, ${bytes.length.toLocaleString('en-US')} bytes\n`);
  },
};
