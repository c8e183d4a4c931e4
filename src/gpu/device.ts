/**
 * Getting a GPUDevice: the browser's `navigator.gpu`, or Dawn (the `webgpu` npm package) in Node.
 * On a machine with no GPU driver Dawn finds no adapter; we then point Vulkan at the SwiftShader ICD
 * that Debian's `chromium` package ships and try once more.
 */
import { WebGPUUnavailableError } from '../errors.js';

/** SwiftShader Vulkan ICDs we know of (Debian chromium). Overridable with YOLO11_WEBGPU_VK_ICD. */
export const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json'];
const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups'];
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension',
] as const;

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Subgroup sizes the adapter may use, where the browser reports them. */
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
}

export interface GPUContext {
  device: GPUDevice;
  adapterInfo: AdapterInfo;
  features: string[];
}

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node && typeof navigator === 'undefined' || (typeof navigator !== 'undefined' && !navigator.gpu && typeof process !== 'undefined' && !!process.versions?.node);

/**
 * Dawn's instances, held for the life of the process. dawn.node's adapters and devices do not keep
 * their instance alive: once the GPU object from `create()` is garbage-collected, the next
 * ProcessEvents tick (run while a mapAsync is pending) locks a freed mutex and the process aborts or
 * segfaults. On SwiftShader, where one detect() takes seconds, that happened in most runs.
 */
const dawnInstances: GPU[] = [];
const keep = (gpu: GPU) => (dawnInstances.includes(gpu) || dawnInstances.push(gpu), gpu);

/** Dawn's GPU object in Node; the module name is computed so that bundlers never try to resolve it for browsers. */
async function nodeGPU(): Promise<{ gpu: GPU; create: (o: string[]) => GPU }> {
  const name = 'webgpu';
  let mod: { create: (o: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = await import(/* @vite-ignore */ name);
  } catch (e) {
    throw new WebGPUUnavailableError(`no navigator.gpu and the "webgpu" package (Dawn for Node) could not be loaded: ${(e as Error).message}; install it with \`npm i webgpu\``);
  }
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return { gpu: dawnInstances[dawnInstances.length - 1] ?? keep(mod.create([])), create: (o) => keep(mod.create(o)) };
}

async function fs(): Promise<{ existsSync(p: string): boolean }> {
  const name = 'node:fs';
  return import(/* @vite-ignore */ name);
}

/** The adapter: the browser's, Dawn's default, or Dawn on SwiftShader. */
export async function requestAdapter(options: GPURequestAdapterOptions = { powerPreference: 'high-performance' }): Promise<GPUAdapter> {
  if (typeof navigator !== 'undefined' && navigator.gpu) {
    const a = await navigator.gpu.requestAdapter(options);
    if (!a) throw new WebGPUUnavailableError('navigator.gpu returned no adapter: enable WebGPU (Chrome/Edge 113+, Safari 26+, Firefox 141+ on Windows) or check the GPU driver');
    return a;
  }
  if (!isNode()) throw new WebGPUUnavailableError('WebGPU is not available in this browser (no navigator.gpu): use Chrome/Edge 113+, Safari 26+ or Firefox 141+, over https or localhost');
  const { gpu, create } = await nodeGPU();
  let a = await gpu.requestAdapter(options);
  if (!a && !process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) {
    const { existsSync } = await fs();
    const icd = [process.env.YOLO11_WEBGPU_VK_ICD, ...SWIFTSHADER_ICDS].find((p) => p && existsSync(p));
    if (icd) {
      process.env.VK_ICD_FILENAMES = icd;
      a = await create([]).requestAdapter(options);
    }
  }
  if (!a) {
    throw new WebGPUUnavailableError(
      'Dawn found no WebGPU adapter: install a Vulkan driver, or on a CPU-only Debian machine `apt-get install chromium libvulkan1` (SwiftShader) and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json',
    );
  }
  return a;
}

/** A device with the adapter's optional features we can use and its largest buffer/workgroup limits. */
export async function requestGPUContext(adapter?: GPUAdapter): Promise<GPUContext> {
  const a = adapter ?? (await requestAdapter());
  const features = OPTIONAL_FEATURES.filter((f) => a.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) requiredLimits[k] = a.limits[k] as number;
  let device: GPUDevice;
  try {
    device = await a.requestDevice({ requiredFeatures: features, requiredLimits, label: 'yolo11-webgpu' });
  } catch (e) {
    throw new WebGPUUnavailableError(`requestDevice failed: ${(e as Error).message}`);
  }
  return { device, adapterInfo: describeAdapter(a), features };
}

export function describeAdapter(a: GPUAdapter): AdapterInfo {
  const i = (a.info ?? {}) as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  const info: AdapterInfo = { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '' };
  if (typeof i.subgroupMinSize === 'number' && i.subgroupMinSize > 0) info.subgroupMinSize = i.subgroupMinSize;
  if (typeof i.subgroupMaxSize === 'number' && i.subgroupMaxSize > 0) info.subgroupMaxSize = i.subgroupMaxSize;
  return info;
}
