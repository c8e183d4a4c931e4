/**
 * Headless Chromium with real WebGPU (SwiftShader on a CPU-only machine) for tests: a vite dev
 * server on 127.0.0.1 serves the repository, so a page can `import()` the project's TypeScript
 * directly, and puppeteer drives the system Chromium. No adapter → a clear error naming what to install.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import puppeteer, { type Browser, type Page } from 'puppeteer';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu', '--no-sandbox', '--enable-features=Vulkan', '--use-angle=swiftshader',
  // The network is closed: keep Chromium from trying to reach Google services.
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--disable-dev-shm-usage',
];

export interface BrowserSession {
  page: Page;
  url: string;
  errors: string[];
  /** Import a repo module in the page (path from the repo root, e.g. `/test/browser/entries/kernels.ts`) and call one of its exports. */
  call<T>(module: string, fn: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set PUPPETEER_EXECUTABLE_PATH`);
  }
  const server: ViteDevServer = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    resolve: { alias: { wgsl_reflect: `${ROOT}node_modules/wgsl_reflect/wgsl_reflect.module.js` } },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  await server.listen();
  const addr = server.httpServer!.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}`;
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, protocolTimeout: 600_000 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      // 404s (favicon.ico) are noise; script and GPU errors are not.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    await page.goto(`${url}/test/browser/blank.html`);
    const hasGPU = await page.evaluate(async () => {
      const a = await navigator.gpu?.requestAdapter();
      return !!a;
    });
    if (!hasGPU) {
      throw new Error('headless Chromium has no WebGPU adapter: install Debian chromium (apt-get install -y chromium) and serve pages from http://127.0.0.1 with --enable-unsafe-webgpu');
    }
    const b = browser;
    return {
      page, url, errors,
      // A string, not a function: vitest would rewrite `import()` inside a function's source.
      call: <T>(module: string, fn: string, ...args: unknown[]) =>
        page.evaluate(`(async () => {
          const mod = await import(${JSON.stringify(module)});
          return mod[${JSON.stringify(fn)}](...${JSON.stringify(args)});
        })()`) as Promise<T>,
      close: async () => {
        await b.close();
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}
