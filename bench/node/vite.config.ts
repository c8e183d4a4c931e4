/**
 * The Node benchmark (bench/node/) as one self-contained file, for a machine with Node and nothing else
 * (tools/device/pack.sh): `vite build --config bench/node/vite.config.ts` writes .devkit/bench-node.mjs.
 * Everything is bundled (shaders as strings, jpeg-js, pngjs) except the two native packages, which
 * the kit carries beside it in node_modules/: webgpu (Dawn) and onnxruntime-node.
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  logLevel: 'warn',
  resolve: { alias: { wgsl_reflect: `${root}node_modules/wgsl_reflect/wgsl_reflect.module.js` } },
  ssr: { noExternal: true, external: ['webgpu', 'onnxruntime-node'] },
  build: {
    ssr: 'bench/node/entry.ts',
    outDir: process.env.BENCH_NODE_OUT ?? '.devkit',
    emptyOutDir: false,
    target: 'node18',
    minify: false,
    rollupOptions: { output: { entryFileNames: 'bench-node.mjs', codeSplitting: false } },
  },
});
