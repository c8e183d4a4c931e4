import type { ParseArgsConfig } from 'node:util';
import { peek } from '../src/cli/io.js';

const FIX = process.env.YOLO11_WEBGPU_FIXTURES ?? '../shared';

/** The options `npm run bench` and `npm run bench:node` share; `peers` is each one's default peer list. */
export const benchOptions = (peers: string) => ({
  model: { type: 'string', default: `${FIX}/models/yolo11n-coco-fp32.onnx` }, imgsz: { type: 'string', default: '640' },
  runs: { type: 'string', default: '5' }, peers: { type: 'string', default: peers }, json: { type: 'string' },
  image: { type: 'string', default: `${FIX}/datasets/fracatlas/images/Fractured/IMG0003458.jpg` }, inflight: { type: 'string', default: '4' },
  timeout: { type: 'string', default: '1200' }, 'skip-ceiling': { type: 'boolean', default: false }, 'no-tune': { type: 'boolean', default: false },
}) satisfies ParseArgsConfig['options'];

/** `--imgsz 640` or `--imgsz 384,640`: [H, W], each a multiple of 32 (the network's largest stride). */
export function size(v: string): [number, number] {
  const p = v.split(',').map(Number);
  const s: [number, number] = p.length === 1 ? [p[0], p[0]] : [p[0], p[1]];
  if (s.some((x) => !Number.isInteger(x) || x < 32 || x % 32)) throw new Error(`--imgsz ${v}: multiples of 32, N or H,W`);
  return s;
}

/** `--model` and `--image` must be files: a missing one is the CLI's typed FILE_NOT_FOUND before anything starts (a page given no file would wait for it). */
export async function checkFiles(values: { model?: string; image?: string }): Promise<void> {
  for (const f of [values.model, values.image]) if (f) await peek(f);
}
