/**
 * Runs a static plan: one arena buffer, one weights buffer, one uniform buffer with a 256-byte slot
 * per dispatch, pipelines compiled once (in parallel where the platform allows) and bind groups made
 * up front. Per inference it only writes inputs/uniforms, encodes the recorded dispatches in one
 * compute pass and submits — no GPU object is created per inference.
 */
import type { Dispatch, Uniforms, View } from '../ops/types.js';
import { pipelinesOf, type PipelineCache } from '../gpu/pipelines.js';
import { packUniforms, type ShaderInfo } from '../gpu/shader.js';

/** minUniformBufferOffsetAlignment is at most 256 on every adapter. */
const UNIFORM_SLOT = 256;

export interface ExtraBuffer {
  bytes: number;
  usage?: number;
}

interface Bound {
  d: Dispatch;
  info: ShaderInfo;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  group: GPUBindGroup;
}

export class Executor {
  readonly arena: GPUBuffer;
  readonly weights: GPUBuffer;
  readonly uniforms: GPUBuffer;
  readonly buffers = new Map<string, GPUBuffer>();
  private bound: Bound[] = [];
  /** Milliseconds spent creating buffers and queueing the weights upload, and compiling pipelines + bind groups. */
  readonly setupMs = { upload: 0, compile: 0 };
  private readonly byLabel = new Map<string, number>();
  /** Buffers owned elsewhere (another plan's arena, say), bound by name but never destroyed here. */
  private readonly borrowed = new Set<GPUBuffer>();

