/**
 * `npm run bench -- [--model m.onnx|m.tflite|m.y11w] [--imgsz 640|H,W] [--runs N] [--peers a,b] [--json out.json]
 *                   [--image img.jpg] [--inflight N] [--timeout s] [--skip-ceiling]`
 * Headless Chromium (COOP/COEP, so wasm threads work) measures the adapter's GEMM ceiling (plain
 * matmuls, bench/gemm.ts), then ours, then each peer in a browser of its own (one peer's global
 * state or failure cannot spoil another's run), on the same model and input; prints a progress line
 * per step, then a markdown table and JSON. The per-kernel table shows each conv's GFLOP/s as a share
 * of the ceiling. `npm run bench:gemm` measures the ceiling alone. A failing peer is a row, never fatal.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openBrowser, type BrowserSession } from '../test/helpers/browser.js';
import { convertModel } from '../src/convert/index.js';
import { decodeImageFile } from '../src/image/decode-node.js';
import { letterbox } from '../src/image/letterbox.js';
import { editGraph } from '../src/reference/ort-graph.js';
import { referenceSession } from '../src/reference/reference.js';
import { gemmMarkdown, markdown, type BenchResult } from './report.js';
import type { GemmResult } from './gemm.js';

export const PEERS = ['ort-webgpu', 'ort-wasm', 'litert-wasm', 'litert-webgpu'] as const;
const FIX = process.env.YOLO11_WEBGPU_FIXTURES ?? '../shared';
/** Per run, so that concurrent runs (a smoke test beside a benchmark) never read each other's files. */
const RUN = `run-${process.pid}-${Date.now()}`;
const CACHE = resolve('.cache/bench', RUN);
const URL_BASE = `/.cache/bench/${RUN}`;
const PAGE = '/bench/page.ts';
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

function size(v: string): [number, number] {
  const p = v.split(',').map(Number);
  const s: [number, number] = p.length === 1 ? [p[0], p[0]] : [p[0], p[1]];
  if (s.some((x) => !Number.isInteger(x) || x < 32 || x % 32)) throw new Error(`--imgsz ${v}: multiples of 32, N or H,W`);
  return s;
}

/** Model files for each runtime: our weights, the ONNX at this size (ORT), the TFLite (LiteRT). */
async function prepare(model: string, sz: [number, number], image: string) {
  mkdirSync(CACHE, { recursive: true });
  const bytes = new Uint8Array(readFileSync(model));
  const kind = /\.y11w$/i.test(model) ? 'y11w' : /\.tflite$/i.test(model) ? 'tflite' : 'onnx';
  writeFileSync(join(CACHE, 'model.y11w'), kind === 'y11w' ? bytes : await convertModel(bytes, basename(model)));
  const { tensor } = letterbox(await decodeImageFile(image), sz);
  writeFileSync(join(CACHE, 'input.f32'), tensor);
  writeFileSync(join(CACHE, 'image.img'), readFileSync(image)); // an extension vite serves as raw bytes
  const files = { weights: `${URL_BASE}/model.y11w`, input: `${URL_BASE}/input.f32`, image: `${URL_BASE}/image.img` } as Record<string, string>;
  if (kind === 'onnx') {
    writeFileSync(join(CACHE, 'model.onnx'), editGraph(bytes, sz, { expose: false }).bytes);
    files.onnx = `${URL_BASE}/model.onnx`;
    const ref = await referenceSession(bytes, sz);
    const out = (await ref.run(tensor)).tensors.get('output0')!.data;
    await ref.release();
    writeFileSync(join(CACHE, 'output0.f32'), out);
    files.reference = `${URL_BASE}/output0.f32`;
  }
  if (kind === 'tflite') {
    writeFileSync(join(CACHE, 'model.tflite'), bytes);
    files.tflite = `${URL_BASE}/model.tflite`;
  }
  return files;
}

