/**
 * `yolo11-webgpu inspect <file> [--json]`: a weight file's manifest, validated by the strict reader.
 * Reference files (`YOLO11RT`) get the container-level summary.
 */
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './main.js';
import { REFERENCE_MAGIC, readTensorFile, type Manifest, type TensorFile } from '../weights/format.js';
import { parameterCount, readWeights, type WeightsManifest } from '../weights/weights.js';
import { readWeightsArg } from './io.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const dtypeOf = (m: Manifest) => [...new Set(m.tensors.map((t) => t.dtype))].join('+') || 'none';

export const command: Command = {
  summary: "print a weight file's manifest and parameter count",
  usage: 'yolo11-webgpu inspect <file.y11w> [--json]',
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError(`expected exactly one weight file, got ${positionals.length}`);
    const path = positionals[0];
    const bytes = await readWeightsArg(path, { reference: true });
    const isReference = new TextDecoder('latin1').decode(bytes.subarray(0, 8)) === REFERENCE_MAGIC;
    const f: TensorFile = isReference ? await readTensorFile(bytes, REFERENCE_MAGIC) : await readWeights(bytes);
    const { tensors, ...fields } = f.manifest;
    const summary = { ...fields, dtype: dtypeOf(f.manifest), tensorCount: tensors.length, parameters: parameterCount(f) };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const lines = [path];
    if (isReference) {
      lines.push(`  kind       ${String(fields.kind)}`, `  fields     ${Object.keys(fields).filter((k) => k !== 'payload').join(', ')}`);
    } else {
      const m = f.manifest as WeightsManifest;
      const names = m.names.slice(0, 5).join(', ') + (m.names.length > 5 ? `, … (${m.names.length} names)` : '');
      lines.push(
        `  model      ${m.family}${m.scale} ${m.task}${m.kptShape ? ` (kpt_shape ${m.kptShape.join('×')})` : m.nm ? ` (${m.nm} mask coefficients)` : ''}, nc ${m.nc}: ${names}`,
        `  input      ${m.imgsz[0]}×${m.imgsz[1]} (h×w)${m.strides ? `, strides ${m.strides.join('/')}` : ''}`,
        `  source     ${m.source.file} (${m.source.format}, sha256 ${m.source.sha256.slice(0, 16)}…)`,
      );
      if (m.settings) lines.push(`  settings   ${JSON.stringify(m.settings)}`);
    }
    lines.push(
      `  tensors    ${tensors.length} (${summary.dtype}), ${fmt(summary.parameters)} parameters`,
      `  payload    ${fmt(f.manifest.payload.byteLength)} bytes, sha256 ${f.manifest.payload.sha256.slice(0, 16)}…`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
