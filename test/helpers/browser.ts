/**
 * Headless Chromium with real WebGPU (SwiftShader on a CPU-only machine) for tests: a vite dev
 * server on 127.0.0.1 (a random free port) serves the repository, so a page can `import()` the
 * project's TypeScript directly, and puppeteer drives the system Chromium. No adapter → a clear
 * error naming what to install; browser tests never skip (STYLE §8.17).
 *
 * Usage, one session per test file:
 *   let s: BrowserSession;
 *   beforeAll(async () => { s = await openBrowser(); });
 *   afterAll(async () => { await s?.close(); });
 *   await s.call('/test/browser/entries/kernels.ts', 'runDispatches', …);   // a repo module's export
 *   await s.runInPage((n) => n + 1, 41);                                   // a self-contained function
 * Results and arguments cross the page boundary as JSON (typed arrays → plain arrays first).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import puppeteer, { type Browser, type Page } from 'puppeteer';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';

/**
 * Measured with Debian chromium 156 on a CPU-only machine: `--enable-unsafe-webgpu` alone gives the
 * SwiftShader adapter (without it navigator.gpu exists but returns no adapter); `--no-sandbox` is
 * needed as root. `--enable-features=Vulkan` lets Dawn use a real Vulkan GPU where there is one.
 */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--no-sandbox',
  // The network is closed: keep Chromium from trying to reach Google services.
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  // Docker's /dev/shm is 64 MB; large readbacks would crash the renderer.
  '--disable-dev-shm-usage',
];

export interface PageAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
}

export interface BrowserSession {
  page: Page;
  /** http://127.0.0.1:PORT — the repository root (`/src/…`, `/shaders/…`, `/test/…`). */
  url: string;
  /** Page errors, console errors and crashes seen so far (tests usually `expect(s.errors).toEqual([])`). */
  errors: string[];
  /** The page's WebGPU adapter. */
  adapter: PageAdapter;
  /** Import a repo module in the page (path from the repo root, e.g. `/test/browser/entries/kernels.ts`) and call one of its exports. */
  call<T>(module: string, fn: string, ...args: unknown[]): Promise<T>;
  /**
   * Run a function (or an expression string) in the page and return its JSON-serialisable result.
   * The function is sent as source text, so it must be self-contained: no closures over test
   * variables and no `import()` (vitest rewrites it; use `call` or an expression string instead).
   */
  runInPage<T, A extends unknown[] = unknown[]>(fn: string | ((...args: A) => T | Promise<T>), ...args: A): Promise<Awaited<T>>;
  close(): Promise<void>;
}

/**
 * Start the dev server and Chromium, open a blank page and check it has a WebGPU adapter. `args`
 * replaces CHROMIUM_ARGS; `headers` are sent with every response (e.g. COOP/COEP for wasm threads);
 * `alias` adds module aliases (e.g. the package name → src/index.ts for the examples).
 */
export async function openBrowser(options: { args?: string[]; headers?: Record<string, string>; alias?: Record<string, string> } = {}): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set PUPPETEER_EXECUTABLE_PATH`);
  }
  const server: ViteDevServer = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null, headers: options.headers },
    resolve: { alias: { wgsl_reflect: `${ROOT}node_modules/wgsl_reflect/wgsl_reflect.module.js`, ...options.alias } },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  let browser: Browser | undefined;
  try {
    await server.listen();
    const addr = server.httpServer!.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const url = `http://127.0.0.1:${port}`;
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: options.args ?? CHROMIUM_ARGS, protocolTimeout: 600_000 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('error', (e) => errors.push(`page crashed: ${e.message}`));
    page.on('console', (m) => {
      // 404s (favicon.ico) are noise; script and GPU errors are not.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    await page.goto(`${url}/test/browser/blank.html`);
    const probe = await page.evaluate(`(async () => {
      if (!navigator.gpu) return { gpu: false };
      const a = await navigator.gpu.requestAdapter();
      if (!a) return { gpu: true };
      const i = a.info || {};
      return { gpu: true, adapter: { vendor: i.vendor || '', architecture: i.architecture || '', device: i.device || '', description: i.description || '',
        isFallbackAdapter: !!(i.isFallbackAdapter ?? a.isFallbackAdapter), features: [...a.features].sort() } };
    })()`) as { gpu: boolean; adapter?: PageAdapter };
    if (!probe.adapter) {
      const version = await browser.version();
      throw new Error(
        probe.gpu
          ? `headless Chromium has no WebGPU adapter (${version} at ${CHROMIUM}): install Debian chromium (apt-get install -y chromium libvulkan1), whose SwiftShader (/usr/lib/chromium/libvk_swiftshader.so) gives WebGPU without a GPU, and launch it with --enable-unsafe-webgpu`
          : `headless Chromium has no navigator.gpu (${version} at ${CHROMIUM}) on ${url}: WebGPU needs Chromium 113+ and a secure context (http://127.0.0.1 or https); install Debian chromium (apt-get install -y chromium)`,
      );
    }
    const b = browser;
    return {
      page, url, errors, adapter: probe.adapter,
      // A string, not a function: vitest would rewrite `import()` inside a function's source.
      call: <T>(module: string, fn: string, ...args: unknown[]) =>
        page.evaluate(`(async () => {
          const mod = await import(${JSON.stringify(module)});
          if (typeof mod[${JSON.stringify(fn)}] !== 'function') throw new Error(${JSON.stringify(`${module} has no export ${fn}`)});
          return mod[${JSON.stringify(fn)}](...${JSON.stringify(args)});
        })()`) as Promise<T>,
      runInPage: <T, A extends unknown[]>(fn: string | ((...args: A) => T | Promise<T>), ...args: A) =>
        (typeof fn === 'string' ? page.evaluate(fn) : page.evaluate(`(${fn.toString()})(...${JSON.stringify(args)})`)) as Promise<Awaited<T>>,
      close: async () => {
        await b.close().catch(() => undefined);
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.close();
    throw e;
  }
}
