/**
 * A real WebGPU device in Node (Dawn, the `webgpu` package). On a CPU-only machine the runtime's
 * device code falls back to Debian chromium's SwiftShader. No adapter → the test fails with a
 * message naming what to install; it never skips.
 */
import { requestGPUContext, type GPUContext } from '../../src/gpu/device.js';

let ctx: Promise<GPUContext> | undefined;

/** One shared device per test file (Dawn devices are cheap to keep, slow to create on SwiftShader). */
export function nodeGPU(): Promise<GPUContext> {
  ctx ??= requestGPUContext().catch((e: Error) => {
    throw new Error(`${e.message}\n(Tests need real WebGPU: on Debian run \`apt-get install -y chromium libvulkan1\`.)`);
  });
  return ctx;
}
