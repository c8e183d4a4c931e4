/**
 * Which WebGPU the CLI uses: Dawn in this process, or headless Chromium (src/node/chromium-backend.ts).
 * `auto` takes Dawn when it finds a real GPU driver, and Chromium on CPU-only machines, where both
 * would run on SwiftShader and Chromium's WebGPU is the faster (docs/CLI.md).
 */
import { existsSync } from 'node:fs';
import { UsageError } from './main.js';
import { createDetector, type DetectOptions, type Detection, type DetectorInfo } from '../detector.js';
import { chromiumDetector, chromiumPath } from '../node/chromium-backend.js';
import type { RGBAImage } from '../draw/draw-boxes.js';

export interface CliDetector {
  info: DetectorInfo;
  detect(img: RGBAImage, opts: DetectOptions): Promise<Detection[]>;
  close(): Promise<void>;
}

async function dawnHasRealGPU(): Promise<boolean> {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return !/swiftshader/i.test(process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? '');
  try {
    const name = 'webgpu';
    const { create } = await import(/* @vite-ignore */ name);
    const gpu = create([]); // referenced while in use: dawn.node frees a collected instance
    return !!(await gpu.requestAdapter());
  } catch {
    return false;
  }
}

export async function openDetector(weights: Uint8Array, inputSize: [number, number] | undefined, backend: string): Promise<CliDetector> {
  if (!['auto', 'dawn', 'chromium'].includes(backend)) throw new UsageError(`--backend ${backend}: expected auto, dawn or chromium`);
  const useChromium = backend === 'chromium' || (backend === 'auto' && existsSync(chromiumPath()) && !(await dawnHasRealGPU()));
  if (useChromium) return chromiumDetector(weights, inputSize);
  const d = await createDetector({ model: weights, inputSize });
  return { info: d.info, detect: (img, o) => d.detect(img, o), close: async () => d.destroy() };
}
