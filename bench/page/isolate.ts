/**
 * A benchmark step in a fresh Worker (bench/page/worker.ts), bounded in time: the worker is terminated
 * when the step ends, fails or runs out of time, so nothing it loaded outlives it.
 */
import type { Job } from './worker.js';

export class StepTimeout extends Error {
  override name = 'StepTimeout';
}

export function runIsolated<T>(job: Job, arg: unknown, seconds: number, onLog: (line: string) => void = () => {}, transfer: Transferable[] = []): Promise<T> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: `bench-${job}` });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StepTimeout(`no answer in ${seconds} s (stopped)`)), seconds * 1000);
    worker.onmessage = (e: MessageEvent) => {
      const m = e.data;
      if (m.type === 'log') return onLog(m.text);
      clearTimeout(timer);
      if (m.type === 'done') resolve(m.value as T);
      else reject(Object.assign(new Error(m.message), { name: m.name }));
    };
    worker.onerror = (e) => {
      clearTimeout(timer);
      reject(new Error(e.message || 'the worker could not start'));
    };
    worker.postMessage({ job, arg }, transfer);
  }).finally(() => worker.terminate());
}
