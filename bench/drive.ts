/**
 * The benchmark page, built and driven headless: `npm run bench` and the page's CI test use these, so
 * the CLI's figures are the page's by construction. Build (vite, bench/page/vite.config.ts) into a
 * folder, serve it with COOP/COEP (`vite preview`), open it in the system Chromium (puppeteer) with the
 * settings in the address, give it the files through its file inputs as a person would, press Run,
 * and read `window.__bench` when the run is done.
 */
import { build, preview, type PreviewServer } from 'vite';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer';
import { CHROMIUM_ARGS } from '../test/helpers/browser.js';
import type { BenchResult } from './report.js';

const CONFIG = new URL('./page/vite.config.ts', import.meta.url).pathname;
const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';

export interface PageSettings { imgsz: [number, number]; runs: number; inflight: number; timeout: number; ceiling: boolean; tune?: boolean; ours: boolean; peers: string[] }

export interface BenchPage { url: string; browser: Browser; page: Page; errors: string[]; close(): Promise<void> }

export const pageQuery = (s: PageSettings) => new URLSearchParams({
  imgsz: s.imgsz.join(','), runs: String(s.runs), inflight: String(s.inflight), timeout: String(s.timeout),
  ceiling: s.ceiling ? '1' : '0', tune: s.tune === false ? '0' : '1', ours: s.ours ? '1' : '0', peers: s.peers.join(','),
}).toString();

/** Build the page into `outDir` (`npm run build:bench` writes dist-bench/). */
export async function buildPage(outDir: string): Promise<void> {
  await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
}

/** Serve a built page (COOP/COEP) and open it in headless Chromium; `log` gets the page's `[bench] …` lines. */
export async function openPage(outDir: string, query = '', log: (line: string) => void = () => {}): Promise<BenchPage> {
  const server: PreviewServer = await preview({ configFile: CONFIG, logLevel: 'error', build: { outDir }, preview: { port: 0, strictPort: false } });
  let browser: Browser | undefined;
  try {
    const url = server.resolvedUrls!.local[0];
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, protocolTimeout: 0 });
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 900 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.text().startsWith('[bench]')) log(m.text());
      // LiteRT.js's wasm writes its INFO/WARNING log to stderr, which reaches the console as errors.
      else if (m.type() === 'error' && !/^(Failed to load resource|(INFO|WARNING): \[)/.test(m.text())) errors.push(m.text());
    });
    await page.goto(`${url}${query ? `?${query}` : ''}`);
    await page.waitForFunction('window.__bench && window.__bench.state !== "starting"', { timeout: 60_000 });
    const b = browser;
    return { url, browser: b, page, errors, close: async () => {
      await b.close().catch(() => undefined);
      await server.close();
    } };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.close();
    throw e;
  }
}

/** Choose a file through one of the page's file inputs (#model or #image), as a person would. */
export async function chooseFile(page: Page, input: 'model' | 'image', path: string): Promise<void> {
  await ((await page.$(`#${input}`)) as ElementHandle<HTMLInputElement>).uploadFile(path);
}

/** Choose the model and wait for the page's converter: its summary line, or its one-line error. */
export async function chooseModel(page: Page, path: string): Promise<{ summary?: string; error?: string }> {
  await page.evaluate('window.__bench.model = window.__bench.modelError = undefined');
  await chooseFile(page, 'model', path);
  await page.waitForFunction('window.__bench.model || window.__bench.modelError', { timeout: 300_000 });
  return page.evaluate('({ summary: window.__bench.model, error: window.__bench.modelError })') as Promise<{ summary?: string; error?: string }>;
}

/** Press Run and wait until the page shows the result. */
export async function runPage(page: Page): Promise<BenchResult> {
  await page.waitForFunction('!document.getElementById("run").disabled', { timeout: 60_000 });
  await page.click('#run');
  await page.waitForFunction('window.__bench.state === "running"', { timeout: 60_000 });
  await page.waitForFunction('window.__bench.state === "done"', { timeout: 0, polling: 500 });
  const r = (await page.evaluate('window.__bench.result')) as BenchResult | undefined;
  if (!r) throw new Error(`the page finished without a result: ${await page.$eval('#message', (e) => e.textContent)}`);
  return r;
}
