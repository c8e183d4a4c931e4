/**
 * WebGPU smoke test in Node (Dawn, the `webgpu` package). It runs in a child process because Dawn
 * 0.6 on SwiftShader aborts the whole process at random (a pthread mutex assertion / SIGSEGV inside
 * the driver, measured at about 2 runs in 10 on this CPU-only machine) — a crash must not take the
 * test runner down. A crash is retried (at most 3 runs); a wrong number fails at once.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../node/dawn-smoke.mjs', import.meta.url));

describe('WebGPU smoke (Node, Dawn)', () => {
  test('a WGSL kernel runs on a real adapter and computes a*x+b', () => {
    const attempts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', timeout: 60_000 });
      if (r.status === 0) {
        expect(r.stdout).toMatch(/^OK /);
        return;
      }
      // Exit codes 1 (wrong numbers) and 3 (no adapter) are real failures, not driver crashes.
      if (r.status === 1 || r.status === 3) throw new Error(r.stderr.trim());
      attempts.push(`exit ${r.status ?? r.signal}: ${r.stderr.split('\n').filter((l) => l && !l.includes('XDG_RUNTIME_DIR')).slice(-1)[0] ?? ''}`);
    }
    throw new Error(`Dawn crashed in every run:\n${attempts.join('\n')}`);
  });
});
