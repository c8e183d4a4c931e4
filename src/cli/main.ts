/**
 * `yolo11-webgpu <command> …` — the command-line entry. Each command lives in its own module and is
 * loaded on demand, so `inspect` never pays for onnxruntime or Dawn.
 *
 * Errors: a `Yolo11Error` (or any error) prints one line on stderr and exits 1; `--verbose` adds the
 * stack, and what the GPU backend's native code wrote while it was probed (hidden otherwise).
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { Yolo11Error } from '../errors.js';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], ctx: { verbose: boolean }): Promise<void>;
}

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  convert: () => import('./convert.js'),
  inspect: () => import('./inspect.js'),
  reference: () => import('./reference.js'),
  detect: () => import('./detect.js'),
  eval: () => import('./eval.js'),
  train: () => import('./train.js'),
};

/** Thrown for bad command-line usage; printed with the command's usage line. */
export class UsageError extends Yolo11Error {
  static override readonly errorName: string = 'UsageError';
  constructor(m: string) { super('USAGE', m); }
}

/** node:util parseArgs with positionals, its errors (an unknown option, a missing value) as UsageErrors. */
export function parseCli<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, ''));
  }
}

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const name = args[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = await Promise.all(Object.entries(COMMANDS).map(async ([n, load]) => `  ${n.padEnd(10)} ${(await load()).command.summary}`));
    process.stdout.write(`usage: yolo11-webgpu <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nAdd --help after a command for its options, --verbose for stack traces and GPU driver messages.\n`);
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`yolo11-webgpu: unknown command "${name}" (try: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  const { command } = await load();
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: ${command.usage}\n`);
    return 0;
  }
  try {
    await command.run(args.slice(1), { verbose });
    return 0;
  } catch (e) {
    const err = e as Error;
    const msg = (err?.message ?? String(e)).split('\n')[0];
    const kind = err instanceof Yolo11Error ? err.name : err?.name ?? 'Error';
    process.stderr.write(`yolo11-webgpu ${name}: ${kind}: ${msg}\n`);
    if (e instanceof UsageError) process.stderr.write(`usage: ${command.usage}\n`);
    if (verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
