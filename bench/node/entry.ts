/** The bundled Node benchmark's entry (bench/node/vite.config.ts): `node bench-node.mjs [options]`; `--job` serves one step. */
import { nodeMain } from './main.js';
import { serveJob } from './job.js';

if (process.argv.includes('--job')) {
  await serveJob();
  // Dawn's and ORT's threads would keep the process alive; the parent has what it needs.
  process.exit(0);
} else {
  try {
    process.exitCode = await nodeMain(process.argv.slice(2), [process.argv[1]]);
  } catch (e) {
    // Bad arguments and files are typed errors: one line, no stack (as bench/cli.mjs prints them).
    process.stderr.write(`[bench] ${(e as Error)?.name ?? 'Error'}: ${String((e as Error)?.message ?? e).split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}
