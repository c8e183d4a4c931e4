/**
 * The kernel tuner on a real adapter (SwiftShader in CI): it times every candidate, drops one that
 * computes something else, and createDetector({ tune: true }) measures once, then reads the
 * IndexedDB cache, and ignores (and rebuilds) a corrupt entry.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { cocoWeights } from '../helpers/parity-data.js';
import { CONV_VARIANTS } from '../../src/ops/conv-variants.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

test('candidates are timed; a kernel that disagrees with the generic one is dropped', async () => {
  const r = await s.call<Record<string, { ms: number } | { failed: string }>>('/test/browser/entries/tune.ts', 'measureWithImpostor');
  console.log(JSON.stringify(r));
  expect(r.impostor).toMatchObject({ failed: expect.stringMatching(/disagrees/) });
  const timed = Object.entries(r).filter(([id]) => id !== 'impostor');
  expect(timed.length).toBeGreaterThanOrEqual(3);
  for (const [id, o] of timed) expect('ms' in o && o.ms > 0, `${id}: ${JSON.stringify(o)}`).toBe(true);
  expect(s.errors).toEqual([]);
}, 300_000);

test('createDetector({ tune: true }): measured, then from the cache, then measured again after the entry was corrupted; { choice } replays a choice', async () => {
  const r = await s.call<{ loads: { source: string; byClass: Record<string, string>; boxes: number }[]; keys: number; rebuilt?: Record<string, string> }>(
    '/test/browser/entries/tune.ts', 'tuneTwiceThenCorrupt', await cocoWeights());
  console.log(JSON.stringify(r));
  expect(r.loads.map((l) => l.source)).toEqual(['measured', 'cache', 'measured', 'option']);
  expect(r.loads[3].byClass).toEqual(r.loads[0].byClass);
  expect(r.loads[1].byClass).toEqual(r.loads[0].byClass);
  const ids = new Set(CONV_VARIANTS.map((v) => v.id));
  for (const id of Object.values(r.loads[0].byClass)) expect(ids.has(id)).toBe(true);
  expect(Object.keys(r.loads[0].byClass).length).toBeGreaterThanOrEqual(3);
  expect(r.keys).toBe(1);
  // The stored choice is part of what the detector reports (which adds each convolution's kernel).
  expect(r.loads[2].byClass).toMatchObject(r.rebuilt!);
  expect(s.errors).toEqual([]);
}, 600_000);