  private constructor(
    readonly device: GPUDevice,
    readonly dispatches: Dispatch[],
    arenaElements: number,
    weights: Float32Array,
    extra: Record<string, ExtraBuffer>,
    external: Record<string, GPUBuffer>,
  ) {
    const S = GPUBufferUsage.STORAGE;
    this.arena = device.createBuffer({ label: 'arena', size: Math.max(256, arenaElements * 4), usage: S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.weights = device.createBuffer({ label: 'weights', size: Math.max(256, weights.byteLength), usage: S | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.weights, 0, weights as Float32Array<ArrayBuffer>);
    this.uniforms = device.createBuffer({ label: 'uniforms', size: Math.max(1, dispatches.length) * UNIFORM_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    for (const [name, b] of Object.entries(extra)) {
      this.buffers.set(name, device.createBuffer({ label: name, size: Math.max(16, Math.ceil(b.bytes / 16) * 16), usage: b.usage ?? (S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST) }));
    }
    for (const [name, b] of Object.entries(external)) {
      this.buffers.set(name, b);
      this.borrowed.add(b);
    }
    dispatches.forEach((d, i) => this.byLabel.set(d.label, i));
  }

  /** `external`: buffers of other executors this plan's dispatches bind by name (not destroyed with this one). */
  static async create(device: GPUDevice, dispatches: Dispatch[], arenaElements: number, weights: Float32Array, extra: Record<string, ExtraBuffer> = {}, cache = pipelinesOf(device), external: Record<string, GPUBuffer> = {}): Promise<Executor> {
    const t0 = performance.now();
    const ex = new Executor(device, dispatches, arenaElements, weights, extra, external);
    const t1 = performance.now();
    device.pushErrorScope('validation');
    const pipes = await Promise.all(dispatches.map((d) => cache.get(d.shader, d.constants)));
    ex.bound = dispatches.map((d, i) => {
      const { info, pipeline, layout } = pipes[i];
      return { d, info, pipeline, layout, group: ex.bindGroup(d, info, layout, i) };
    });
    dispatches.forEach((d, i) => ex.writeUniforms(i, d.uniforms));
    const err = await device.popErrorScope();
    if (err) throw new Error(`plan setup failed: ${err.message}`);
    ex.setupMs.upload = t1 - t0;
    ex.setupMs.compile = performance.now() - t1;
    return ex;
  }

  private bindGroup(d: Dispatch, info: ShaderInfo, layout: GPUBindGroupLayout, i: number): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = info.bindings.map((b) => {
      if (b.kind === 'uniform') return { binding: b.binding, resource: { buffer: this.uniforms, offset: i * UNIFORM_SLOT, size: info.uniform!.size } };
      const name = d.buffers?.[b.name] ?? b.name;
      const buf = name === 'arena' ? this.arena : name === 'weights' ? this.weights : this.buffers.get(name);
      if (!buf) throw new Error(`${d.label}: shaders/${d.shader}.wgsl binding ${b.name} → no buffer "${name}"`);
      return { binding: b.binding, resource: { buffer: buf } };
    });
    return this.device.createBindGroup({ label: d.label, layout, entries });
  }

  /** Index of the dispatch with this label. */
  indexOf(label: string): number {
    const i = this.byLabel.get(label);
    if (i === undefined) throw new Error(`no dispatch labelled ${label}`);
    return i;
  }

  /** Rewrite a dispatch's uniforms (call-time parameters such as conf or the source image size). */
  writeUniforms(i: number, values: Uniforms) {
    const b = this.bound[i];
    const info = b?.info;
    if (!info?.uniform) return;
    if (info.uniform.size > UNIFORM_SLOT) throw new Error(`${b.d.label}: uniform struct of ${info.uniform.size} bytes exceeds the ${UNIFORM_SLOT}-byte slot`);
    this.device.queue.writeBuffer(this.uniforms, i * UNIFORM_SLOT, packUniforms(info, values));
  }

  /** Rebind a dispatch whose extra buffer was replaced (e.g. a larger source image). */
  rebind(i: number) {
    const b = this.bound[i];
    b.group = this.bindGroup(b.d, b.info, b.layout, i);
  }

  replaceBuffer(name: string, buf: GPUBuffer) {
    this.buffers.get(name)?.destroy();
    this.buffers.set(name, buf);
    this.bound.forEach((b, i) => {
      if (b.info.bindings.some((x) => (b.d.buffers?.[x.name] ?? x.name) === name)) this.rebind(i);
    });
  }

  /** Encode dispatches [from, to) into an open compute pass. */
  encode(pass: GPUComputePassEncoder, from = 0, to = this.bound.length) {
    for (let i = from; i < to; i++) {
      const b = this.bound[i];
      pass.setPipeline(b.pipeline);
      pass.setBindGroup(0, b.group);
      if (b.d.indirect) pass.dispatchWorkgroupsIndirect(this.indirectBuffer(b.d), 0);
      else pass.dispatchWorkgroups(...b.d.workgroups);
    }
  }

  private indirectBuffer(d: Dispatch): GPUBuffer {
    const buf = this.buffers.get(d.indirect!);
    if (!buf) throw new Error(`${d.label}: no indirect buffer "${d.indirect}"`);
    return buf;
  }

  /** Encode dispatch i with a workgroup count decided per call (its size depends on the image). */
  encodeSized(pass: GPUComputePassEncoder, i: number, workgroups: [number, number, number]) {
    const b = this.bound[i];
    pass.setPipeline(b.pipeline);
    pass.setBindGroup(0, b.group);
    pass.dispatchWorkgroups(...workgroups);
  }

  /** Bind-group-compatible bindings of dispatch i (for textures, set by the caller). */
  bindingOf(i: number) {
    return this.bound[i];
  }

  setBindGroup(i: number, group: GPUBindGroup) {
    this.bound[i].group = group;
  }

  destroy() {
    this.arena.destroy();
    this.weights.destroy();
    this.uniforms.destroy();
    for (const b of this.buffers.values()) if (!this.borrowed.has(b)) b.destroy();
  }
}

/** Byte range of a View in the arena. */
export const viewBytes = (v: View) => ({ offset: v.offset * 4, size: v.c * v.h * v.w * 4 });
