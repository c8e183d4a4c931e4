/**
 * The kernel probes (`npm run bench:probe -- <name>`, bench/probes/) still build and compute what the
 * kernel they would replace computes: every row's error against it is 0 (same K order, same fma chain).
 * Timings are printed, never asserted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { probeMain } from '../../bench/run.js';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';

type Table = Record<string, Record<string, string>>;
const errors = (t: Table) => Object.values(t).flatMap((row) => Object.values(row).flatMap((v) => [.../error ([\d.e+-]+)/.exec(v)?.slice(1) ?? []]).map(Number));

test('npm run bench:probe -- unfold-loop --json out.json', async () => {
  const json = join(mkdtempSync(join(tmpdir(), 'yolo11-probe-')), 'p.json');
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof write;
  try {
    expect(await probeMain(['unfold-loop', '--json', json])).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  console.log(out);
  expect(out).toMatch(/^## probe unfold-loop — .*, host .+, \d+ logical cores, /m); // which machine: CPU adapters' figures depend on it
  const t = JSON.parse(readFileSync(json, 'utf8')) as Table;
  expect(Object.keys(t)).toHaveLength(5);
  const e = errors(t);
  expect(e).toHaveLength(15); // 3 looped unfolds × 5 shapes
  expect(e.every((x) => x === 0)).toBe(true);
  await expect(probeMain(['no-such'])).rejects.toThrow(/one of implicit-gemm, unfold-loop/);
}, 300_000);

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
}, 120_000);
afterAll(() => s?.close());

test('the implicit-GEMM probe (4 pixels per lane, one timed run) matches im2col + pw-m16n25 exactly', async () => {
  const t = await s.call<Table>('/bench/probes/implicit-gemm.ts', 'probe', [4], 1);
  console.log(t);
  expect(Object.keys(t)).toHaveLength(5);
  const e = errors(t);
  expect(e).toHaveLength(10); // 2 kernels × 5 shapes
  expect(e.every((x) => x === 0)).toBe(true);
  expect(Object.values(t).every((row) => /max \|y\| [1-9]/.test(row['unfold + gemm']))).toBe(true); // not all zeros
}, 300_000);
