/**
 * Benchmark page functions, called one at a time by bench/run.ts inside one headless-Chromium page.
 * Each measures one runtime on the same preprocessed input (NCHW f32 at `inputUrl`) and returns
 * plain JSON. Timings: performance.now() around awaited results (readback included).
 */
import { createDetector } from '../src/detector.js';
import { requestGPUContext } from '../src/gpu/device.js';
import { gemmCeiling as measureCeiling } from './gemm.js';

export interface Stats { median: number; p90: number; min: number; runs: number }

const stats = (ms: number[]): Stats => {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], p90: s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)], min: s[0], runs: s.length };
};

async function bytes(url: string): Promise<ArrayBuffer> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

/** The adapter and browser the page runs on. */
export async function environment() {
  const a = await navigator.gpu?.requestAdapter();
  if (!a) throw new Error('no WebGPU adapter');
  const limits: Record<string, number> = {};
  for (const k in a.limits) limits[k] = (a.limits as unknown as Record<string, number>)[k];
  const i = a.info;
  return {
    adapter: { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description },
    features: [...a.features].sort(), limits, userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated, threads: navigator.hardwareConcurrency,
  };
}

export interface OursOptions { weightsUrl: string; inputUrl: string; imageUrl: string; referenceUrl?: string; size: [number, number]; runs: number; inflight: number }

/** Ours: cold start (split), warm forward() and detect(), throughput with calls in flight, per-kernel profile, parity. */
export async function ours(o: OursOptions) {
  const weights = await bytes(o.weightsUrl);
  const input = new Float32Array(await bytes(o.inputUrl));
  const image = await createImageBitmap(new Blob([await bytes(o.imageUrl)]));
  // Always measured afresh (no cache): the benchmark reports what this adapter does now.
  const t0 = performance.now();
  const det = await createDetector({ model: weights, inputSize: o.size, tune: { cache: false, log: (m) => console.log(m) } });
  const created = performance.now() - t0;
  try {
    const [out0, firstMs] = await timed(() => det.forward(input));
    const forward: number[] = [];
    const detect: number[] = [];
    await det.detect(image); // warm the detect path (letterbox, decode, NMS)
    // Interleaved, so that forward() and detect() see the same load on a shared machine.
    for (let i = 0; i < o.runs; i++) {
      forward.push((await timed(() => det.forward(input)))[1]);
      detect.push((await timed(() => det.detect(image)))[1]);
    }
    const [, flightMs] = await timed(() => Promise.all(Array.from({ length: o.inflight }, () => det.detect(image))));
    let parity: { maxAbs: number; rel: number } | string = 'no reference';
    if (o.referenceUrl) {
      const ref = new Float32Array(await bytes(o.referenceUrl));
      if (ref.length !== out0.length) parity = `reference has ${ref.length} values, output0 ${out0.length}`;
      else {
        let maxAbs = 0;
        let maxRef = 0;
        for (let i = 0; i < ref.length; i++) {
          maxAbs = Math.max(maxAbs, Math.abs(ref[i] - out0[i]));
          maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        parity = { maxAbs, rel: maxAbs / maxRef };
      }
    }
    let profile: { label: string; shader: string; ms: number }[] | string = 'no timestamp-query';
    if (det.info.features.includes('timestamp-query')) profile = await det.profile(input);
    const i = det.info;
    return {
      setupMs: i.setupMs, createMs: created, firstMs, coldMs: created + firstMs,
      forward: stats(forward), detect: stats(detect), detectOverForward: stats(detect.map((d, k) => d / forward[k])).median, throughput: { inflight: o.inflight, imagesPerSecond: (1000 * o.inflight) / flightMs },
      dispatches: i.dispatches, flops: i.flops, parity, profile, adapter: i.adapter,
      tuning: { source: i.tuning.source, byClass: i.tuning.byClass, ms: i.tuning.ms, timings: i.tuning.timings },
    };
  } finally {
    det.destroy();
    image.close();
  }
}

export interface PeerOptions { modelUrl: string; inputUrl: string; size: [number, number]; runs: number }

const ORT = '/node_modules/onnxruntime-web/dist/';

/**
 * onnxruntime-web, WebGPU EP (NCHW or NHWC preferred layout) or wasm EP (threads when cross-origin
 * isolated). WebGPU with `io: 'gpu'`: input and output bound to GPU buffers (the input uploaded once,
 * the output left on the GPU), so its time is inference alone — a lower bound that does not pay the
 * upload and readback our forward() pays. A failed binding falls back to CPU tensors (reported).
 */
export async function ortWeb(o: PeerOptions & { ep: 'webgpu' | 'wasm'; layout?: 'NCHW' | 'NHWC'; io?: 'cpu' | 'gpu' }) {
  const ort = await import(/* @vite-ignore */ `${ORT}ort.all.bundle.min.mjs`);
  ort.env.wasm.wasmPaths = ORT;
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency) : 1;
  const model = new Uint8Array(await bytes(o.modelUrl));
  const input = new Float32Array(await bytes(o.inputUrl));
  const gpuIo = o.ep === 'webgpu' && o.io === 'gpu';
  const ep = o.ep === 'webgpu' ? [{ name: 'webgpu', preferredLayout: o.layout ?? 'NCHW' }] : ['wasm'];
  const options = { executionProviders: ep, ...(gpuIo ? { preferredOutputLocation: 'gpu-buffer' } : {}) };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const [session, createMs] = await timed<any>(() => ort.InferenceSession.create(model, options));
  const dims = [1, 3, o.size[0], o.size[1]];
  let io = 'cpu';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let feed: any = new ort.Tensor('float32', input, dims);
  let device: GPUDevice | undefined;
  if (gpuIo) {
    try {
      device = (await ort.env.webgpu.device) as GPUDevice;
      const buf = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buf, 0, input);
      feed = ort.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims, dispose: () => buf.destroy() });
      io = 'gpu';
    } catch {
      device = undefined;
    }
  }
  try {
    const feeds = { [session.inputNames[0]]: feed };
    const run = async () => {
      const r = await session.run(feeds);
      const t = r[session.outputNames[0]];
      if (t.location === 'gpu-buffer') {
        await device?.queue.onSubmittedWorkDone(); // the inference has finished on the GPU
        t.dispose();
      } else await t.getData(); // on the CPU, as our forward() returns it
    };
    const [, firstMs] = await timed(run);
    const warm: number[] = [];
    for (let i = 0; i < o.runs; i++) warm.push((await timed(run))[1]);
    return { createMs, firstMs, warm: stats(warm), threads: o.ep === 'wasm' ? ort.env.wasm.numThreads : undefined, io: o.ep === 'webgpu' ? io : undefined };
  } finally {
    await session.release();
  }
}

