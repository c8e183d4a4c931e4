/**
 * One benchmark step in a Worker of its own (the page starts a fresh one per step and terminates it
 * after, or when the step's time is up): a peer's global state (LiteRT.js loads once per realm) or a
 * crash stays here. Message in: { job, arg }; out: { type: 'log', text } …, then { type: 'done', value }
 * or { type: 'failed', name, message }. Each job's module is imported on demand, so the ORT worker never
 * loads LiteRT's code and the other way round. A failure travels as its name and first line.
 */
export type Job = 'prepare' | 'convert' | 'gemm' | 'ours' | 'ort' | 'litert';

const post = (m: unknown, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);
const log = (text: string) => post({ type: 'log', text });

/** Typed arrays in a result travel without a copy. */
function buffersOf(v: unknown, out: Transferable[] = []): Transferable[] {
  if (ArrayBuffer.isView(v)) out.push(v.buffer as ArrayBuffer);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) buffersOf(x, out);
  return out;
}

async function run(job: Job, arg: never): Promise<unknown> {
  switch (job) {
    case 'convert': return (await import('./prepare.js')).convert(arg);
    case 'prepare': return (await import('./prepare.js')).prepare(arg);
    case 'gemm': return (await import('../measure.js')).gemmCeiling(arg, log);
    case 'ours': return (await import('../measure.js')).ours(arg, log);
    case 'ort': return (await import('../measure.js')).ortWeb(arg, log);
    case 'litert': return (await import('../measure.js')).litert(arg, log);
  }
  throw new Error(`unknown job ${job as string}`);
}

self.onmessage = async (e: MessageEvent<{ job: Job; arg: never }>) => {
  try {
    const value = await run(e.data.job, e.data.arg);
    post({ type: 'done', value }, [...new Set(buffersOf(value))]);
  } catch (err) {
    const x = err as Error;
    post({ type: 'failed', name: x?.name ?? 'Error', message: String(x?.message ?? err).split('\n')[0] });
  }
};