/** A page call bounded by `seconds`; on timeout the browser is closed (the caller opens a new one). */
async function step<T>(s: BrowserSession, seconds: number, fn: string, arg: unknown): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the browser in ${seconds} s (killed)`)), seconds * 1000);
  });
  try {
    return await Promise.race([s.call<T>(PAGE, fn, arg), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const isolated = { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } };

/** A cross-origin-isolated browser whose bench progress lines (`[gemm] …`, `[tune] …`) reach stderr. */
async function openSession(): Promise<BrowserSession> {
  const s = await openBrowser(isolated);
  s.page.on('console', (m) => {
    if (/^\[(gemm|tune)\]/.test(m.text())) log(m.text());
  });
  return s;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, options: {
      model: { type: 'string', default: `${FIX}/models/yolo11n-coco-fp32.onnx` }, imgsz: { type: 'string', default: '640' },
      runs: { type: 'string', default: '5' }, peers: { type: 'string', default: 'ort-webgpu,ort-wasm' }, json: { type: 'string' },
      image: { type: 'string', default: `${FIX}/datasets/fracatlas/images/Fractured/IMG0003458.jpg` }, inflight: { type: 'string', default: '4' },
      timeout: { type: 'string', default: '1200' }, 'skip-ceiling': { type: 'boolean', default: false },
    },
  });
  const sz = size(values.imgsz!);
  const runs = Number(values.runs);
  const seconds = Number(values.timeout);
  const peers = values.peers ? values.peers.split(',').filter(Boolean) : [];
  log(`preparing ${values.model} at ${sz.join('×')}`);
  const files = await prepare(values.model!, sz, values.image!);
  const s = await openSession();
  const result: BenchResult = { date: new Date().toISOString(), model: values.model!, imgsz: sz, runs, browser: await s.page.browser().version(), env: undefined, ours: undefined, peers: {} };
  try {
    result.env = await step(s, 60, 'environment', undefined);
    log(`adapter: ${JSON.stringify(result.env!.adapter)}; ${result.browser}`);
    if (!values['skip-ceiling']) {
      log('GEMM ceiling: plain matmuls of our own (bench/gemm-kernels.ts)');
      try {
        result.gemm = await step(s, seconds, 'gemmCeiling', 2);
      } catch (e) {
        result.gemm = `failed: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    log(`ours: tuning, cold start, ${runs} forward() + ${runs} detect(), ${values.inflight} in flight, per-kernel profile`);
    try {
      result.ours = await step(s, seconds, 'ours', { weightsUrl: files.weights, inputUrl: files.input, imageUrl: files.image, referenceUrl: files.reference, size: sz, runs, inflight: Number(values.inflight) });
    } catch (e) {
      result.ours = `failed: ${(e as Error).message.split('\n')[0]}`;
    }
  } finally {
    await s.close();
  }
  try {
    for (const peer of peers) {
      const peerRuns = runs;
      const variants: { name: string; fn: string; arg: Record<string, unknown> }[] = [];
      const base = { inputUrl: files.input, size: sz, runs: peerRuns };
      if (peer === 'ort-webgpu' || peer === 'ort-wasm') {
        if (!files.onnx) {
          result.peers[peer] = 'failed: needs an ONNX model (--model *.onnx)';
          continue;
        }
        if (peer === 'ort-webgpu') {
          for (const layout of ['NCHW', 'NHWC']) {
            variants.push({ name: `${peer} ${layout}`, fn: 'ortWeb', arg: { ...base, modelUrl: files.onnx, ep: 'webgpu', layout, io: 'cpu' } });
            variants.push({ name: `${peer} ${layout} IO on GPU`, fn: 'ortWeb', arg: { ...base, modelUrl: files.onnx, ep: 'webgpu', layout, io: 'gpu' } });
          }
        }
        else variants.push({ name: peer, fn: 'ortWeb', arg: { ...base, modelUrl: files.onnx, ep: 'wasm' } });
      } else if (peer === 'litert-wasm' || peer === 'litert-webgpu') {
        if (!files.tflite) {
          result.peers[peer] = 'failed: needs a TFLite model (--model *.tflite)';
          continue;
        }
        variants.push({ name: peer, fn: 'litert', arg: { ...base, modelUrl: files.tflite, accelerator: peer.slice(7) } });
      } else {
        result.peers[peer] = `failed: unknown peer (known: ${PEERS.join(', ')})`;
        continue;
      }
      for (const v of variants) {
        log(`${v.name}: session, first run, ${peerRuns} warm runs (a browser of its own)`);
        let p: BrowserSession | undefined;
        try {
          p = await openSession();
          result.peers[v.name] = await step(p, seconds, v.fn, v.arg);
        } catch (e) {
          result.peers[v.name] = `failed: ${(e as Error).message.split('\n')[0]}`;
        } finally {
          await p?.close();
        }
      }
    }
  } finally {
    rmSync(CACHE, { recursive: true, force: true });
  }
  process.stdout.write(markdown(result));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

export async function gemmMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'string' }, reps: { type: 'string', default: '2' } } });
  const s = await openSession();
  try {
    log('GEMM ceiling: plain matmuls of our own (bench/gemm-kernels.ts)');
    const r = await s.call<GemmResult>(PAGE, 'gemmCeiling', Number(values.reps));
    process.stdout.write(`GEMM ceiling on ${JSON.stringify(r.adapter)}, ${await s.page.browser().version()}\n\n${gemmMarkdown(r)}`);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(r, null, 2)}\n`);
  } finally {
    await s.close();
  }
  return 0;
}
