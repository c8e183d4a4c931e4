/**
 * The measurements, one runtime each, on the same preprocessed input (NCHW f32): ours, onnxruntime-web
 * (WebGPU or wasm EP) and LiteRT.js, plus the adapter's GEMM ceiling. The benchmark page calls each in
 * a Worker of its own (bench/page/worker.ts), so one peer's global state or failure cannot spoil the
 * next; every function takes plain data and returns plain JSON (and the first output, for parity).
 * Timings: performance.now() around awaited results (readback included).
 */
import { createDetector } from '../src/detector.js';
import { requestGPUContext } from '../src/gpu/device.js';
import { gemmCeiling as measureCeiling } from './gemm.js';
import { floatIoTflite } from '../src/convert/tflite-float-io.js';
import type { OursResult, PeerResult, Stats } from './report.js';
import type { KernelTime } from '../src/gpu/profiler.js';
import type { ImageInput } from '../src/image/source.js';

/** Profiled forwards per benchmark run; each dispatch reports its median over them. */
const PROFILE_PASSES = 3;

export const stats = (ms: number[]): Stats => {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], p90: s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)], min: s[0], runs: s.length };
};

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

/** A peer's first run, then `runs` warm ones, each timed: the first run's result and ms, the warm runs' ms. */
export async function firstAndWarm<T>(run: () => Promise<T>, runs: number, log: (line: string) => void): Promise<{ first: T; firstMs: number; warm: number[] }> {
  log('first run');
  const [first, firstMs] = await timed(run);
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    log(`warm run ${i + 1} of ${runs}`);
    warm.push((await timed(run))[1]);
  }
  return { first, firstMs, warm };
}

type Log = (line: string) => void;

export interface OursOptions { weights: Uint8Array; input: Float32Array; image: Uint8Array; size: [number, number]; runs: number; inflight: number; tune?: boolean }

/**
 * Ours: cold start (split), warm forward() and detect(), throughput with calls in flight, per-kernel
 * profile (where the adapter has timestamp-query), the conv kernels the tuner chose. `output0` is the
 * first forward()'s output; the page compares it with ORT's (`parity` is filled in there).
 */
export async function ours(o: OursOptions, log: Log): Promise<{ result: OursResult; output0: Float32Array }> {
  const image = await createImageBitmap(new Blob([o.image as Uint8Array<ArrayBuffer>]));
  try {
    return await oursOn(o, image, log);
  } finally {
    image.close();
  }
}

