import { defineConfig } from 'vitest/config';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// GPU tests run on real WebGPU through Dawn. Dawn's Vulkan loader reads VK_ICD_FILENAMES from the
// process environment, which worker threads cannot change, so it is chosen here, before workers start:
// Debian chromium's SwiftShader unless the caller set a driver (or YOLO11_WEBGPU_TEST_GPU=native).
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && process.env.YOLO11_WEBGPU_TEST_GPU !== 'native' && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

export default defineConfig({
  resolve: {
    // wgsl_reflect's "main" is CommonJS inside a "type": "module" package; use its ESM build.
    alias: { wgsl_reflect: fileURLToPath(new URL('./node_modules/wgsl_reflect/wgsl_reflect.module.js', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Dawn (webgpu 0.6) dies with a futex error in vitest's forked workers; worker threads are fine.
    pool: 'threads',
    // SwiftShader runs on the CPU: GPU test files in parallel only fight over 2 cores.
    fileParallelism: false,
  },
});
