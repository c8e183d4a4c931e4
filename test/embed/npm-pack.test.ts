/**
 * The package as a web developer meets it: `npm pack`, install the tarball into a fresh vite project
 * in a temporary folder (from npm's cache where it can, the registry otherwise), type-check and build the README's quick start
 * (examples/quickstart, byte for byte the README's code block), serve it with the fracture weights
 * and a radiograph, and run it in headless Chromium: its boxes must equal the library's own detect()
 * on the same image, with no page error and nothing fetched beyond the page, its bundle, the image
 * and the weights. Shaders must be inside the bundle (nothing to copy besides the weights).
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import puppeteer from 'puppeteer';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHROMIUM_ARGS, openBrowser, type BrowserSession } from '../helpers/browser.js';
import { CACHE } from '../helpers/parity-data.js';
import { fixture } from '../helpers/fixtures.js';
import { convertModel } from '../../src/convert/index.js';

const REPO = resolve('.');
const NM = join(REPO, 'node_modules');
const IMAGE = fixture('datasets/fracatlas/images/Fractured/IMG0003458.jpg');
/** The bound on a fresh project's node_modules after `npm install yolo11-webgpu` (README, Quick start). */
const MAX_INSTALL_MB = 5;
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, stdio: 'pipe', encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });

let dir: string;
let weights: Uint8Array;
let lib: BrowserSession;
beforeAll(async () => {
  weights = await convertModel(new Uint8Array(readFileSync(fixture('models/yolo11n-fracture-hybrid.tflite'))), 'yolo11n-fracture-hybrid.tflite');
  lib = await openBrowser();
}, 120_000);
afterAll(async () => {
  await lib?.close();
});

test('the README quick start is examples/quickstart/main.ts, byte for byte', () => {
  const readme = readFileSync('README.md', 'utf8');
  const code = readFileSync('examples/quickstart/main.ts', 'utf8');
  expect(readme).toContain(`\`\`\`ts\n${code}\`\`\``);
});

test('npm pack → fresh vite project → tsc + vite build → the quick start runs in Chromium', async () => {
  dir = mkdtempSync(join(tmpdir(), 'yolo11-embed-'));
  const packed = run('npm', ['pack', '--pack-destination', dir, '--ignore-scripts'], REPO).trim().split('\n').pop()!;
  const tarball = join(dir, packed);
  const files = run('tar', ['-tzf', tarball], dir).split('\n');
  expect(files.some((f) => /weights\/.*\.y11w|\.tflite|\.onnx$|test\//.test(f))).toBe(false);
  const app = join(dir, 'app');
  mkdirSync(app);
  cpSync('examples/quickstart', app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'quickstart', private: true, type: 'module' }, null, 2));
  // TypeScript 7's lib.dom declares WebGPU; skipLibCheck off, so the package's own .d.ts are checked too.
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: false, lib: ['es2022', 'dom'], types: [] }, include: ['main.ts'] }));
  // --prefer-offline, not --offline: `npm ci` from a lockfile never caches the registry metadata that
  // `npm install <tarball>` resolves dependencies with, so an empty cache (a new machine) must be able
  // to fall back to the registry; a warm cache answers without it.
  run('npm', ['install', '--prefer-offline', '--no-package-lock', tarball], app);
  const pkg = JSON.parse(readFileSync(join(app, 'node_modules/yolo11-webgpu/package.json'), 'utf8'));
  expect([pkg.type, pkg.sideEffects]).toEqual(['module', false]);
  // A light install: Dawn (`webgpu`, ~130 MB native) is an optional peer that only Node users add, and
  // the ONNX reader needs no protobuf library. Measured: 3,672 KB by `du -sk` (jpeg-js, pngjs and the package).
  const installedKB = Number(run('du', ['-sk', 'node_modules'], app).split('\t')[0]);
  console.log(`fresh project's node_modules: ${installedKB} KB by du -sk (${readdirSync(join(app, 'node_modules')).filter((f) => !f.startsWith('.')).join(', ')})`);
  expect(installedKB).toBeLessThan(MAX_INSTALL_MB * 1024);
  run(process.execPath, [join(NM, 'typescript/bin/tsc'), '-p', '.'], app); // types resolve
  run(process.execPath, [join(NM, 'vite/bin/vite.js'), 'build', '--logLevel', 'error'], app);
  const assets = readdirSync(join(app, 'dist/assets')).filter((f) => f.endsWith('.js'));
  const bundle = assets.map((f) => readFileSync(join(app, 'dist/assets', f), 'utf8')).join('\n');
  expect(bundle).toContain('@compute @workgroup_size'); // the WGSL is inside the JS

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/weights/yolo11n-fracture.y11w') return void res.writeHead(200).end(weights);
    if (path === '/radiograph.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(readFileSync(IMAGE));
    const p = normalize(join(app, 'dist', path === '/' ? 'index.html' : path));
    if (!p.startsWith(join(app, 'dist')) || !existsSync(p)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': extname(p) === '.js' ? 'text/javascript' : 'text/html' }).end(readFileSync(p));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, protocolTimeout: 600_000 });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    let logged: string | undefined;
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    page.on('console', (m) => (m.type() === 'log' ? (logged = m.text()) : m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text())));
    await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    // The example logs its boxes once detect() is done (or the page reports an error).
    for (let t = 0; t < 3000 && logged === undefined && !errors.length; t++) await new Promise((r) => setTimeout(r, 100));
    expect(errors).toEqual([]);
    await page.waitForFunction(() => document.querySelector('canvas')!.width !== 300, { timeout: 60_000 }); // drawn at the image's size
    const boxes = JSON.parse(logged!) as { box: number[]; score: number }[];
    mkdirSync(join(CACHE, 'embed'), { recursive: true });
    writeFileSync(join(CACHE, 'embed', 'fracture.y11w'), weights);
    writeFileSync(join(CACHE, 'embed', 'radiograph.jpg'), readFileSync(IMAGE));
    const expected = await lib.call<{ box: number[]; score: number }[][]>('/test/browser/entries/app-check.ts', 'libraryDetect', '/.cache/test/embed/fracture.y11w', [{ url: '/.cache/test/embed/radiograph.jpg' }], 640, 0.25);
    console.log(`quick start from the packed tarball: ${boxes.length} boxes; library detect(): ${expected[0].length}`);
    expect(boxes.length).toBeGreaterThan(0);
    expect(boxes).toEqual(expected[0]);
    expect(requests.filter((r) => !(r === '/' || r.startsWith('/assets/') || r === '/radiograph.jpg' || r === '/weights/yolo11n-fracture.y11w' || r === '/favicon.ico'))).toEqual([]);
  } finally {
    await browser.close();
    server.close();
  }
}, 900_000);
