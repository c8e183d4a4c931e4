/** `yolo11-webgpu convert <model.onnx> -o <file> [--half]` */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './main.js';
import { convertModel } from '../convert/index.js';
import { readWeights, parameterCount } from '../weights/weights.js';
import { readInput } from './io.js';

export const command: Command = {
  summary: 'convert an Ultralytics ONNX detect export into a weight file',
  usage: 'yolo11-webgpu convert <model.onnx> -o <file.y11w> [--half]',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, half: { type: 'boolean', default: false } } });
    if (positionals.length !== 1) throw new UsageError('expected exactly one model file');
    if (!values.output) throw new UsageError('missing -o <file>');
    const src = positionals[0];
    const bytes = await readInput(src);
    const out = await convertModel(bytes, src, values.half ? 'f16' : 'f32');
    const f = await readWeights(out);
    await mkdir(dirname(values.output), { recursive: true });
    await writeFile(values.output, out);
    const m = f.manifest;
    process.stdout.write(`${values.output}: yolo11${m.scale}, nc ${m.nc}, ${parameterCount(f).toLocaleString('en-US')} parameters, ${values.half ? 'f16' : 'f32'}, ${out.length.toLocaleString('en-US')} bytes\n`);
  },
};
