/**
 * examples/tasks (every task on a dropped image) in headless Chromium, served from source with the
 * package name aliased to src/index.ts: for a segment, a pose and a classify model, an image dropped
 * on the page (a real drop event carrying a File) gives the library's own result on the same bytes,
 * the overlay is drawn on the canvas (or the top-5 listed), and the page reports no error.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { convertModel } from '../../src/convert/index.js';

const MODELS = ['yolo11n-seg-coco-640-fullint8', 'yolo11n-pose-coco-256-hybrid', 'yolo11n-cls-imagenet-320-hybrid'];
const DIR = join(CACHE, 'example-tasks');
const CONF = 0.05; // radiographs: the COCO models' boxes there are weak

let s: BrowserSession;
beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  for (const m of MODELS) {
    const w = join(DIR, `${m}.y11w`);
    if (!existsSync(w)) writeFileSync(w, await convertModel(new Uint8Array(readFileSync(fixture(`models/${m}.tflite`))), `${m}.tflite`));
  }
  writeFileSync(join(DIR, 'image.jpg'), readFileSync(fixture('datasets/fracatlas/images/Fractured/IMG0003458.jpg')));
  s = await openBrowser({ alias: { 'yolo11-webgpu': resolve('src/index.ts') } });
}, 300_000);
afterAll(async () => {
  await s?.close();
});

test('drop an image on the page: each model\'s overlay and result equal the library\'s', async () => {
  const urls = MODELS.map((m) => `/.cache/test/example-tasks/${m}.y11w`);
  await s.page.goto(`${s.url}/examples/tasks/index.html?models=${urls.join(',')}&conf=${CONF}`);
  await s.page.waitForSelector('select option');
  for (const url of urls) {
    await s.page.select('#model', url);
    await s.page.evaluate(async () => {
      const blob = await (await fetch('/.cache/test/example-tasks/image.jpg')).blob();
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'image.jpg', { type: 'image/jpeg' }));
      document.body.dataset.state = '';
      document.querySelector('#drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await s.page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), { timeout: 600_000 });
    const page = await s.page.evaluate(() => ({
      state: document.body.dataset.state, status: document.querySelector('#status')!.textContent,
      result: (window as unknown as { lastResult: { task: string; summary: unknown[] } }).lastResult,
      canvas: [document.querySelector('canvas')!.width, document.querySelector('canvas')!.height],
      listed: document.querySelectorAll('#top li').length,
      // Canvas pixels that are not grey (the radiograph is grey): the coloured overlay.
      coloured: (() => {
        const c = document.querySelector('canvas')!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) n++;
        return n;
      })(),
    }));
    console.log(`example, ${url.split('/').pop()}: ${page.status}; ${page.coloured} coloured pixels, ${page.listed} listed`);
    expect(page.state, page.status ?? '').toBe('done');
    expect(page.canvas).toEqual([373, 454]);
    const lib = await s.call<unknown[]>('/test/browser/entries/tasks.ts', 'librarySummary', url, '/.cache/test/example-tasks/image.jpg', CONF);
    expect(page.result.summary).toEqual(lib);
    if (page.result.task === 'classify') expect(page.listed).toBe(5);
    else {
      expect(page.result.summary.length).toBeGreaterThan(0);
      expect(page.coloured).toBeGreaterThan(100);
    }
  }
  expect(s.errors).toEqual([]);
}, 1_800_000);
