/**
 * In-page entry for kernel tests: runs one planned dispatch (or a list) on the page's WebGPU device
 * with the given arena and weights, and returns the arena as a plain array.
 */
import { requestGPUContext, type GPUContext } from '../../../src/gpu/device.js';
import { runKernel } from '../../helpers/kernel.js';
import type { Dispatch } from '../../../src/ops/types.js';

let ctx: Promise<GPUContext> | undefined;
const gpu = () => (ctx ??= requestGPUContext());

export async function adapterInfo() {
  const c = await gpu();
  return { ...c.adapterInfo, features: c.features };
}

/** Run dispatches in order; extra buffers (by name) are given as plain arrays with a type tag. */
export async function runDispatches(
  dispatches: Dispatch[],
  arena: number[],
  weights: number[],
  extra: Record<string, { type: 'f32' | 'u32' | 'i32'; data: number[] }> = {},
): Promise<{ arena: number[]; extra: Record<string, number[]> }> {
  const { device } = await gpu();
  let a: Float32Array = Float32Array.from(arena);
  const bufs: Record<string, Float32Array | Uint32Array | Int32Array> = {};
  for (const [k, v] of Object.entries(extra)) bufs[k] = v.type === 'f32' ? Float32Array.from(v.data) : v.type === 'u32' ? Uint32Array.from(v.data) : Int32Array.from(v.data);
  const w = Float32Array.from(weights);
  for (const d of dispatches) {
    const buffers: Record<string, Float32Array | Uint32Array | Int32Array> = { arena: a, weights: w };
    for (const [binding, name] of Object.entries(d.buffers ?? {})) buffers[binding] = name === 'weights' ? w : bufs[name];
    for (const [k, v] of Object.entries(bufs)) if (!(k in buffers)) buffers[k] = v;
    const out = await runKernel(device, { shader: d.shader, constants: d.constants, uniforms: d.uniforms, buffers, workgroups: d.workgroups });
    a = (out.arena as Float32Array | undefined) ?? a;
    for (const [binding, name] of Object.entries(d.buffers ?? {})) if (name !== 'weights' && out[binding]) bufs[name] = out[binding];
    for (const k of Object.keys(bufs)) if (out[k] && !(d.buffers && k in d.buffers)) bufs[k] = out[k];
  }
  const ex: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(bufs)) ex[k] = Array.from(v);
  return { arena: Array.from(a), extra: ex };
}
