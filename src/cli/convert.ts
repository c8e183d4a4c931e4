/**
 * `yolo11-webgpu convert <model.onnx|.tflite> -o <file.y11w> [--half] [--settings s.json] [--names a,b,…]`:
 * an Ultralytics export → a weight file, optionally with settings (e.g. a threshold) stored with it and
 * class names for an export that carries none (a TFLite file without Ultralytics metadata reads class0, …).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './main.js';
import { convertModel } from '../convert/index.js';
import { parameterCount, readWeights } from '../weights/weights.js';
import { readInput } from './io.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export const command: Command = {
  summary: 'convert an Ultralytics YOLO11 detect export (ONNX or TFLite) into a weight file',
  usage: 'yolo11-webgpu convert <model.onnx|model.tflite> -o <file.y11w> [--half] [--settings settings.json] [--names a,b,…]   (--half stores f16 weights; --settings stores a JSON object such as {"highSensitivityConf": 0.1} with the model; --names replaces the class names, one per class)',
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, half: { type: 'boolean', default: false }, settings: { type: 'string' }, names: { type: 'string' } } });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError(`expected exactly one model file, got ${positionals.length}`);
    if (!values.output) throw new UsageError('missing -o <file>');
    const [src] = positionals;
    if (resolve(src) === resolve(values.output)) throw new UsageError('the output file must differ from the model file');
    const dtype = values.half ? 'f16' : 'f32';
    const settings = values.settings ? await readSettings(values.settings) : undefined;
    const names = values.names?.split(',').map((n) => n.trim());
    if (names?.some((n) => !n)) throw new UsageError(`--names "${values.names}": a name is empty`);
    const out = await convertModel(await readInput(src), src, dtype, settings, names);
    // Read the result back through the runtime's own strict reader before anything is written.
    const f = await readWeights(out);
    await mkdir(dirname(resolve(values.output)), { recursive: true });
    await writeFile(values.output, out);
    const m = f.manifest;
    const extra = m.settings ? `, settings ${JSON.stringify(m.settings)}` : '';
    process.stdout.write(`${values.output}: yolo11${m.scale}${m.task === 'detect' ? '' : `-${m.task}`}, nc ${m.nc}, ${fmt(parameterCount(f))} parameters, ${dtype}, ${fmt(out.length)} bytes${extra}\n`);
  },
};

/** A settings file: a JSON object; only its `settings` member is used when it has one (an `eval --save-settings` file). */
async function readSettings(path: string): Promise<Record<string, unknown>> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--settings ${path}: ${(e as Error).message}`);
  }
  const s = doc && typeof doc === 'object' && 'settings' in doc ? (doc as { settings: unknown }).settings : doc;
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw new UsageError(`--settings ${path}: expected a JSON object`);
  return s as Record<string, unknown>;
}
