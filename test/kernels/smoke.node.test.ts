/**
 * WebGPU smoke test in Node (Dawn, the `webgpu` package), in a child process so that a driver crash
 * is reported as a failure with its message instead of taking the test runner down. Dawn on
 * SwiftShader used to abort here in 1–2 runs in 5: dawn.node frees its instance when the GPU object
 * from `create()` is garbage-collected, even while a device made from it is in use; the script (and
 * src/gpu/device.ts) now keeps it referenced, and any crash fails the test.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../node/dawn-smoke.mjs', import.meta.url));

describe('WebGPU smoke (Node, Dawn)', () => {
  test('a WGSL kernel runs on a real adapter and computes a*x+b', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    const err = r.stderr.split('\n').filter((l) => l && !l.includes('XDG_RUNTIME_DIR')).join('\n');
    expect(r.status, `exit ${r.status ?? r.signal}: ${err}`).toBe(0);
    expect(r.stdout).toMatch(/^OK /);
  });
});
