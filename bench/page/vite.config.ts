/**
 * The benchmark page: `npm run build:bench` writes dist-bench/, a static folder any web server can host
 * (send COOP/COEP, as `vite preview` does here, or ONNX Runtime's wasm EP runs on one thread);
 * `npm run bench:page` builds it and serves it on 127.0.0.1:4174. The peers come from the installed npm
 * packages: onnxruntime-web is bundled by vite (its .wasm emitted beside the chunk that loads it) and
 * LiteRT.js's wasm files are copied to litert/ (it loads them by URL at run time).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Cross-origin isolation: SharedArrayBuffer, so ORT's (and LiteRT's) wasm can use threads. */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** LiteRT.js's glue scripts and wasm (relaxed-SIMD build and the compat one), served at litert/. */
export const LITERT_FILES = ['litert_wasm_internal.js', 'litert_wasm_internal.wasm', 'litert_wasm_compat_internal.js', 'litert_wasm_compat_internal.wasm'];

const litertWasm = (): Plugin => ({
  name: 'litert-wasm',
  apply: 'build',
  generateBundle() {
    for (const f of LITERT_FILES) this.emitFile({ type: 'asset', fileName: `litert/${f}`, source: readFileSync(join(repo, 'node_modules/@litertjs/core/wasm', f)) });
  },
});

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [litertWasm()],
  resolve: { alias: { wgsl_reflect: join(repo, 'node_modules/wgsl_reflect/wgsl_reflect.module.js') } },
  preview: { host: '127.0.0.1', port: 4174, headers: ISOLATION },
  worker: { format: 'es' },
  build: {
    outDir: join(repo, 'dist-bench'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000,
    // The worker's bundle (ORT, LiteRT.js, the runtime) is built inside one plugin call: not a slow plugin.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
