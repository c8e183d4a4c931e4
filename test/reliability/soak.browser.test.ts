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

type State = { buffers: number; heap: number };
let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser({ args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'] });
});
afterAll(async () => {
  await s?.call(ENTRY, 'soakClose').catch(() => undefined);
  await s?.close();
});

const mb = (b: number) => (b / 1024 / 1024).toFixed(2);
/** Calls per page round trip: each stays far inside the 600-s protocol timeout (≈ 0.2–0.5 s per call). */
const STEP = 500;

test(`${CALLS} detect() calls: live GPU buffers constant, JS heap within 8 MB`, async () => {
  await s.call<State>(ENTRY, 'soakOpen', await cocoWeights());
  const warm = await s.call<State>(ENTRY, 'soakDetect', 10);
  const t0 = performance.now();
  let last = warm;
  for (let done = 0; done < CALLS; done += STEP) last = await s.call<State>(ENTRY, 'soakDetect', Math.min(STEP, CALLS - done));
  console.log(`${CALLS} detect() at 32×32: live buffers ${warm.buffers} → ${last.buffers}, heap ${mb(warm.heap)} → ${mb(last.heap)} MB, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  expect(last.buffers).toBe(warm.buffers);
  expect(last.heap - warm.heap).toBeLessThan(HEAP_BOUND);
  expect((await s.call<State>(ENTRY, 'soakClose')).buffers).toBe(0);
}, 3_600_000 * 3);

test(`${DETECTORS} detectors created and destroyed: no GPU buffer left, JS heap within 8 MB`, async () => {
  await s.call<State>(ENTRY, 'soakOpen', await cocoWeights());
  const first = await s.call<State>(ENTRY, 'soakCycles', 1);
  const t0 = performance.now();
  let last = first;
  for (let done = 0; done < DETECTORS; done += 20) last = await s.call<State>(ENTRY, 'soakCycles', Math.min(20, DETECTORS - done));
  console.log(`${DETECTORS} create/detect/destroy cycles: live buffers ${first.buffers} → ${last.buffers}, heap ${mb(first.heap)} → ${mb(last.heap)} MB, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  expect(first.buffers).toBe(0);
  expect(last.buffers).toBe(0);
  expect(last.heap - first.heap).toBeLessThan(HEAP_BOUND);
  await s.call<State>(ENTRY, 'soakClose');
}, 3_600_000);
