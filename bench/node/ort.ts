/**
 * onnxruntime-node as a peer in Node: its native WebGPU execution provider (Dawn, built into ORT;
 * NCHW or NHWC preferred layout) or its CPU one. The same model (rewritten to the run's input size),
 * the same input, CPU tensors in and out (as our forward() takes and returns them).
 */
import { cpus } from 'node:os';
import type { PeerResult } from '../report.js';
import { firstAndWarm, stats, timed } from '../measure.js';

export interface OrtNodeOptions { model: Uint8Array; input: Float32Array; size: [number, number]; runs: number; ep: 'webgpu' | 'cpu'; layout?: 'NCHW' | 'NHWC' }

/**
 * ORT's native errors begin with its source file, line and the failing function's signature: the
 * reason, then where (`Failed to get a WebGPU adapter: No supported adapters (webgpu_context.cc:136)`).
 */
export function ortReason(message: string): string {
  const m = message.match(/^\/onnxruntime_src\/\S*?([^/\s]+:\d+) (.*)$/s);
  if (!m) return message;
  const rest = m[2];
  const cut = [' was false. ', '> '].map((k) => rest.lastIndexOf(k) + (rest.lastIndexOf(k) >= 0 ? k.length : 0)).find((i) => i > 0) ?? 0;
  return `${rest.slice(cut).trim()} (${m[1]})`;
}

export async function ortNode(o: OrtNodeOptions, log: (line: string) => void): Promise<{ result: PeerResult; output0: Float32Array }> {
  const name = 'onnxruntime-node';
  const ort = (await import(/* @vite-ignore */ name)) as typeof import('onnxruntime-node');
  const ep = o.ep === 'webgpu' ? [{ name: 'webgpu', preferredLayout: o.layout ?? 'NCHW' }] : ['cpu'];
  log('session');
  const threads = cpus().length;
  const create = () => ort.InferenceSession.create(o.model, { executionProviders: ep as never, ...(o.ep === 'cpu' ? { intraOpNumThreads: threads } : {}) });
  const [session, createMs] = await timed(() => create().catch((e: Error) => { throw Object.assign(new Error(ortReason(e.message)), { name: e.name }); }));
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', o.input, [1, 3, o.size[0], o.size[1]]) };
    const run = async () => (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
    const { first: output0, firstMs, warm } = await firstAndWarm(run, o.runs, log);
    const result: PeerResult = { createMs, firstMs, warm: stats(warm), ...(o.ep === 'cpu' ? { threads } : { io: 'cpu' }) };
    return { result, output0: Float32Array.from(output0) };
  } finally {
    await session.release();
  }
}
