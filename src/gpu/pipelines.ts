/**
 * Compute pipelines, created with explicit bind-group layouts derived from the WGSL, cached by
 * shader name + the override constants (the cache key is built from the very object passed to
 * createComputePipelineAsync, so a codegen input can never be left out of it).
 */
import { shader, type ShaderInfo } from './shader.js';

export type Constants = Record<string, number>;

export const stableStringify = (o: Constants) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));

export interface Pipeline {
  info: ShaderInfo;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/**
 * Dawn for Node (the `webgpu` package, 0.6.x) crashes the process inside createComputePipelineAsync
 * (a mutex assertion, seen on SwiftShader), so outside browsers pipelines are created synchronously.
 */
const ASYNC_PIPELINES = typeof navigator !== 'undefined' && !!(navigator as Navigator).gpu;

/**
 * One cache per device: detectors (their tuning passes, letterbox, TTA, slicing and heat-map stages) and
 * trainers on the same device compile each pipeline once. A second `createDetector({ device })` for the
 * same model and input size compiles nothing.
 */
const byDevice = new WeakMap<GPUDevice, PipelineCache>();

/** The pipeline cache shared by everything that runs on `device`. */
export function pipelinesOf(device: GPUDevice): PipelineCache {
  let cache = byDevice.get(device);
  if (!cache) byDevice.set(device, (cache = new PipelineCache(device)));
  return cache;
}

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<Pipeline>>();
  constructor(private readonly device: GPUDevice, private readonly useAsync = ASYNC_PIPELINES) {}

  get size() {
    return this.pipelines.size;
  }

  get(name: string, constants: Constants = {}): Promise<Pipeline> {
    const key = `${name}${stableStringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.create(name, constants, key);
      this.pipelines.set(key, p);
    }
    return p;
  }

  private async create(name: string, constants: Constants, key: string): Promise<Pipeline> {
    const info = shader(name);
    const device = this.device;
    let module = this.modules.get(name);
    if (!module) {
      module = device.createShaderModule({ code: info.code, label: `shaders/${name}.wgsl` });
      this.modules.set(name, module);
    }
    const layout = device.createBindGroupLayout({
      label: name,
      entries: info.bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        ...(b.kind === 'uniform' ? { buffer: { type: 'uniform' as const } }
          : b.kind === 'storage' ? { buffer: { type: 'storage' as const } }
            : b.kind === 'read-only-storage' ? { buffer: { type: 'read-only-storage' as const } }
              : b.kind === 'texture' ? { texture: { sampleType: 'float' as const } }
                : b.kind === 'sampler' ? { sampler: {} } : { storageTexture: { format: 'rgba8unorm' as const, access: 'write-only' as const } }),
      })),
    });
    const desc: GPUComputePipelineDescriptor = {
      label: key,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main', constants },
    };
    const fail = async (why: string) => {
      const msgs = (await module!.getCompilationInfo()).messages.filter((m) => m.type === 'error');
      return new Error(`pipeline ${key} failed: ${why}${msgs.length ? ` — ${msgs.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}` : ''}`);
    };
    if (this.useAsync) {
      const pipeline = await device.createComputePipelineAsync(desc).catch(async (e: Error) => { throw await fail(e.message); });
      return { info, pipeline, layout };
    }
    device.pushErrorScope('validation');
    const pipeline = device.createComputePipeline(desc);
    const err = await device.popErrorScope();
    if (err) throw await fail(err.message);
    return { info, pipeline, layout };
  }
}