/** LiteRT.js (wasm or WebGPU accelerator) on a .tflite; the input is transposed to NHWC. */
export async function litert(o: PeerOptions & { accelerator: 'wasm' | 'webgpu' }) {
  const { loadLiteRt, loadAndCompile, Tensor } = await import('@litertjs/core');
  await loadLiteRt('/node_modules/@litertjs/core/wasm/');
  const nchw = new Float32Array(await bytes(o.inputUrl));
  const [H, W] = o.size;
  const nhwc = new Float32Array(nchw.length);
  for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) nhwc[i * 3 + c] = nchw[c * H * W + i];
  const [model, createMs] = await timed(() => loadAndCompile(o.modelUrl, { accelerator: o.accelerator }));
  try {
    const run = async () => {
      const input = new Tensor(nhwc, [1, H, W, 3]);
      const results = await model.run(input);
      input.delete();
      const r0 = (Array.isArray(results) ? results : Object.values(results))[0] as InstanceType<typeof Tensor>;
      const host = await r0.moveTo('wasm');
      host.toTypedArray();
      host.delete();
    };
    const [, firstMs] = await timed(run);
    const warm: number[] = [];
    for (let i = 0; i < o.runs; i++) warm.push((await timed(run))[1]);
    return { createMs, firstMs, warm: stats(warm) };
  } finally {
    model.delete();
  }
}

/** The adapter's GEMM ceiling (bench/gemm.ts: plain matmuls of our own, not the runtime's kernels). */
export async function gemmCeiling(reps = 2) {
  const ctx = await requestGPUContext();
  try {
    return await measureCeiling(ctx.device, { ...ctx.adapterInfo }, reps, undefined, (m) => console.log(`[gemm] ${m}`));
  } finally {
    ctx.device.destroy();
  }
}
