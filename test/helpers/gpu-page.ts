/**
 * Running planned dispatches in the test page with exact bit patterns: buffers travel as u32 bits
 * (so NaN and −0 survive JSON), and each dispatch's extra buffers are carried by runtime name.
 */
import { expect } from 'vitest';
import type { BrowserSession } from './browser.js';
import type { Dispatch } from '../../src/ops/types.js';

export type Buf = Float32Array | Uint32Array;

/** In the page: run dispatches in order through runKernel, carrying buffers by runtime name (u32 bits). */
const RUN = `async (dispatches, buffers) => {
  const { requestGPUContext } = await import('/src/gpu/device.ts');
  const { runKernel } = await import('/test/helpers/kernel.ts');
  const { device } = await (globalThis.__gpu ??= requestGPUContext());
  const bufs = {};
  for (const [k, v] of Object.entries(buffers)) bufs[k] = v.f32 ? new Float32Array(Uint32Array.from(v.bits).buffer) : Uint32Array.from(v.bits);
  for (const d of dispatches) {
    const names = { arena: 'arena', ...(d.buffers ?? {}) };
    const bound = Object.fromEntries(Object.entries(names).map(([b, n]) => [b, bufs[n]]));
    const out = await runKernel(device, { shader: d.shader, constants: d.constants, uniforms: d.uniforms, buffers: bound, workgroups: d.workgroups });
    for (const [b, data] of Object.entries(out)) bufs[names[b]] = data;
  }
  return Object.fromEntries(Object.entries(bufs).map(([k, v]) => [k, Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length))]));
}`;

/** A runner bound to the test file's browser session (given lazily: it is opened in beforeAll). */
export function pageRunner(session: () => BrowserSession) {
  return async (d: Dispatch[], buffers: Record<string, Buf>): Promise<Record<string, Uint32Array>> => {
    const s = session();
    const payload = Object.fromEntries(Object.entries(buffers).map(([k, v]) => [k, { f32: v instanceof Float32Array, bits: Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length)) }]));
    const r = await s.runInPage<Record<string, number[]>>(`(${RUN})(${JSON.stringify(d)}, ${JSON.stringify(payload)})`);
    expect(s.errors).toEqual([]);
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Uint32Array.from(v)]));
  };
}

export const asF32 = (u: Uint32Array) => new Float32Array(u.buffer, u.byteOffset, u.length);
