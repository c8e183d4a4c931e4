/**
 * The benchmark page as a person meets it: the BUILT static page (dist-bench/, as `npm run build:bench`
 * writes it) served with COOP/COEP and opened in headless Chromium. The machine panel shows the adapter
 * before anything runs; a file that is not a YOLO11 export gets the converter's one-line message and
 * the page stays usable; a run at 64×64 with ours, the ORT wasm peer and an unknown peer gives the
 * table, the per-kernel chart with the GEMM ceiling, parity against ORT, the report's markdown (copied)
 * and the JSON (downloaded); a peer that does not answer in time is a row saying so; without
 * timestamp-query the chart says so; without WebGPU the page explains. Screenshot: out/bench-page.png.
 * Timings are printed, never asserted.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildPage, chooseModel, openPage, pageQuery, runPage, type BenchPage } from '../../bench/drive.js';
import { markdown, type BenchResult, type OursResult, type PeerResult } from '../../bench/report.js';
import { CHROMIUM_ARGS } from '../helpers/browser.js';
import { fixture } from '../helpers/fixtures.js';

const SITE = resolve('dist-bench');
const dir = mkdtempSync(join(tmpdir(), 'yolo11-bench-page-'));
let p: BenchPage;
let result: BenchResult;

beforeAll(async () => {
  await buildPage(SITE);
  p = await openPage(SITE, pageQuery({ imgsz: [64, 64], runs: 1, inflight: 2, timeout: 600, ceiling: true, ours: true, peers: ['ort-wasm', 'nope'] }), (l) => console.log(l));
}, 300_000);

afterAll(async () => {
  await p?.close();
});

const text = (sel: string) => p.page.$eval(sel, (e) => (e as HTMLElement).innerText);

test('the built page carries what it loads: no CDN, ORT and LiteRT wasm inside', () => {
  const files = readdirSync(join(SITE, 'assets'));
  expect(files.some((f) => /^ort-wasm-simd-threaded\.jsep-.*\.wasm$/.test(f))).toBe(true);
  expect(existsSync(join(SITE, 'litert/litert_wasm_internal.wasm'))).toBe(true);
  const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(SITE, 'assets', f), 'utf8')).join('\n');
  expect(js).not.toMatch(/cdn\.jsdelivr|unpkg\.com|cdnjs/);
});

test('the machine panel shows the adapter, features, limits and browser before anything runs', async () => {
  const env = await text('#env-body');
  console.log(env);
  expect(env).toMatch(/adapter\s+\S+/);
  expect(env).toMatch(/features\s+.*timestamp-query/);
  expect(env).toMatch(/maxStorageBufferBindingSize/);
  expect(env).toMatch(/browser\s+(HeadlessChrome|Chrome|Chromium)\/\d+/);
  expect(env).toMatch(/wasm threads\s+yes/);
  expect(await p.page.$eval('#run', (b) => (b as HTMLButtonElement).disabled)).toBe(true); // no model yet
  expect(await p.page.$eval('#nogpu', (e) => (e as HTMLElement).hidden)).toBe(true);
});

test('a file that is not a YOLO11 export: the converter\'s one-line message, and the page stays usable', async () => {
  const junk = join(dir, 'model.onnx');
  writeFileSync(junk, '<!doctype html><html><body>Not found</body></html>\n');
  const bad = await chooseModel(p.page, junk);
  console.log(bad.error);
  expect(bad.error).toMatch(/^model\.onnx is a text file/);
  expect(bad.error).not.toMatch(/\n/);
  expect(await p.page.$eval('#model-info', (e) => e.className)).toBe('error');
  expect(await p.page.$eval('#run', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
  // Every YOLO11 task converts (docs/TASKS.md): a classify file is accepted and named for what it is.
  const cls = await chooseModel(p.page, fixture('models/yolo11n-cls-imagenet-320-hybrid.tflite'));
  expect(cls.error).toBeUndefined();
  expect(cls.summary).toMatch(/classify, 1000 classes, exported at 320×320.*converted from TFLite/);
  const ok = await chooseModel(p.page, fixture('models/yolo11n-coco-fp32.onnx'));
  expect(ok.error).toBeUndefined();
  expect(ok.summary).toMatch(/80 classes.*converted from ONNX/);
  expect(await p.page.$eval('#run', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
}, 300_000);

test('a run at 64×64: table, per-kernel chart against the GEMM ceiling, parity, markdown and JSON', async () => {
  result = await runPage(p.page);
  const o = result.ours as OursResult;
  expect(typeof o, String(result.ours)).toBe('object');
  expect(result.env?.adapter.architecture).toBeTruthy();
  expect(result.browser).toMatch(/Chrom\w*\/\d+/);
  expect(result.imgsz).toEqual([64, 64]);
  expect(o.parityReference).toMatch(/ort-wasm/);
  expect(typeof o.parity === 'object' && o.parity.rel).toBeLessThan(1e-4);
  // A row per op of the network + decode (NMS's three dispatches are not profiled): an im2col convolution's
  // two dispatches are one row, a split-K one's or a Winograd one's three (its input transform or unfolding a
  // prologue, its output transform or sum an epilogue).
  const rows = Array.isArray(o.profile) ? o.profile : [];
  const extra = rows.reduce((n, k) => n + (k.variant?.includes('-wino') || k.variant?.includes('-i2c-k') ? 2 : k.prologueMs !== undefined ? 1 : 0), 0);
  expect(rows.length + extra).toBe(o.dispatches - 3);
  expect(Object.keys(o.tuning?.byClass ?? {}).length).toBeGreaterThan(0);
  expect(o.tuning?.source).toBe('measured');
  expect(typeof result.gemm === 'object' && result.gemm.ceiling).toBeGreaterThan(0);
  expect((result.peers['ort-wasm'] as PeerResult).warm.runs).toBe(1);
  expect((result.peers['ort-wasm'] as PeerResult).threads).toBeGreaterThan(1); // cross-origin isolated: wasm threads
  expect(result.peers.nope).toMatch(/^failed: unknown peer/);
  expect((await p.page.evaluate('window.__bench.steps')) as { state: string }[]).toSatisfy((s: { state: string }[]) => s.every((x) => x.state !== 'running' && x.state !== 'waiting'));

  // The table and lines are the report's own markdown, as `npm run bench` prints it.
  const md = (await p.page.evaluate('window.__bench.markdown')) as string;
  expect(md).toBe(markdown(result));
  console.log(md);
  const table = await text('#table');
  expect(table).toMatch(/yolo11-webgpu forward\(\)/);
  expect(table).toMatch(/ort-wasm \(\d threads\)/);
  expect(table).toMatch(/nope\s+failed: unknown peer/);
  expect(await text('#summary')).toMatch(/conv kernels measured/);
  // One bar per profiled dispatch; convolutions rated against the ceiling.
  expect(await p.page.$$eval('#chart .bar-row:not(.bar-head)', (r) => r.length)).toBe((o.profile as unknown[]).length);
  expect(await text('#chart')).toMatch(/\d+ % *$/m);
  expect(await text('#gemm')).toMatch(/GEMM ceiling/);

  // Copy as markdown, download JSON.
  await p.browser.defaultBrowserContext().overridePermissions(p.url, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
  await p.page.click('#copy-md');
  await p.page.waitForFunction('document.getElementById("message").textContent === "markdown copied"');
  expect(await p.page.evaluate('navigator.clipboard.readText()')).toBe(md);
  const downloads = join(dir, 'downloads');
  mkdirSync(downloads);
  const cdp = await p.page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  await p.page.click('#download-json');
  for (let i = 0; i < 50 && !readdirSync(downloads).some((f) => f.endsWith('.json')); i++) await new Promise((r) => setTimeout(r, 100));
  const file = readdirSync(downloads).find((f) => f.endsWith('.json'))!;
  expect(JSON.parse(readFileSync(join(downloads, file), 'utf8'))).toEqual(result);

  mkdirSync('out', { recursive: true });
  await p.page.screenshot({ path: 'out/bench-page.png', fullPage: true });
  expect(p.errors).toEqual([]);
}, 600_000);

test('without timestamp-query the chart says per-kernel times are unavailable; the rest is shown', async () => {
  const o = result.ours as OursResult;
  await p.page.evaluate((r) => (window as unknown as { __bench: { show(r: unknown): void } }).__bench.show(r), { ...result, ours: { ...o, profile: 'no timestamp-query on this adapter' } });
  expect(await text('#chart')).toMatch(/per-kernel GPU times unavailable: no timestamp-query/);
  expect(await text('#table')).toMatch(/yolo11-webgpu forward\(\)/);
  await p.page.evaluate((r) => (window as unknown as { __bench: { show(r: unknown): void } }).__bench.show(r), result);
});

test('a peer that does not answer within the step time limit is a row saying so, and the run goes on', async () => {
  // ORT's WebGPU EP takes ~25 s for its first run at 640 on SwiftShader: far beyond 5 s.
  const q = pageQuery({ imgsz: [640, 640], runs: 1, inflight: 1, timeout: 5, ceiling: false, ours: false, peers: ['ort-webgpu', 'litert-wasm'] });
  await p.page.goto(`${p.url}?${q}`);
  await p.page.waitForFunction('window.__bench && window.__bench.state === "idle"');
  expect((await chooseModel(p.page, fixture('models/yolo11n-coco-fp32.onnx'))).summary).toMatch(/ONNX/);
  const r = await runPage(p.page);
  console.log(markdown(r));
  for (const v of ['NCHW', 'NCHW IO on GPU', 'NHWC', 'NHWC IO on GPU']) expect(r.peers[`ort-webgpu ${v}`]).toMatch(/^failed: no answer in 5 s/);
  expect(r.peers['litert-wasm']).toMatch(/^failed: needs a TFLite model/);
  expect(r.ours).toBeUndefined();
  expect(await text('#table')).toMatch(/ort-webgpu NHWC IO on GPU\s+failed: no answer in 5 s/);
  expect(await text('#chart')).toMatch(/unavailable: ours did not run/);
}, 300_000);

test('without WebGPU the page explains why, and the wasm peers stay selectable', async () => {
  const b = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu') });
  try {
    const page = await b.newPage();
    await page.goto(p.url);
    await page.waitForFunction('window.__bench && window.__bench.state === "idle"');
    expect(await page.$eval('#nogpu', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await page.$eval('#nogpu', (e) => (e as HTMLElement).innerText)).toMatch(/WebGPU is not available.*\n[\s\S]*(no usable GPU adapter|navigator\.gpu is missing)/);
    expect(await page.$eval('#peers input[value="ours"]', (e) => (e as HTMLInputElement).disabled)).toBe(true);
    expect(await page.$eval('#peers input[value="ort-wasm"]', (e) => (e as HTMLInputElement).disabled)).toBe(false);
  } finally {
    await b.close();
  }
});
