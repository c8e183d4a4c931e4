/**
 * The built library (dist/) under a strict Content-Security-Policy, with no 'unsafe-eval':
 * `default-src 'self'; script-src 'self'; worker-src 'self' blob:`. The page loads the weights from
 * the URL it is given and runs detect(); the test records every request and every CSP violation:
 * no violation, no page error, and no request besides the page, its script, the library's chunks
 * and the weights.
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import puppeteer from 'puppeteer';
import { expect, test } from 'vitest';
import { CHROMIUM_ARGS } from '../helpers/browser.js';
import { convertModel } from '../../src/convert/index.js';
import { fixture } from '../helpers/fixtures.js';

const CSP = "default-src 'self'; script-src 'self'; worker-src 'self' blob:";
const DIST = join(process.cwd(), 'dist');

const MAIN = `import { createDetector } from '/dist/index.js';
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
try {
  const det = await createDetector({ model: '/model/fracture.y11w', inputSize: 64 });
  const data = new Uint8Array(96 * 80 * 4).map((_, i) => (i * 37) % 251);
  const boxes = await det.detect({ width: 96, height: 80, data });
  det.destroy();
  window.result = { ok: true, boxes: boxes.length, violations };
} catch (e) {
  window.result = { ok: false, error: String(e), violations };
}`;

test('the built library runs under a strict CSP and fetches nothing but its weights', async () => {
  expect(existsSync(join(DIST, 'index.js')), 'dist/ is built by npm ci (prepare) or npm run build').toBe(true);
  const weights = await convertModel(new Uint8Array(readFileSync(fixture('models/yolo11n-fracture-hybrid.tflite'))), 'fracture.tflite');
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers = { 'content-security-policy': CSP };
    if (path === '/') return void res.writeHead(200, { ...headers, 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/main.js"></script>');
    if (path === '/main.js') return void res.writeHead(200, { ...headers, 'content-type': 'text/javascript' }).end(MAIN);
    if (path === '/model/fracture.y11w') return void res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream' }).end(weights);
    if (path.startsWith('/dist/')) {
      const p = normalize(join(DIST, path.slice(6)));
      if (p.startsWith(DIST) && existsSync(p)) return void res.writeHead(200, { ...headers, 'content-type': 'text/javascript' }).end(readFileSync(p));
    }
    res.writeHead(404, headers).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const browser = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction('window.result !== undefined', { timeout: 240_000 });
    const result = (await page.evaluate('window.result')) as { ok: boolean; boxes: number; violations: string[]; error?: string };
    console.log(`under CSP: ${JSON.stringify(result)}; requests: ${requests.join(' ')}`);
    expect(result.ok, result.error).toBe(true);
    expect(result.violations).toEqual([]);
    expect(errors.filter((e) => !/^Failed to load resource/.test(e))).toEqual([]); // the favicon 404; requests are checked below
    expect(requests.filter((r) => !(r === '/' || r === '/main.js' || r.startsWith('/dist/') || r === '/model/fracture.y11w' || r === '/favicon.ico'))).toEqual([]);
    expect(requests.filter((r) => r === '/model/fracture.y11w')).toHaveLength(1);
  } finally {
    await browser.close();
    server.close();
  }
}, 300_000);
