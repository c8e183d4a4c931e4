/**
 * `npm run bench:node` as a developer runs it (bench/cli.mjs: the TypeScript through vite's SSR
 * loader, each step a child started through the same launcher), small: input 64, one warm run, no
 * ceiling, untuned kernels, ORT's CPU EP as peer and parity reference. The bundled form is
 * test/bench/device-kit.test.ts's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult, OursResult, PeerResult } from '../../bench/report.js';

const tmp = mkdtempSync(join(tmpdir(), 'bench-node-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run bench:node', () => {
  it('prints the report and writes the JSON, ours beside ORT for Node with parity', () => {
    const json = join(tmp, 'r.json');
    const md = execFileSync('node', ['bench/cli.mjs', '--node', '--imgsz', '64', '--runs', '1', '--skip-ceiling', '--no-tune', '--peers', 'ort-cpu', '--json', json], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const r = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
    const ours = r.ours as OursResult;
    expect(ours.forward.runs).toBe(1);
    expect(ours.tuning?.source).toMatch(/default/);
    expect(typeof ours.parity === 'object' && ours.parity.rel).toBeLessThan(1e-4);
    expect((r.peers['ort-cpu'] as PeerResult).createMs).toBeGreaterThan(0);
    expect(md).toContain('| **yolo11-webgpu forward()** |');
    expect(md).toMatch(/parity of output0 vs ONNX Runtime for Node \(ort-cpu, same input\)/);
  }, 300_000);

  it('without a WebGPU adapter, ours and ORT\'s WebGPU EP are rows saying why and ORT\'s CPU EP still runs', () => {
    const json = join(tmp, 'none.json');
    execFileSync('node', ['bench/cli.mjs', '--node', '--imgsz', '64', '--runs', '1', '--skip-ceiling', '--peers', 'ort-webgpu,ort-cpu', '--json', json], {
      env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' }, stdio: ['ignore', 'ignore', 'ignore'],
    });
    const r = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
    expect(r.ours).toMatch(/^failed: Dawn found no WebGPU adapter/);
    expect(r.peers['ort-webgpu NCHW']).toBe(r.ours);
    expect((r.peers['ort-cpu'] as PeerResult).warm.runs).toBe(1);
  }, 120_000);

  it('a missing or wrong file is one line naming its typed error, for bench:node and bench alike, and nothing starts', () => {
    const run = (args: string[]) => spawnSync('node', ['bench/cli.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });
    const cases: [string[], RegExp][] = [
      [['--node', '--model', '/nonexistent/m.onnx'], /^\[bench\] Yolo11Error: \/nonexistent\/m\.onnx: no such file$/m],
      [['--model', '/nonexistent/m.onnx'], /^\[bench\] Yolo11Error: \/nonexistent\/m\.onnx: no such file$/m], // before the page is built
      [['--node', '--image', 'package.json', '--imgsz', '64', '--peers', ''], /^\[bench\] ImageDecodeError: package\.json: not a PNG or JPEG image/m],
    ];
    for (const [args, want] of cases) {
      const r = run(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
    }
  }, 180_000);

  it('--help names the peers and exits without running anything', () => {
    expect(execFileSync('node', ['bench/cli.mjs', '--node', '--help'], { encoding: 'utf8' })).toMatch(/peers: onnxruntime-node's WebGPU and CPU/);
  });
});
