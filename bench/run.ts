/**
 * `npm run bench -- [--model m.onnx|m.tflite|m.y11w] [--imgsz 640|H,W] [--runs N] [--peers a,b] [--json out.json]
 *                   [--image img.jpg] [--inflight N] [--timeout s] [--skip-ceiling] [--no-tune]`
 * Drives the benchmark page (bench/page/) headless: builds it, serves it with COOP/COEP (so wasm
 * threads work), opens it in Chromium with these settings in its address, gives it the model and the
 * image through its file inputs and presses Run. The page measures the adapter's GEMM ceiling (plain
 * matmuls, bench/gemm.ts), then ours, then each peer in a Worker of its own (one peer's global state
 * or failure cannot spoil another's run), on the same model and input, and converts the model itself.
 * Its progress lines reach stderr; its result is printed as markdown (bench/report.ts) and written
 * as JSON: what the page's "Copy as markdown" and "Download JSON" give. `npm run bench:gemm` measures
 * the ceiling alone. A failing peer is a row, never fatal; `--timeout` bounds each step. `--no-tune`
 * times ours with the kernels an untuned createDetector() picks instead of tuning them first.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openBrowser } from '../test/helpers/browser.js';
import { buildPage, chooseFile, chooseModel, openPage, pageQuery, runPage } from './drive.js';
import { gemmMarkdown, hostLine, markdown } from './report.js';
import { host } from './host.js';
import { benchOptions, checkFiles, size } from './args.js';

import type { GemmResult } from './gemm.js';
import { abMarkdown, choiceOf, type AbResult } from './ab-report.js';

import { PEERS } from './page/benchmark.js';

export { PEERS };
const log = (m: string) => process.stderr.write(`${m.startsWith('[bench]') ? '' : '[bench] '}${m}\n`);

const usage = () => `npm run bench -- [--model m.onnx|m.tflite|m.y11w] [--imgsz 640|H,W] [--runs 5] [--peers ort-webgpu,ort-wasm]
                 [--json out.json] [--image img.jpg] [--inflight 4] [--timeout 1200] [--skip-ceiling] [--no-tune]
peers: ${PEERS.join(', ')} (litert-* need a .tflite model). Prints markdown; --json writes the page's JSON.
`;

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return 0;
  }
  const { values } = parseArgs({ args: argv, options: benchOptions('ort-webgpu,ort-wasm') });
  const settings = {
    imgsz: size(values.imgsz!), runs: Number(values.runs), inflight: Number(values.inflight), timeout: Number(values.timeout),
    ceiling: !values['skip-ceiling'], tune: !values['no-tune'], ours: true, peers: values.peers ? values.peers.split(',').filter(Boolean) : [],
  };
  await checkFiles(values);
  // Per run, so that concurrent runs (a smoke test beside a benchmark) never share a build.
  const site = resolve('.cache/bench', `page-${process.pid}-${Date.now()}`);
  mkdirSync(site, { recursive: true });
  try {
    log('building the benchmark page (bench/page/)');
    await buildPage(site);
    const p = await openPage(site, pageQuery(settings), log);
    try {
      log(`${p.url}?${pageQuery(settings)}: ${await p.page.$eval('#env-body', (e) => (e as HTMLElement).innerText.replace(/\n/g, '; '))}`);
      log(`model ${values.model}: converting in the page`);
      const m = await chooseModel(p.page, resolve(values.model!));
      if (m.error) throw new Error(`the page could not read ${values.model}: ${m.error}`);
      log(m.summary!);
      await chooseFile(p.page, 'image', resolve(values.image!));
      const result = await runPage(p.page);
      result.model = values.model!;
      result.host = host();
      if (p.errors.length) log(`page errors: ${p.errors.join(' | ')}`);
      process.stdout.write(markdown(result));
      if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
    } finally {
      await p.close();
    }
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
  return 0;
}

export async function gemmMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'string' }, reps: { type: 'string', default: '2' } } });
  const s = await openBrowser();
  s.page.on('console', (m) => /^\[gemm\]/.test(m.text()) && log(m.text()));
  try {
    log('GEMM ceiling: plain matmuls of our own (bench/gemm-kernels.ts)');
    const r = await s.call<GemmResult>('/bench/measure.ts', 'gemmCeiling', Number(values.reps));
    process.stdout.write(`GEMM ceiling on ${JSON.stringify(r.adapter)}, ${await s.page.browser().version()}, ${hostLine(host())}\n\n${gemmMarkdown(r)}`);
    if (values.json) writeFileSync(values.json, `${JSON.stringify({ ...r, host: host() }, null, 2)}\n`);
  } finally {
    await s.close();
  }
  return 0;
}

/**
 * `npm run bench:ab -- --choices a.json,b.json [--weights weights/yolo11n-coco.y11w] [--imgsz 640] [--rounds 8] [--json out.json]`:
 * kernel choices compared side by side in one page (bench/ab.ts). The weights are a `.y11w` file
 * under the repository (served as it is).
 */
