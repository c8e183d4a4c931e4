/**
 * One benchmark step in a child process of its own (what a Worker is in the page, bench/page/worker.ts):
 * our Dawn and ORT's (built into onnxruntime-node) never share a process, and a step that crashes, hangs
 * or leaks stays in its own. Message in: { job, arg }; out: { type: 'log', text } …, then
 * { type: 'done', value } or { type: 'failed', name, message }. Typed arrays travel as they are
 * (the channel is opened with `serialization: 'advanced'`).
 */
import { decodeImageFile } from '../../src/image/decode-node.js';
import { describeAdapter, requestAdapter } from '../../src/gpu/device.js';
import { gemmCeiling, oursOn, type OursOptions } from '../measure.js';
import { ortNode, type OrtNodeOptions } from './ort.js';
import type { BenchResult } from '../report.js';

export type NodeJob = 'env' | 'gemm' | 'ours' | 'ort';

const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, undefined, {}, () => resolve()));
const log = (text: string) => void send({ type: 'log', text });

/** The adapter Dawn gives this process, as the report's `env`. */
async function env(): Promise<NonNullable<BenchResult['env']>> {
  const a = await requestAdapter();
  const limits: Record<string, number> = {};
  for (const k in a.limits) limits[k] = (a.limits as unknown as Record<string, number>)[k];
  return { adapter: { ...describeAdapter(a) }, features: [...a.features].sort(), limits, userAgent: `Node ${process.version}`, crossOriginIsolated: false };
}

async function run(job: NodeJob, arg: never): Promise<unknown> {
  switch (job) {
    case 'env': return env();
    case 'gemm': return gemmCeiling(arg, log);
    case 'ours': {
      const o = arg as Omit<OursOptions, 'image'> & { image: Uint8Array };
      return oursOn(o, await decodeImageFile(o.image), log);
    }
    case 'ort': return ortNode(arg as OrtNodeOptions, log);
  }
  throw new Error(`unknown job ${job as string}`);
}

/** Serve one job from the parent; resolves once its result (or failure) is sent. */
export function serveJob(): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', async (m: { job: NodeJob; arg: never }) => {
      try {
        await send({ type: 'done', value: await run(m.job, m.arg) });
      } catch (err) {
        const x = err as Error;
        await send({ type: 'failed', name: x?.name ?? 'Error', message: String(x?.message ?? err).split('\n')[0] });
      }
      process.disconnect?.();
      resolve();
    });
  });
}
