/**
 * Segment's masks for one detect() call, after the detections were read back: the two dispatches of
 * src/ops/masks.ts over the arena (protos, output0's coefficients) and the `detections` buffer, then
 * one readback of the packed bits. Its three buffers (logits, box table, bits) grow with the calls
 * that need more and are reused otherwise; bind groups are remade only when a buffer grows.
 */
import { PipelineCache, type Pipeline } from '../gpu/pipelines.js';
import { packUniforms } from '../gpu/shader.js';
import { Readback } from '../gpu/readback.js';
import { maskBytes, maskLayout, planMasks, type MaskRect } from '../ops/masks.js';
import type { Dispatch } from '../ops/types.js';
import type { Executor } from './executor.js';
import type { ModelPlan } from './model-plan.js';

export interface AssembledMasks {
  rects: MaskRect[];
  bits: Uint32Array;
}

type Name = 'masklogits' | 'maskinfo' | 'maskbits';

export class MaskAssembler {
  private readonly bufs = new Map<Name, GPUBuffer>();
  private readonly uniforms: GPUBuffer[];
  private readonly staging: Readback;
  private groups?: GPUBindGroup[];
  private pipes?: Pipeline[];

  constructor(private readonly device: GPUDevice, private readonly ex: Executor, private readonly plan: ModelPlan, private readonly cache: PipelineCache) {
    this.uniforms = [0, 1].map((i) => device.createBuffer({ label: `mask uniforms ${i}`, size: 256, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
    this.staging = new Readback(device, 'masks readback');
  }

  /** The masks of `boxes` (source pixels, in the detections buffer's order) for a srcW × srcH image. */
  async assemble(boxes: readonly (readonly number[])[], srcW: number, srcH: number, isLost: () => boolean): Promise<AssembledMasks> {
    const { rects, words, info } = maskLayout(boxes, srcW, srcH);
    if (!boxes.length || !words) return { rects, bits: new Uint32Array(0) };
    const head = this.plan.head;
    const protos = this.plan.output1!;
    const p = {
      n: boxes.length, nm: head.task === 'segment' ? head.nm : 0, nc: this.plan.spec.nc, anchors: this.plan.anchors,
      output0Offset: this.plan.output0.offset, protoOffset: protos.offset, mh: protos.h, mw: protos.w, srcW, srcH, words,
    };
    const ds = planMasks(p);
    await this.ensure(ds, maskBytes(p));
    const { device } = this;
    device.queue.writeBuffer(this.bufs.get('maskinfo')!, 0, info);
    ds.forEach((d, i) => device.queue.writeBuffer(this.uniforms[i], 0, packUniforms(this.pipes![i].info, d.uniforms)));
    const bytes = words * 4;
    const staging = this.staging.buffer(bytes);
    const enc = device.createCommandEncoder({ label: 'masks' });
    const pass = enc.beginComputePass({ label: 'masks' });
    ds.forEach((d, i) => {
      pass.setPipeline(this.pipes![i].pipeline);
      pass.setBindGroup(0, this.groups![i]);
      pass.dispatchWorkgroups(...d.workgroups);
    });
    pass.end();
    enc.copyBufferToBuffer(this.bufs.get('maskbits')!, 0, staging, 0, bytes);
    device.queue.submit([enc.finish()]);
    return { rects, bits: new Uint32Array(await this.staging.read(bytes, isLost)) };
  }

  /** Pipelines once; buffers at least this large (grown ×1.5 to spare later calls), bind groups after a change. */
  private async ensure(ds: Dispatch[], need: { logits: number; info: number; bits: number }) {
    this.pipes ??= await Promise.all(ds.map((d) => this.cache.get(d.shader, d.constants)));
    let changed = !this.groups;
    for (const [name, bytes] of [['masklogits', need.logits], ['maskinfo', need.info], ['maskbits', need.bits]] as const) {
      const cur = this.bufs.get(name);
      if (cur && cur.size >= bytes) continue;
      cur?.destroy();
      const size = Math.ceil((cur ? Math.max(bytes, cur.size * 1.5) : bytes) / 256) * 256;
      this.bufs.set(name, this.device.createBuffer({ label: name, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }));
      changed = true;
    }
    if (!changed) return;
    this.groups = ds.map((d, i) => {
      const pipe = this.pipes![i];
      const entries = pipe.info.bindings.map((b): GPUBindGroupEntry => {
        if (b.kind === 'uniform') return { binding: b.binding, resource: { buffer: this.uniforms[i], offset: 0, size: pipe.info.uniform!.size } };
        const name = d.buffers?.[b.name] ?? b.name;
        const buf = name === 'arena' ? this.ex.arena : this.bufs.get(name as Name) ?? this.ex.buffers.get(name);
        if (!buf) throw new Error(`${d.label}: no buffer ${name}`);
        return { binding: b.binding, resource: { buffer: buf } };
      });
      return this.device.createBindGroup({ label: d.label, layout: pipe.layout, entries });
    });
  }

  destroy() {
    for (const b of this.bufs.values()) b.destroy();
    for (const u of this.uniforms) u.destroy();
    this.staging.destroy();
  }
}