/** ours() on an image already decoded (an ImageBitmap in a page, RGBA pixels in Node: bench/node/). */
export async function oursOn(o: Omit<OursOptions, 'image'>, image: ImageInput, log: Log): Promise<{ result: OursResult; output0: Float32Array }> {
  // The kernels are always measured afresh (no cache): the benchmark reports what this adapter does
  // now. The detector measured with is then dropped, and the cold start is timed on a second one
  // that is given the choice, as a returning user's load (cached choice) is: its own device, its
  // own pipeline compiles.
  // With `tune: false`, nothing is measured: the adapter's default choice, as an untuned createDetector() makes it.
  const tune = o.tune !== false;
  let tuned: { source: string; byClass: Record<string, string>; ms?: number; timings?: unknown } = { source: 'default (not tuned)', byClass: {} };
  if (tune) {
    const tuner = await createDetector({ model: o.weights, inputSize: o.size, tune: { cache: false, log } });
    tuned = tuner.info.tuning;
    tuner.destroy();
  }
  log(`cold start with the ${tune ? 'chosen' : 'default'} kernels`);
  const t0 = performance.now();
  const det = await createDetector({ model: o.weights, inputSize: o.size, ...(tune ? { tune: { choice: tuned.byClass } } : {}) });
  const created = performance.now() - t0;
  try {
    log('first run');
    const [output0, firstMs] = await timed(() => det.forward(o.input));
    const forward: number[] = [];
    const detect: number[] = [];
    // detect() end to end (classify() for a classification model: same upload and preprocessing, top-k).
    const infer = det.info.manifest.task === 'classify' ? () => det.classify(image) : () => det.detect(image);
    await infer(); // warm the detect path (letterbox, decode, NMS)
    // Interleaved, so that forward() and detect() see the same load on a shared machine.
    for (let i = 0; i < o.runs; i++) {
      log(`warm run ${i + 1} of ${o.runs}`);
      forward.push((await timed(() => det.forward(o.input)))[1]);
      detect.push((await timed(infer))[1]);
    }
    log(`${o.inflight} detect() in flight`);
    const [, flightMs] = await timed(() => Promise.all(Array.from({ length: o.inflight }, infer)));
    let profile: OursResult['profile'] = 'no timestamp-query on this adapter';
    if (det.info.features.includes('timestamp-query')) {
      log(`per-kernel profile (timestamp-query, ${PROFILE_PASSES} passes)`);
      // One profiled forward swings ±20 % per dispatch on a shared CPU; each dispatch's median of a few is steadier.
      const passes: KernelTime[][] = [];
      for (let k = 0; k < PROFILE_PASSES; k++) passes.push(await det.profile(o.input));
      const median = (j: number, f: (k: KernelTime) => number) => stats(passes.map((p) => f(p[j]))).median;
      profile = passes[0].map((d, j) => ({ ...d, ms: median(j, (k) => k.ms), ...(d.prologueMs !== undefined ? { prologueMs: median(j, (k) => k.prologueMs ?? 0) } : {}) }));
    }
    const i = det.info;
    const result: OursResult = {
      setupMs: i.setupMs, createMs: created, firstMs, coldMs: created + firstMs,
      forward: stats(forward), detect: stats(detect), detectOverForward: stats(detect.map((d, k) => d / forward[k])).median,
      throughput: { inflight: o.inflight, imagesPerSecond: (1000 * o.inflight) / flightMs },
      endToEnd: det.info.manifest.task === 'classify' ? 'classify()' : 'detect()',
      dispatches: i.dispatches, flops: i.flops, parity: 'no reference (run an ORT peer on an ONNX model)', profile, profilePasses: PROFILE_PASSES,
      tuning: { source: tuned.source, byClass: i.tuning.byClass, ms: tuned.ms, timings: tuned.timings },
    };
    return { result, output0 };
  } finally {
    det.destroy();
  }
}

export interface PeerOptions { model: Uint8Array; input: Float32Array; size: [number, number]; runs: number }

/**
 * onnxruntime-web (the npm package, bundled by vite with its wasm), WebGPU EP (NCHW or NHWC preferred
 * layout) or wasm EP (threads when cross-origin isolated). WebGPU with `io: 'gpu'`: input and output
 * bound to GPU buffers (the input uploaded once, the output left on the GPU), so its time is
 * inference alone — a lower bound that does not pay the upload and readback our forward() pays. A
 * failed binding falls back to CPU tensors (reported). `output0`: the first run's output (CPU IO only).
 */
export async function ortWeb(o: PeerOptions & { ep: 'webgpu' | 'wasm'; layout?: 'NCHW' | 'NHWC'; io?: 'cpu' | 'gpu' }, log: Log): Promise<{ result: PeerResult; output0?: Float32Array }> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency) : 1;
  const gpuIo = o.ep === 'webgpu' && o.io === 'gpu';
  const ep = o.ep === 'webgpu' ? [{ name: 'webgpu', preferredLayout: o.layout ?? 'NCHW' }] : ['wasm'];
  log('session');
  const options = { executionProviders: ep, ...(gpuIo ? { preferredOutputLocation: 'gpu-buffer' as const } : {}) } as Parameters<typeof ort.InferenceSession.create>[1];
  const [session, createMs] = await timed(() => ort.InferenceSession.create(o.model, options));
  const dims = [1, 3, o.size[0], o.size[1]];
  let io = 'cpu';
  let feed = new ort.Tensor('float32', o.input, dims);
  let device: GPUDevice | undefined;
  if (gpuIo) {
    try {
      device = (await ort.env.webgpu.device) as GPUDevice;
      const buf = device.createBuffer({ size: o.input.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buf, 0, o.input as Float32Array<ArrayBuffer>);
      feed = ort.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims, dispose: () => buf.destroy() });
      io = 'gpu';
    } catch {
      device = undefined;
    }
  }
  try {
    const feeds = { [session.inputNames[0]]: feed };
    let output0: Float32Array | undefined;
    const run = async () => {
      const r = await session.run(feeds);
      const t = r[session.outputNames[0]];
      if (t.location === 'gpu-buffer') {
        await device?.queue.onSubmittedWorkDone(); // the inference has finished on the GPU
        t.dispose();
      } else output0 ??= (await t.getData()) as Float32Array; // on the CPU, as our forward() returns it
    };
    const { firstMs, warm } = await firstAndWarm(run, o.runs, log);
    const result: PeerResult = { createMs, firstMs, warm: stats(warm) };
    if (o.ep === 'wasm') result.threads = ort.env.wasm.numThreads;
    else result.io = io;
    return { result, output0 };
  } finally {
    await session.release();
  }
}

