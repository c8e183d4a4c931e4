/** dist/ for tests that run the built CLI (bin/yolo11-webgpu.js): rebuilt only when a source is newer than it. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const OUTPUTS = ['index.js', 'index.d.ts', 'cli.js'].map((f) => join(DIST, f));
const INPUTS = ['src', 'shaders', 'vite.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newest(join(p, f))));
}

/** Run a command in the repository root (no colours), capturing its output. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 120_000) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `npm run build` unless dist/ is newer than every source (`npm ci` builds it through `prepare`). */
export function ensureDist() {
  const fresh = OUTPUTS.every(existsSync) && Math.min(...OUTPUTS.map((f) => statSync(f).mtimeMs)) >= Math.max(...INPUTS.map((p) => newest(join(ROOT, p))));
  if (fresh) return;
  const b = run('npm', ['run', 'build']);
  if (b.code !== 0) throw new Error(`npm run build failed (exit ${b.code}):\n${b.out}\n${b.err}`.slice(-4000));
}
