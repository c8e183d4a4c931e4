import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';

let s: BrowserSession;
beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});

test('every shaders/*.wgsl compiles on its own (Chromium\'s Tint)', async () => {
  const errors = await s.call<Record<string, string[]>>('/test/browser/entries/compile.ts', 'compileAll');
  expect(Object.keys(errors).length).toBeGreaterThan(8);
  expect(Object.fromEntries(Object.entries(errors).filter(([, e]) => e.length))).toEqual({});
});
