/**
 * Smoke test of `npm run bench` (bench/run.ts driving the built benchmark page headless) end to end on
 * a tiny input: ours with parity and a per-kernel profile, one real peer (onnxruntime-web wasm), and an
 * unknown peer reported as failed in the table while the run goes on; the markdown on stdout and the
 * JSON file. The GEMM ceiling is skipped here (test/bench/page.browser.test.ts measures it in the
 * page). Timings are printed, never asserted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { main } from '../../bench/run.js';
import type { BenchResult, OursResult, PeerResult } from '../../bench/report.js';

test('npm run bench -- --imgsz 64 --runs 1 --peers ort-wasm,nope --skip-ceiling --no-tune', async () => {
  const json = join(mkdtempSync(join(tmpdir(), 'yolo11-bench-')), 'bench.json');
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof write;
  try {
    expect(await main(['--imgsz', '64', '--runs', '1', '--inflight', '2', '--peers', 'ort-wasm,nope', '--skip-ceiling', '--no-tune', '--json', json])).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  console.log(out);
  const r = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
  const o = r.ours as OursResult;
  expect(typeof o, String(r.ours)).toBe('object');
  expect(typeof o.parity === 'object' && o.parity.rel).toBeLessThan(1e-4);
  expect(o.dispatches).toBeLessThanOrEqual(110);
  expect(o.flops).toBeGreaterThan(0);
  // One row per op of the network + decode (NMS's three dispatches are not profiled): an im2col conv's
  // unfolding (and a split-K one's sum) and a Winograd conv's two transforms are counted in their conv's row.
  const folded = Array.isArray(o.profile) ? o.profile.reduce((n, k) => n + (k.variant?.includes('-i2c-k') ? 2 : k.variant?.includes('-i2c-') ? 1 : k.variant?.includes('-wino') ? 2 : 0), 0) : NaN;
  expect(Array.isArray(o.profile) && o.profile.length).toBe(o.dispatches - 3 - folded);
  expect((r.peers['ort-wasm'] as PeerResult).warm.runs).toBe(1);
  expect(r.peers.nope).toMatch(/^failed: unknown peer/);
  expect(r.env?.adapter.architecture).toBeTruthy();
  expect(out).toMatch(/\| \*\*yolo11-webgpu forward\(\)\*\* \|/);
  expect(out).toMatch(/\| nope \| failed: unknown peer/);
  expect(r.model).toMatch(/yolo11n-coco-fp32\.onnx$/); // the path given, as before the page
  expect(o.parityReference).toMatch(/ort-wasm/);
  expect(r.gemm).toBeUndefined();
  // --no-tune: the untuned default, nothing measured (the page test runs the tuned path).
  expect(o.tuning?.source).toBe('default (not tuned)');
  expect(o.tuning?.ms).toBeUndefined();
  expect(Object.keys(o.tuning?.byClass ?? {}).length).toBeGreaterThan(0);
  expect(out).toMatch(/conv kernels default \(not tuned\)/);
}, 600_000);
