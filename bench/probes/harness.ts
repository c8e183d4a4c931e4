/**
 * What the kernel probes (`npm run bench:probe -- <name>`) share: a device with subgroups, one arena,
 * pipelines from WGSL text, and a timer that submits a list of dispatches and waits for them (wall time
 * of the submit, the best of several: a probe compares kernels side by side in one page, never against
 * figures from another run). Probes are experiments, kept so that the figures PERFORMANCE.md quotes
 * from them ("Tried and dropped") can be measured again; the runtime does not use them.
 */
import { packUniforms, reflect } from '../../src/gpu/shader.js';

export interface Probe {
  device: GPUDevice;
  arena: GPUBuffer;
  weights: GPUBuffer;
  pipeline(code: string, constants?: Record<string, number>): Promise<GPUComputePipeline>;
  /** The uniform struct of `code` with its fields by name (offsets from the WGSL, as the runtime packs them). */
  uniform(code: string, values: Record<string, number>): GPUBuffer;
  bind(p: GPUComputePipeline, u: GPUBuffer, withWeights: boolean): GPUBindGroup;
  /** Best and median ms of `runs` submits of the steps (pipeline, bind group, workgroups). */
  time(steps: Step[], runs: number): Promise<{ best: number; median: number }>;
  /** `count` floats of the arena from `offset` (floats), after running the steps once into a cleared output. */
  output(steps: Step[], offset: number, count: number): Promise<Float32Array>;
}
export type Step = [GPUComputePipeline, GPUBindGroup, [number, number, number]];

export async function openProbe(arenaFloats = 1 << 24): Promise<Probe> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter?.features.has('subgroups')) throw new Error('the probes need an adapter with subgroups');
  const device = await adapter.requestDevice({ requiredFeatures: ['subgroups'] });
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const arena = device.createBuffer({ size: arenaFloats * 4, usage });
  const weights = device.createBuffer({ size: 1 << 24, usage });
  const encode = (steps: Step[], e: GPUCommandEncoder) => {
    const pass = e.beginComputePass();
    for (const [p, b, g] of steps) {
      pass.setPipeline(p);
      pass.setBindGroup(0, b);
      pass.dispatchWorkgroups(...g);
    }
    pass.end();
  };
  return {
    device, arena, weights,
    async pipeline(code, constants = {}) {
      const module = device.createShaderModule({ code });
      const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
      if (errors.length) throw new Error(errors.map((m) => m.message).join('; '));
      return device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants } });
    },
    uniform(code, values) {
      const data = packUniforms(reflect('probe', code), values);
      const b = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(b, 0, data);
      return b;
    },
    bind(p, u, withWeights) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: arena } }];
      entries.push(withWeights ? { binding: 1, resource: { buffer: weights } } : { binding: 1, resource: { buffer: u } });
      if (withWeights) entries.push({ binding: 2, resource: { buffer: u } });
      return device.createBindGroup({ layout: p.getBindGroupLayout(0), entries });
    },
    async time(steps, runs) {
      const t: number[] = [];
      for (let r = 0; r < runs; r++) {
        const e = device.createCommandEncoder();
        encode(steps, e);
        const t0 = performance.now();
        device.queue.submit([e.finish()]);
        await device.queue.onSubmittedWorkDone();
        t.push(performance.now() - t0);
      }
      t.sort((a, b) => a - b);
      return { best: t[0], median: t[t.length >> 1] };
    },
    async output(steps, offset, count) {
      const rb = device.createBuffer({ size: count * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const e = device.createCommandEncoder();
      e.clearBuffer(arena, offset * 4, count * 4);
      encode(steps, e);
      e.copyBufferToBuffer(arena, offset * 4, rb, 0, count * 4);
      device.queue.submit([e.finish()]);
      await rb.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(rb.getMappedRange().slice(0));
      rb.destroy();
      return out;
    },
  };
}

/** Deterministic values in [-0.5, 0.5). */
export function noise(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    a[i] = x / 2147483648 - 0.5;
  }
  return a;
}

/** Largest |a − b| over the largest |a|. */
export function relError(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(a[i]));
  }
  return m ? d / m : d;
}

export const ms = (t: { best: number; median: number }) => `${t.best.toFixed(2)} / ${t.median.toFixed(2)} ms`;
