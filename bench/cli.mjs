#!/usr/bin/env node
// Launcher: loads the TypeScript runner through a vite server's SSR module loader (no build step).
import { createServer } from 'vite';

const root = new URL('..', import.meta.url).pathname;
const server = await createServer({ root, configFile: false, logLevel: 'error', appType: 'custom', server: { middlewareMode: true, hmr: false, watch: null }, optimizeDeps: { noDiscovery: true, include: [] } });
try {
  const run = await server.ssrLoadModule('/bench/run.ts');
  const mode = process.argv[2];
  process.exitCode = await (mode === '--gemm' ? run.gemmMain(process.argv.slice(3)) : mode === '--ab' ? run.abMain(process.argv.slice(3)) : mode === '--probe' ? run.probeMain(process.argv.slice(3)) : run.main(process.argv.slice(2)));
} finally {
  await server.close();
}
