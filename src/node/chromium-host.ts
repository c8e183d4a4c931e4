/**
 * What the headless-Chromium backends (chromium-backend.ts for detect, chromium-trainer.ts for train)
 * share: where the built library is, serving it to the page over loopback HTTP, and launching Chromium
 * with WebGPU on.
 */
import type { Server, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebGPUUnavailableError } from '../errors.js';

export const CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--enable-features=Vulkan', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];

export const chromiumPath = () => process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';

/** dist/: the backends are bundled into dist; run from source (tests), the build is at ../../dist. */
export function distDir(): string {
  const here = fileURLToPath(new URL(/* @vite-ignore */ '.', import.meta.url));
  return existsSync(join(here, 'index.js')) ? here : fileURLToPath(new URL(/* @vite-ignore */ '../../dist/', import.meta.url));
}

/** Answers `/dist/…` from the built library (nothing outside it); false for any other path. */
export async function serveDist(dist: string, pathname: string, res: ServerResponse): Promise<boolean> {
  if (!pathname.startsWith('/dist/')) return false;
  const p = normalize(join(dist, pathname.slice(6)));
  if (!p.startsWith(dist) || !existsSync(p)) res.writeHead(404).end();
  else res.writeHead(200, { 'content-type': extname(p) === '.js' ? 'text/javascript' : 'application/octet-stream' }).end(await readFile(p));
  return true;
}

/**
 * Starts `server` on a loopback port and a headless Chromium with WebGPU (puppeteer, the system
 * Chromium). `verbose`: Chromium's own stderr (GPU process and driver messages, which puppeteer
 * swallows) is copied to ours, each line marked `[chromium]`; never to stdout, which may carry JSON.
 */
export async function launchChromium(server: Server, verbose: boolean) {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  let puppeteer: typeof import('puppeteer');
  try {
    puppeteer = await import(/* @vite-ignore */ 'puppeteer' as string);
  } catch {
    server.close();
    throw new WebGPUUnavailableError('the chromium backend needs puppeteer (npm i puppeteer) and a Chromium (apt-get install chromium)');
  }
  const browser = await puppeteer.default.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, protocolTimeout: 0 });
  if (verbose) browser.process()?.stderr?.on('data', (d: Buffer) => process.stderr.write(String(d).replace(/^(?=.)/gm, '[chromium] ')));
  return { browser, port };
}
