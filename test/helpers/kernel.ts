/**
 * Run one shader once on real WebGPU and read buffers back: the kernel-test harness.
 * Buffers are given by binding name; uniforms by field name (offsets come from the WGSL).
 */
import { pipelinesOf, type Constants } from '../../src/gpu/pipelines.js';
import { packUniforms } from '../../src/gpu/shader.js';

export type Data = Float32Array | Uint32Array | Int32Array;

export interface KernelRun {
  shader: string;
  constants?: Constants;
  uniforms?: Record<string, number | readonly number[]>;
  /** Storage buffers by binding name: initial contents. */
  buffers: Record<string, Data>;
  workgroups: [number, number?, number?];
}

/** Dispatch once; returns every storage buffer's contents afterwards, typed like its input. */
export async function runKernel(device: GPUDevice, run: KernelRun): Promise<Record<string, Data>> {
  const { info, pipeline, layout } = await pipelinesOf(device).get(run.shader, run.constants ?? {});
  const gpu: Record<string, GPUBuffer> = {};
  const entries: GPUBindGroupEntry[] = [];
  for (const b of info.bindings) {
    if (b.kind === 'uniform') {
      const data = packUniforms(info, run.uniforms ?? {});
      const buf = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buf, 0, data);
      entries.push({ binding: b.binding, resource: { buffer: buf } });
      continue;
    }
    const src = run.buffers[b.name];
    if (!src) throw new Error(`runKernel: buffer ${b.name} not given`);
    const size = Math.max(16, Math.ceil(src.byteLength / 16) * 16);
    const buf = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buf, 0, src);
    gpu[b.name] = buf;
    entries.push({ binding: b.binding, resource: { buffer: buf } });
  }
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout, entries }));
  pass.dispatchWorkgroups(run.workgroups[0], run.workgroups[1] ?? 1, run.workgroups[2] ?? 1);
  pass.end();
  const reads: [string, GPUBuffer][] = [];
  for (const [name, buf] of Object.entries(gpu)) {
    const rb = device.createBuffer({ size: buf.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    enc.copyBufferToBuffer(buf, 0, rb, 0, buf.size);
    reads.push([name, rb]);
  }
  device.queue.submit([enc.finish()]);
  const out: Record<string, Data> = {};
  for (const [name, rb] of reads) {
    await rb.mapAsync(GPUMapMode.READ);
    const Ctor = run.buffers[name].constructor as new (b: ArrayBuffer) => Data;
    out[name] = new Ctor(rb.getMappedRange().slice(0, run.buffers[name].byteLength));
    rb.unmap();
    rb.destroy();
    gpu[name].destroy();
  }
  return out;
}

/** max |a − b| over two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Seeded uniform random floats in [lo, hi) (mulberry32), for reproducible kernel tests. */
export function seededRandom(seed: number) {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => r(lo, hi));
}
