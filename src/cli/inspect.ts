/** `yolo11-webgpu inspect <file> [--json]` */
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './main.js';
import { readWeights, parameterCount } from '../weights/weights.js';
import { readInput } from './io.js';

export const command: Command = {
  summary: 'print a weight file\'s manifest and parameter count',
  usage: 'yolo11-webgpu inspect <file.y11w> [--json]',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
    if (positionals.length !== 1) throw new UsageError('expected exactly one weight file');
    const f = await readWeights(await readInput(positionals[0]));
    const { tensors, ...m } = f.manifest;
    const parameters = parameterCount(f);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...m, parameters, tensorCount: tensors.length, dtype: tensors[0]?.dtype }, null, 2)}\n`);
      return;
    }
    const names = m.names.slice(0, 5).join(', ') + (m.names.length > 5 ? `, … (${m.names.length})` : '');
    process.stdout.write([
      `${positionals[0]}`,
      `  model      ${m.family}${m.scale} ${m.task}, nc ${m.nc}: ${names}`,
      `  input      ${m.imgsz[0]}×${m.imgsz[1]}, strides ${m.strides.join('/')}`,
      `  tensors    ${tensors.length} (${tensors[0]?.dtype}), ${parameters.toLocaleString('en-US')} parameters`,
      `  source     ${m.source.file} (${m.source.format}, sha256 ${m.source.sha256.slice(0, 16)}…)`,
      `  payload    ${m.payload.byteLength.toLocaleString('en-US')} bytes, sha256 ${m.payload.sha256.slice(0, 16)}…`,
      '',
    ].join('\n'));
  },
};
