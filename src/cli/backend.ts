/**
 * Which WebGPU the CLI uses: Dawn in this process, or headless Chromium (src/node/chromium-backend.ts).
 * `auto` takes Dawn when it finds a real GPU, and Chromium on CPU-only machines, where both would run
 * on SwiftShader and Chromium's WebGPU is the faster (docs/CLI.md).
 *
 * The probe is quiet. While Dawn enumerates adapters, native code writes to file descriptor 2 — the
 * Wayland client library ("error: XDG_RUNTIME_DIR is invalid or not set"), Dawn refusing Mesa's
 * lavapipe ("Vulkan shaderUniform*ArrayDynamicIndexing required"), the Vulkan loader — which no
 * replacement of process.stderr.write can catch. So Dawn is asked for its adapter in a child process
 * whose stderr is captured; `--verbose` prints it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { UsageError } from './main.js';
import { createDetector, type ClassifyOptions, type DetectOptions, type DetectionOf, type DetectorInfo } from '../detector.js';
import type { Classification, Task } from '../results.js';
import { SWIFTSHADER_ICDS } from '../gpu/device.js';
import { chromiumDetector, chromiumPath } from '../node/chromium-backend.js';
import type { RGBAImage } from '../draw/draw-boxes.js';
import { heatSummary, type HeatSummary } from '../explain/summary.js';

export interface CliDetector {
  info: DetectorInfo;
  /** Which backend runs it, for the `backend: …` line: 'dawn' or 'chromium (headless)'. */
  backend: string;
  /** Boxes, with masks (segment) or keypoints (pose). */
  detect(img: RGBAImage, opts: DetectOptions): Promise<DetectionOf<Task>[]>;
  /** Top-k of a classify model. */
  classify(img: RGBAImage, opts: ClassifyOptions): Promise<Classification[]>;
  /** Where the EigenCAM heat map of the image is strongest. */
  explain(img: RGBAImage): Promise<HeatSummary>;
  close(): Promise<void>;
}

type Adapter = DetectorInfo['adapter'] & { fallback?: boolean };

export interface DawnProbe {
  /** Dawn's default adapter with the system's drivers, if any. */
  adapter?: Adapter;
  /** What the probe wrote on stderr (driver and Dawn warnings, or why it failed). */
  log: string;
}

/** Generous: loading Dawn and enumerating adapters takes ~0.2 s; a hung driver must not hang the CLI. */
const PROBE_TIMEOUT_MS = 30_000;

/** CPU rasterisers, as src/ops/conv.ts recognises them: an adapter on one of these is not a real GPU. */
const CPU_ADAPTER = /swiftshader|llvmpipe|lavapipe|warp|cpu/i;
export const isRealGPU = (a?: Adapter) => !!a && !a.fallback && !!a.vendor && !CPU_ADAPTER.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`);

/** Ask Dawn (the `webgpu` package) for its default adapter in a child process, with its stderr captured. */
export async function probeDawn(): Promise<DawnProbe> {
  let url: string;
  try {
    url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (e) {
    return { log: `the webgpu package (Dawn) is not installed: ${(e as Error).message.split('\n')[0]}` };
  }
  const script = `const { create } = await import(${JSON.stringify(url)});
const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = a?.info ?? {};
process.stdout.write(JSON.stringify(a ? { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '', fallback: !!(a.isFallbackAdapter ?? i.isFallbackAdapter) } : null));
process.exit(0);`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let log = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (log += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ log: `${log}the Dawn probe could not start: ${e.message}\n` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let adapter: Adapter | undefined;
      try {
        adapter = JSON.parse(out) ?? undefined;
      } catch {
        log += `the Dawn probe ${signal ? `was killed (${signal})` : `exited with code ${code}`} without an answer\n`;
      }
      resolve({ adapter, log });
    });
  });
}

/**
 * Dawn in this process without the probe's noise. The Wayland client library only complains when
 * XDG_RUNTIME_DIR is unset (no Wayland session, so nothing is lost): an absolute path that does not
 * exist makes it fail quietly. With no adapter from the system's drivers, the Vulkan loader is
 * pointed straight at SwiftShader (what src/gpu/device.ts does after a failed first try), which
 * skips the drivers Dawn refuses with a warning (lavapipe).
 */
function quietDawn(noAdapter: boolean) {
  process.env.XDG_RUNTIME_DIR ??= '/nonexistent-xdg-runtime-dir';
  if (!noAdapter || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return;
  const icd = [process.env.YOLO11_WEBGPU_VK_ICD, ...SWIFTSHADER_ICDS].find((p) => p && existsSync(p));
  if (icd) process.env.VK_ICD_FILENAMES = icd;
}

/** `backend: chromium (headless) · adapter google/swiftshader` */
export function backendLine(d: Pick<CliDetector, 'backend' | 'info'>): string {
  const a = d.info.adapter;
  const name = [a.vendor, a.architecture].filter(Boolean).join('/') || 'unknown';
  const more = a.description && !name.toLowerCase().includes(a.description.toLowerCase()) ? ` (${a.description})` : '';
  return `backend: ${d.backend} · adapter ${name}${more}`;
}

export async function openDetector(weights: Uint8Array, inputSize: [number, number] | undefined, backend: string, verbose = false): Promise<CliDetector> {
  if (!['auto', 'dawn', 'chromium'].includes(backend)) throw new UsageError(`--backend ${backend}: expected auto, dawn or chromium`);
  const probe = backend === 'chromium' ? undefined : await probeDawn();
  if (verbose && probe?.log.trim()) process.stderr.write(probe.log.trim().split('\n').map((l) => `[dawn probe] ${l}\n`).join(''));
  const useChromium = backend === 'chromium' || (backend === 'auto' && existsSync(chromiumPath()) && !isRealGPU(probe?.adapter));
  if (useChromium) return { ...(await chromiumDetector(weights, inputSize, { verbose })), backend: 'chromium (headless)' };
  quietDawn(!probe?.adapter);
  const d = await createDetector({ model: weights, inputSize });
  return { info: d.info, backend: 'dawn', detect: (img, o) => d.detect(img, o), classify: (img, o) => d.classify(img, o), explain: async (img) => heatSummary(await d.explain(img)), close: async () => d.destroy() };
}
