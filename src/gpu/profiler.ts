/**
 * Per-dispatch GPU time with `timestamp-query`: each dispatch in its own compute pass whose
 * beginning and end write timestamps, resolved into one buffer and read back. Only for profiling
 * (benchmarks): one pass per dispatch adds overhead that the normal single-pass path does not have.
 */
import type { Executor } from '../plan/executor.js';
import { InvalidArgumentError } from '../errors.js';
import { dispatchFlops } from '../plan/flops.js';

export interface KernelTime {
  label: string;
  shader: string;
  ms: number;
  /** Floating-point operations of the dispatch (0 for element-wise kernels; src/plan/flops.ts). */
  flops: number;
  /** The kernel variant, for ops that have several (src/ops/conv-variants.ts). */
  variant?: string;
  /** Of `ms`, the time of the op's prologue dispatch (an im2col kernel's unfolding), counted here. */
  prologueMs?: number;
}

/**
 * Encode dispatches [from, to) one pass each with timestamps; `prepare` adds work before (input copies,
 * resets). One entry per op: a `prologue` dispatch's time is added to the dispatch after it, an
 * `epilogue` dispatch's to the entry before it.
 */
export async function profileDispatches(device: GPUDevice, ex: Executor, from: number, to: number, prepare?: (enc: GPUCommandEncoder) => void): Promise<KernelTime[]> {
  if (!device.features.has('timestamp-query')) throw new InvalidArgumentError('profiling needs the adapter feature timestamp-query');
  const count = 2 * (to - from);
  const querySet = device.createQuerySet({ type: 'timestamp', count });
  const resolve = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const enc = device.createCommandEncoder({ label: 'profile' });
    prepare?.(enc);
    for (let i = from; i < to; i++) {
      const q = 2 * (i - from);
      const pass = enc.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 } });
      ex.encode(pass, i, i + 1);
      pass.end();
    }
    enc.resolveQuerySet(querySet, 0, count, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, count * 8);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const t = new BigInt64Array(read.getMappedRange().slice(0));
    read.unmap();
    const out: KernelTime[] = [];
    let prologue = 0;
    ex.dispatches.slice(from, to).forEach((d, j) => {
      const ms = Number(t[2 * j + 1] - t[2 * j]) / 1e6;
      if (d.prologue && from + j + 1 < to) {
        prologue += ms; // an op's preparing dispatch: its time is the next dispatch's (the same op's)
        return;
      }
      if (d.epilogue && out.length && out[out.length - 1].label === d.label) {
        out[out.length - 1].ms += ms; // an op's finishing dispatch: its time is the one before's
        return;
      }
      out.push({ label: d.label, shader: d.shader, ms: ms + prologue, flops: dispatchFlops(d), ...(d.variant ? { variant: d.variant } : {}), ...(prologue ? { prologueMs: prologue } : {}) });
      prologue = 0;
    });
    return out;
  } finally {
    querySet.destroy();
    resolve.destroy();
    read.destroy();
  }
}
