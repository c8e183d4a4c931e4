/**
 * What a newcomer sees from `detect`: the built CLI in a child process (native code writes to file
 * descriptor 2, which only a separate process shows), with the environment of a fresh shell — no
 * VK_ICD_FILENAMES, no XDG_RUNTIME_DIR. stderr carries one line naming the backend and adapter and
 * none of the drivers' probing messages; `--verbose` shows those, marked, and never on stdout. The
 * saved PNG carries the labelled boxes.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { backendLine, isRealGPU, probeDawn } from '../../src/cli/backend.js';
import { classColor } from '../../src/draw/draw-boxes.js';
import { ensureDist, run } from '../helpers/dist.js';
import { fixture } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yolo11-cli-backend-'));
const BACKEND_LINE = /^backend: (chromium \(headless\)|dawn) · adapter \S+/;
/** The environment of a fresh login: what vitest.config.ts and a desktop session would add, removed. */
const freshEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'XDG_RUNTIME_DIR'].includes(k)));

describe('backend choice and the backend line', () => {
  test('backendLine and isRealGPU', () => {
    const info = (a: object) => ({ info: { adapter: { vendor: '', architecture: '', device: '', description: '', ...a } } as never });
    expect(backendLine({ backend: 'chromium (headless)', ...info({ vendor: 'google', architecture: 'swiftshader' }) })).toBe('backend: chromium (headless) · adapter google/swiftshader');
    expect(backendLine({ backend: 'dawn', ...info({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }) })).toBe('backend: dawn · adapter nvidia/hopper (NVIDIA H200)');
    expect(backendLine({ backend: 'dawn', ...info({}) })).toBe('backend: dawn · adapter unknown');
    const a = (vendor: string, architecture = '', description = '', fallback = false) => ({ vendor, architecture, device: '', description, fallback });
    expect([a('nvidia', 'hopper'), a('google', 'swiftshader'), a('mesa', '', 'llvmpipe (LLVM 15)'), a('intel', 'gen-12lp', '', true), a('')].map(isRealGPU)).toEqual([true, false, false, false, false]);
    expect(isRealGPU(undefined)).toBe(false);
  });

  test('the Dawn probe runs in a child process and reports what it wrote instead of writing it', async () => {
    const t0 = performance.now();
    const p = await probeDawn();
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(typeof p.log).toBe('string');
    if (p.adapter) expect(Object.keys(p.adapter).sort()).toEqual(['architecture', 'description', 'device', 'fallback', 'vendor']);
  });
});

describe('detect from a fresh shell (built CLI, child process)', () => {
  beforeAll(ensureDist, 180_000);

  test('stderr is the backend line only, --save writes labelled boxes; --verbose adds marked probe messages on stderr, stdout stays JSON', () => {
    copyFileSync(fixture('datasets/fracatlas/images/Fractured/IMG0003458.jpg'), join(dir, 'img.jpg'));
    const w = join(dir, 'fracture.y11w');
    expect(run(process.execPath, ['bin/yolo11-webgpu.js', 'convert', fixture('models/yolo11n-fracture-int8.tflite'), '-o', w]).code).toBe(0);

    const quiet = run(process.execPath, ['bin/yolo11-webgpu.js', 'detect', w, join(dir, 'img.jpg'), '--imgsz', '320', '--conf', '0.01', '--save', join(dir, 'out')], freshEnv(), 300_000);
    expect(quiet.code, quiet.err).toBe(0);
    expect(quiet.err.trimEnd().split('\n'), quiet.err).toHaveLength(1);
    expect(quiet.err).toMatch(BACKEND_LINE);
    expect(quiet.out).toMatch(/img\.jpg \(373×454\): [1-9]\d* detections?, \d+ ms/);
    // The saved PNG: boxes and labels in the fracture red, label text in white.
    const png = PNG.sync.read(readFileSync(join(dir, 'out', 'img.png')));
    expect([png.width, png.height]).toEqual([373, 454]);
    const colours = new Map<string, number>();
    for (let i = 0; i < png.data.length; i += 4) colours.set(png.data.subarray(i, i + 3).join(), (colours.get(png.data.subarray(i, i + 3).join()) ?? 0) + 1);
    expect(colours.get(classColor(0).join())).toBeGreaterThan(500);
    expect(colours.get('255,255,255')).toBeGreaterThan(50);

    const verbose = run(process.execPath, ['bin/yolo11-webgpu.js', 'detect', w, join(dir, 'img.jpg'), '--imgsz', '64', '--json', '--verbose'], freshEnv(), 300_000);
    expect(verbose.code, verbose.err).toBe(0);
    const lines = verbose.err.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(BACKEND_LINE);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^\[(dawn probe|chromium)\] /);
    const json = JSON.parse(verbose.out);
    expect(json.backend).toMatch(/^(chromium \(headless\)|dawn)$/);
    expect(json.results[0].image).toMatch(/img\.jpg$/);
  }, 600_000);
});