export async function abMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    choices: { type: 'string' }, weights: { type: 'string', default: 'weights/yolo11n-coco.y11w' }, imgsz: { type: 'string', default: '640' },
    rounds: { type: 'string', default: '8' }, json: { type: 'string' },
  } });
  const files = (values.choices ?? '').split(',').filter(Boolean);
  if (files.length < 2) throw new Error('--choices a.json,b.json: at least two choices');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${values.rounds}: a positive integer`);
  const choices = files.map((f) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new Error(`${f}: ${(e as Error).message}`);
    }
    return choiceOf(json, f);
  });
  const weights = resolve(values.weights!);
  const root = resolve('.');
  if (!weights.startsWith(`${root}/`)) throw new Error(`--weights ${values.weights}: a .y11w file under the repository`);
  if (!existsSync(weights)) throw new Error(`--weights ${values.weights}: no such file (npm run weights converts the default models into weights/)`);
  const s = await openBrowser();
  try {
    log(`${files.length} choices, ${rounds} rounds of alternated warm forwards at ${values.imgsz}`);
    const r = await s.call<AbResult>('/bench/ab.ts', 'abForwards', weights.slice(root.length), size(values.imgsz!), choices, rounds);
    process.stdout.write(`## kernel choices side by side — ${new Date().toISOString()}\n\n${values.weights}, input ${values.imgsz}, ${rounds} rounds, ${r.adapter}, ${await s.page.browser().version()}, ${hostLine(host())}\n\n${abMarkdown(r, files)}`);
    if (values.json) writeFileSync(values.json, `${JSON.stringify({ files, ...r, host: host() }, null, 2)}\n`);
  } finally {
    await s.close();
  }
  return 0;
}

/** The kernel probes under bench/probes/ (experiments whose figures PERFORMANCE.md quotes). */
export const PROBES = ['implicit-gemm', 'unfold-loop', 'stem-repeat', 'epilogue'];

/**
 * `npm run bench:probe -- <name> [--json out.json]`: runs bench/probes/<name>.ts in headless Chromium
 * and prints its table of kernels side by side (best / median ms, and each one's error against the
 * kernel it would replace).
 */
export async function probeMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'string' } } });
  const name = positionals[0];
  if (!name || !PROBES.includes(name)) throw new Error(`bench:probe <name>: one of ${PROBES.join(', ')}`);
  const s = await openBrowser();
  try {
    log(`probe ${name}`);
    const r = await s.call<Record<string, Record<string, string>>>(`/bench/probes/${name}.ts`, 'probe');
    const lines = Object.entries(r).flatMap(([shape, row]) => [`${shape}:`, ...Object.entries(row).map(([k, v]) => `  ${k}: ${v}`)]);
    process.stdout.write(`## probe ${name} — ${new Date().toISOString()}, ${await s.page.browser().version()}, ${hostLine(host())}\n\n${lines.join('\n')}\n`);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(r, null, 2)}\n`);
  } finally {
    await s.close();
  }
  return 0;
}
