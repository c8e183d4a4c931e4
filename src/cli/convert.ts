/** `yolo11-webgpu convert <model.onnx|.tflite> -o <file.y11w> [--half]`: an Ultralytics export → a weight file. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './main.js';
import { convertModel } from '../convert/index.js';
import { parameterCount, readWeights } from '../weights/weights.js';
import { readInput } from './io.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export const command: Command = {
  summary: 'convert an Ultralytics YOLO11 detect export (ONNX or TFLite) into a weight file',
  usage: 'yolo11-webgpu convert <model.onnx|model.tflite> -o <file.y11w> [--half]   (--half stores f16 weights)',
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, half: { type: 'boolean', default: false } } });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError(`expected exactly one model file, got ${positionals.length}`);
    if (!values.output) throw new UsageError('missing -o <file>');
    const [src] = positionals;
    if (resolve(src) === resolve(values.output)) throw new UsageError('the output file must differ from the model file');
    const dtype = values.half ? 'f16' : 'f32';
    const out = await convertModel(await readInput(src), src, dtype);
    // Read the result back through the runtime's own strict reader before anything is written.
    const f = await readWeights(out);
    await mkdir(dirname(resolve(values.output)), { recursive: true });
    await writeFile(values.output, out);
    const m = f.manifest;
    process.stdout.write(`${values.output}: yolo11${m.scale}, nc ${m.nc}, ${fmt(parameterCount(f))} parameters, ${dtype}, ${fmt(out.length)} bytes\n`);
  },
};
