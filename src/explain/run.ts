/**
 * `detector.explain(image)`: the network run up to the last chosen layer with EigenCAM's dispatches
 * interleaved (src/explain/eigencam.ts), one submit, one readback of the heat map and its statistics.
 */
import { Executor } from '../plan/executor.js';
import type { PipelineCache } from '../gpu/pipelines.js';
import type { Readback } from '../gpu/readback.js';
import type { SourceUploader, UploadedSource } from '../image/source.js';
import { letterboxGeometry } from '../ops/letterbox.js';
import type { PlanRun } from '../infer/stages.js';
import { camStatInit, combineWorkgroups, planCam, type CamLayer, type CamPlan } from './eigencam.js';

export interface Heatmap {
  /** The image's size: `data` holds height × width values, row by row. */
  width: number;
  height: number;
  /** 0–1: the first principal component of the layers' activations, per image pixel. */
  data: Float32Array;
  /** Per layer: its name and shape, the eigenvalue found and the power-iteration rounds it took. */
  layers: { name: string; channels: number; h: number; w: number; eigenvalue: number; iterations: number }[];
}

export class CamRunner {
  private constructor(readonly layers: CamLayer[], private readonly cam: CamPlan, private readonly ex: Executor) {}

  static async create(device: GPUDevice, main: PlanRun, layers: CamLayer[], cache: PipelineCache): Promise<CamRunner> {
    const cam = planCam(layers);
    const ex = await Executor.create(device, cam.dispatches, 0, new Float32Array(0), cam.buffers, cache, { arena0: main.ex.arena });
    return new CamRunner(layers, cam, ex);
  }

  async run(device: GPUDevice, main: PlanRun, source: SourceUploader, src: UploadedSource, readback: Readback, lost: () => boolean): Promise<Heatmap> {
    const { width: w, height: h } = src;
    const mapBytes = w * h * 4;
    if (mapBytes > device.limits.maxStorageBufferBindingSize) throw new RangeError(`a ${w}×${h} heat map exceeds this GPU's storage binding limit`);
    const map = this.ex.buffers.get('cam.map')!;
    if (map.size < mapBytes) this.ex.replaceBuffer('cam.map', device.createBuffer({ label: 'cam.map', size: Math.ceil(mapBytes / 256) * 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC }));
    const [H, W] = main.plan.inputSize;
    const g = letterboxGeometry(w, h, H, W);
    const geo = { img_w: w, img_h: h, new_w: g.newW, new_h: g.newH, left: g.left, top: g.top };
    const [c0, c1] = this.cam.combine;
    this.ex.writeUniforms(c0, { ...this.cam.combineUniforms, ...geo, phase: 0 });
    this.ex.writeUniforms(c1, { ...this.cam.combineUniforms, ...geo, phase: 1 });
    const stat = this.ex.buffers.get('cam.stat')!;
    device.queue.writeBuffer(stat, 0, camStatInit() as Uint32Array<ArrayBuffer>);
    const enc = device.createCommandEncoder({ label: 'explain' });
    const pass = enc.beginComputePass({ label: 'explain' });
    source.encodeReady(pass, src);
    let done = 0;
    this.layers.forEach((l, k) => {
      main.ex.encode(pass, done, l.end);
      done = l.end;
      this.ex.encode(pass, ...this.cam.perLayer[k]);
    });
    const groups = combineWorkgroups(w, h);
    this.ex.encodeSized(pass, c0, groups);
    this.ex.encodeSized(pass, c1, groups);
    pass.end();
    const staging = readback.buffer(mapBytes + 80);
    enc.copyBufferToBuffer(this.ex.buffers.get('cam.map')!, 0, staging, 0, mapBytes);
    enc.copyBufferToBuffer(stat, 0, staging, mapBytes, 80);
    device.queue.submit([enc.finish()]);
    const raw = await readback.read(mapBytes + 80, lost);
    const s = new Uint32Array(raw, mapBytes, 20);
    const f = new Float32Array(raw, mapBytes, 20);
    return {
      width: w, height: h, data: new Float32Array(raw, 0, w * h),
      layers: this.layers.map((l, k) => ({ name: l.name, channels: l.view.c, h: l.view.h, w: l.view.w, eigenvalue: f[4 * k + 2], iterations: s[4 * k + 3] })),
    };
  }

  destroy() {
    this.ex.destroy();
  }
}
