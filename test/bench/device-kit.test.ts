/**
 * The device kit end to end on this machine's CPU adapter: tools/device/pack.sh packs the bundled Node
 * benchmark with its native packages, node and the fixtures; tools/device/run.sh unpacks it in a
 * folder of its own and runs it with the kit's node alone, as the GPU machine (no npm, no registry)
 * will. Small: input 64, one warm run, no ceiling, untuned kernels; ORT's CPU EP (the parity
 * reference) and WebGPU EP as peers, and an unknown peer that must come out as a row saying why; and
 * the CLI's convert and detect from the kit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult, OursResult, PeerResult } from '../../bench/report.js';

const tmp = mkdtempSync(join(tmpdir(), 'devkit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('device kit (tools/device)', () => {
  it('packs under the device tool\'s limit and runs the benchmark from the kit alone', () => {
    const kit = join(tmp, 'kit');
    // xz -1: the same files, packed in seconds (the default level makes the kit ~15 % smaller).
    execFileSync('bash', ['tools/device/pack.sh'], { env: { ...process.env, KIT_OUT: kit, KIT_XZ_LEVEL: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    const tarball = join(kit, 'kit.tar.xz');
    expect(statSync(tarball).size).toBeLessThan(60 * 2 ** 20);
    const out = join(tmp, 'out');
    const tail = execFileSync('bash', ['tools/device/run.sh'], {
      env: { ...process.env, OUT: out, KIT_FILE: tarball, KIT_DIR: join(tmp, 'unpacked'), KIT_SIZES: '64', KIT_RUNS: '1', KIT_PEERS: 'ort-cpu,ort-webgpu,nope', KIT_FLAGS: '--skip-ceiling --no-tune', KIT_FRACTURE: '0', KIT_STEP_S: '240', KIT_DEBS: '0', KIT_BACKEND: 'dawn' },
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The kit carries its own node; the unpacked folder has no package the benchmark did not bring.
    expect(existsSync(join(tmp, 'unpacked/node'))).toBe(true);
    expect(existsSync(join(tmp, 'unpacked/node_modules/vite'))).toBe(false);
    const r = JSON.parse(readFileSync(join(out, 'bench-64.json'), 'utf8')) as BenchResult;
    expect(r.imgsz).toEqual([64, 64]);
    expect(r.browser).toMatch(/^Node v\d+.*Dawn \(webgpu /);
    expect(r.env?.adapter.vendor).toBeTruthy();
    const ours = r.ours as OursResult;
    expect(typeof ours).toBe('object');
    expect(ours.forward.median).toBeGreaterThan(0);
    expect(ours.dispatches).toBeGreaterThan(50);
    expect(ours.tuning?.source).toMatch(/default/);
    expect(ours.parityReference).toMatch(/ort-cpu/);
    expect(typeof ours.parity === 'object' && ours.parity.rel).toBeLessThan(1e-4);
    expect((r.peers['ort-cpu'] as PeerResult).warm.runs).toBe(1);
    // ORT's own Dawn on the adapter ours ran on (pointed at SwiftShader where Dawn fell back to it).
    expect((r.peers['ort-webgpu NCHW'] as PeerResult).warm.runs).toBe(1);
    expect(r.peers.nope).toMatch(/^failed: unknown peer/);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/<!-- bench-64: rc 0, \d+ s -->/);
    expect(report).toContain('| **yolo11-webgpu forward()** |');
    expect(tail).toContain('| ort-cpu (');
    // The CLI from the kit: the fracture TFLite converted (`--names fracture`), then detect on Dawn (auto would pick headless
    // Chromium on this CPU-only machine, which the kit does not carry).
    expect(report).toMatch(/backend: dawn · adapter /);
    expect(report).toMatch(/image\.jpg \(373×454\): [1-9]\d* detections/);
    expect(report).toMatch(/\n  fracture +0\.\d{3}  \[/); // named by `convert --names` (the fp32 TFLite has no metadata)
    expect(report).toMatch(/\nrc 0\n```/);
  }, 600_000);
});
