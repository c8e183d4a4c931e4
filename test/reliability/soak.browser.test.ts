/**
 * Long runs in headless Chromium: many detect() calls on one detector, and many detectors created
 * and destroyed, keep the live GPU buffer count constant and the JS heap (after a full GC) within
 * HEAP_BOUND. CI runs SOAK_CALLS=300 / SOAK_DETECTORS=10; `npm run soak` runs 10,000 / 200.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHROMIUM_ARGS, openBrowser, type BrowserSession } from '../helpers/browser.js';
import { cocoWeights } from '../helpers/parity-data.js';

const CALLS = Number(process.env.SOAK_CALLS ?? 300);
const DETECTORS = Number(process.env.SOAK_DETECTORS ?? 10);
/** Allowed JS heap growth over a run: 8 MB (a leak of 1 KB per call would exceed it at 10,000 calls). */
const HEAP_BOUND = 8 * 1024 * 1024;
const ENTRY = '/test/browser/entries/reliability.ts';

type Run = { before: { buffers: number; heap: number }; after: { buffers: number; heap: number }; ms: number };
let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser({ args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'] });
});
afterAll(async () => {
  await s?.close();
});

const mb = (b: number) => (b / 1024 / 1024).toFixed(2);

test(`${CALLS} detect() calls: live GPU buffers constant, JS heap within 8 MB`, async () => {
  const r = await s.call<Run>(ENTRY, 'longRun', await cocoWeights(), CALLS);
  console.log(`${CALLS} detect() at 32×32: live buffers ${r.before.buffers} → ${r.after.buffers}, heap ${mb(r.before.heap)} → ${mb(r.after.heap)} MB, ${(r.ms / 1000).toFixed(1)} s`);
  expect(r.after.buffers).toBe(r.before.buffers);
  expect(r.after.heap - r.before.heap).toBeLessThan(HEAP_BOUND);
}, 3_600_000);

test(`${DETECTORS} detectors created and destroyed: no GPU buffer left, JS heap within 8 MB`, async () => {
  const r = await s.call<Run>(ENTRY, 'createDestroy', await cocoWeights(), DETECTORS);
  console.log(`${DETECTORS} create/detect/destroy cycles: live buffers ${r.before.buffers} → ${r.after.buffers}, heap ${mb(r.before.heap)} → ${mb(r.after.heap)} MB, ${(r.ms / 1000).toFixed(1)} s`);
  expect(r.before.buffers).toBe(0);
  expect(r.after.buffers).toBe(0);
  expect(r.after.heap - r.before.heap).toBeLessThan(HEAP_BOUND);
}, 3_600_000);
