/**
 * Library build: dist/index.js (the public API, for browsers and Node) and dist/cli.js (the Node
 * CLI), ESM only. Shaders are bundled into the JS as strings; wgsl_reflect is bundled (its package
 * "main" is CommonJS inside a "type": "module" package); Node-only and heavy dependencies stay external.
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';

// External: the runtime dependencies the CLI resolves from node_modules (pngjs, jpeg-js), the optional peer or
// dev-only ones loaded on demand (webgpu, onnxruntime-*, puppeteer, @litertjs/core), and Node builtins.
// Everything else is bundled, so fflate, flatbuffers and js-yaml are devDependencies: `yolo11-webgpu --help`
// loads the convert chunk, so an external one would break the installed CLI.
const external = [
  'webgpu', 'onnxruntime-node', 'onnxruntime-web', 'pngjs', 'jpeg-js', 'puppeteer', '@litertjs/core',
  ...builtinModules, ...builtinModules.map((m) => `node:${m}`),
];

export default defineConfig({
  resolve: {
    alias: { wgsl_reflect: fileURLToPath(new URL('./node_modules/wgsl_reflect/wgsl_reflect.module.js', import.meta.url)) },
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    lib: {
      entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
      formats: ['es'],
    },
    rollupOptions: { external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)) },
  },
});
