#!/usr/bin/env node
// Launcher: loads the TypeScript runner through a vite server's SSR module loader (no build step).
import { createServer } from 'vite';

const root = new URL('..', import.meta.url).pathname;
// wgsl_reflect's package "main" is CommonJS inside a "type": "module" package: its ES module, as vite.config.ts aliases it.
const alias = { wgsl_reflect: `${root}node_modules/wgsl_reflect/wgsl_reflect.module.js` };
const server = await createServer({ root, configFile: false, logLevel: 'error', appType: 'custom', resolve: { alias }, server: { middlewareMode: true, hmr: false, watch: null }, optimizeDeps: { noDiscovery: true, include: [] } });
const mode = process.argv[2];
let exit = false;
try {
  if (mode === '--node') {
    // The Node benchmark (bench/node/): `--job` is one of its steps, started by it in a child process.
    if (process.argv.includes('--job')) {
      await (await server.ssrLoadModule('/bench/node/job.ts')).serveJob();
      exit = true; // Dawn's and ORT's threads would keep the process alive
    } else process.exitCode = await (await server.ssrLoadModule('/bench/node/main.ts')).nodeMain(process.argv.slice(3), [process.argv[1], '--node']);
  } else {
    const run = await server.ssrLoadModule('/bench/run.ts');
    process.exitCode = await (mode === '--gemm' ? run.gemmMain(process.argv.slice(3)) : mode === '--ab' ? run.abMain(process.argv.slice(3)) : mode === '--probe' ? run.probeMain(process.argv.slice(3)) : run.main(process.argv.slice(2)));
  }
} catch (e) {
  // Bad arguments and files are typed errors (a missing file, not a model, not an image): one line, no stack.
  process.stderr.write(`[bench] ${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}\n`);
  process.exitCode = 1;
} finally {
  await server.close();
}
if (exit) process.exit(0);