/**
 * LiteRT.js (the npm package; wasm or WebGPU accelerator) on a .tflite, at the size it was exported
 * at; the input is transposed to NHWC. `wasmDir`: where the page serves LiteRT's wasm files.
 */
export async function litert(o: PeerOptions & { accelerator: 'wasm' | 'webgpu'; exportSize?: [number, number]; wasmDir: string; task?: string }, log: Log): Promise<{ result: PeerResult; output0?: Float32Array }> {
  const [H, W] = o.size;
  if (o.exportSize && (o.exportSize[0] !== H || o.exportSize[1] !== W)) {
    throw new Error(`LiteRT.js runs a .tflite at the size it was exported at (${o.exportSize.join('×')}), not ${H}×${W}`);
  }
  const { loadLiteRt, loadAndCompile, Tensor } = await import('@litertjs/core');
  classicScriptLoader(o.wasmDir);
  log('loading LiteRT.js');
  await loadLiteRt(o.wasmDir);
  const plane = H * W;
  const nhwc = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) nhwc[i * 3 + c] = o.input[c * plane + i];
  log('compile');
  // LiteRT.js takes no int8 tensors: a full-integer file gets float32 I/O ops around it (unchanged otherwise).
  const [model, createMs] = await timed(() => loadAndCompile(floatIoTflite(o.model), { accelerator: o.accelerator }));
  try {
    const run = async () => {
      const input = new Tensor(nhwc, [1, H, W, 3]);
      const results = await model.run(input);
      input.delete();
      const r0 = (Array.isArray(results) ? results : Object.values(results))[0] as InstanceType<typeof Tensor>;
      const host = await r0.moveTo('wasm');
      const out = Float32Array.from(host.toTypedArray() as Float32Array);
      host.delete();
      return out;
    };
    const { first, firstMs, warm } = await firstAndWarm(run, o.runs, log);
    if (o.task && o.task !== 'detect') return { result: { createMs, firstMs, warm: stats(warm) } };
    // Ultralytics' TFLite export normalises cx, cy, w, h to 0..1: back to pixels, as output0 has them.
    const anchors = (H / 8) * (W / 8) + (H / 16) * (W / 16) + (H / 32) * (W / 32);
    for (let a = 0; a < anchors; a++) {
      first[a] *= W;
      first[anchors + a] *= H;
      first[2 * anchors + a] *= W;
      first[3 * anchors + a] *= H;
    }
    return { result: { createMs, firstMs, warm: stats(warm) }, output0: first };
  } finally {
    model.delete();
  }
}

/**
 * LiteRT.js loads its emscripten glue with `importScripts()` in a worker, which a module worker (what
 * vite builds) cannot call: load it as a classic worker would (a synchronous request evaluated in the
 * global scope), and point the glue at its .wasm beside it (it would look next to the worker's script).
 */
function classicScriptLoader(wasmDir: string) {
  const g = self as unknown as { importScripts?: (...u: string[]) => void; document?: unknown; Module?: unknown };
  if (g.document) return; // a page: LiteRT adds a <script> tag
  g.importScripts = (...urls: string[]) => {
    for (const url of urls) {
      const x = new XMLHttpRequest();
      x.open('GET', url, false);
      x.send();
      if (x.status !== 200) throw new Error(`${url}: HTTP ${x.status}`);
      (0, eval)(`${x.responseText}\n//# sourceURL=${url}`);
    }
  };
  g.Module = { locateFile: (file: string) => new URL(file, wasmDir).href };
}

/** The adapter's GEMM ceiling (bench/gemm.ts: plain matmuls of our own, not the runtime's kernels). */
export async function gemmCeiling(reps: number, log: Log = (m) => console.log(`[gemm] ${m}`)) {
  const ctx = await requestGPUContext();
  try {
    return await measureCeiling(ctx.device, { ...ctx.adapterInfo }, reps, undefined, log);
  } finally {
    ctx.device.destroy();
  }
}
