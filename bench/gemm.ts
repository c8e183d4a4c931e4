/**
 * The adapter's GEMM ceiling, measured with plain matmuls of our own small family (gemm-kernels.ts),
 * never with the runtime's convolution kernels (a ceiling taken from the kernel it rates would always
 * read ~100 %). Shapes: a square 1024³ and yolo11n's heaviest convolutions at 640 as GEMMs
 * (N = output pixels, K = Cin·k², M = Cout). Each kernel's result is checked against a CPU dot
 * product on sampled entries (a wrong kernel is reported, never counted). The ceiling is the best
 * GFLOP/s of any kernel at any shape; `perShape` is the best at each shape. At one more shape, with
 * K = 32, the best register kernel is also timed as its twin without output writes: `outputCost`, what
 * writing one output element costs (not a matmul, so never in the ceiling).
 */
import { gemmKernels, type GemmKernel } from './gemm-kernels.js';

export interface GemmShape { name: string; m: number; n: number; k: number }

export const GEMM_SHAPES: GemmShape[] = [
  { name: 'square 1024³', m: 1024, n: 1024, k: 1024 },
  { name: 'model.3-like: 80×80 px, K 288, M 64', m: 64, n: 6400, k: 288 },
  { name: 'model.23.cv2.0.0-like: 80×80 px, K 576, M 64', m: 64, n: 6400, k: 576 },
  { name: 'model.1-like: 160×160 px, K 144, M 32', m: 32, n: 25600, k: 144 },
  { name: 'model.9.cv2-like: 20×20 px, K 512, M 256', m: 256, n: 400, k: 512 },
  // The stem (3×3 stride 2 on 3 channels) as the GEMM of its unfolded input: what a plain matmul does
  // with K = 27, the thinnest K of any convolution (its share of the ceiling is the stem's bound).
  { name: 'model.0-like: 320×320 px, K 27, M 16', m: 16, n: 102400, k: 27 },
];

/**
 * The shape where the output writes are weighed (model.2.cv1 at 640: K = 32, few multiply-adds per
 * output): the best register kernel there is timed again as its twin without writes (`outputCost`).
 */
export const OUTPUT_COST_SHAPE: GemmShape = { name: 'model.2.cv1-like: 160×160 px, K 32, M 32', m: 32, n: 25600, k: 32 };

/** What writing one output element costs: a kernel and its twin without writes, timed at OUTPUT_COST_SHAPE. */
export interface OutputCost {
  kernel: string;
  /** With and without the writes. */
  ms: [number, number];
  /** Per output element: the writes' nanoseconds, and as many multiply-adds at the ceiling's rate. */
  ns: number;
  fmas: number;
}

/** From the rows: the twin's row (`withoutWrites`) and the row of the kernel it is the twin of. */
export function outputCost(rows: GemmResult['rows'], ceiling: number, shape: GemmShape = OUTPUT_COST_SHAPE): OutputCost | undefined {
  const ok = rows.filter((r): r is GemmRow => 'gflops' in r && r.shape === shape.name);
  const twin = ok.find((r) => r.withoutWrites);
  const full = twin && ok.find((r) => !r.withoutWrites && r.kernel === twin.withoutWrites);
  if (!twin || !full) return undefined;
  const outputs = shape.m * shape.n;
  const w = Math.max(0, full.ms - twin.ms);
  const ns = (w / outputs) * 1e6;
  return { kernel: full.kernel, ms: [full.ms, twin.ms], ns, fmas: ceiling > 0 ? (ns * ceiling) / 2 : 0 };
}

export interface GemmRow {
  shape: string; kernel: string; ms: number; gflops: number; maxErr: number;
  /** A twin without output writes (of this kernel): not a matmul, not in the ceiling. */ withoutWrites?: string;
  /** Timed once (its warm-up, `ms`): too slow to be the shape's best (`hopeless`), so not timed again. */ once?: true;
}

/**
 * A kernel whose warm-up run took at least this many times the shape's best time so far, and at least
 * HOPELESS_MS, is not timed again: it cannot be the shape's best (a warm run is never that much faster
 * than its warm-up once the run is long), and on a CPU adapter its repeats are most of the step's time
 * (the array-loop kernel at 1024³, 0.5 GFLOP/s: ~4.3 s a run on SwiftShader; `npm run bench:gemm` 72 → 54 s). On GPUs every run is far
 * under HOPELESS_MS, so all are timed.
 */
export const HOPELESS = 3;
export const HOPELESS_MS = 300;
export const hopeless = (warmupMs: number, bestMs: number) => warmupMs >= HOPELESS_MS && warmupMs >= HOPELESS * bestMs;
export interface GemmResult {
  adapter: Record<string, unknown>;
  features: string[];
  rows: (GemmRow | { shape: string; kernel: string; error: string })[];
  perShape: Record<string, { kernel: string; gflops: number }>;
  ceiling: number;
  ceilingKernel: string;
  /** What each output element's write costs (absent when OUTPUT_COST_SHAPE was not run). */
  outputCost?: OutputCost;
}

const wave = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (((i * 2654435761 + seed) >>> 0) % 1000) / 1000 - 0.5);

async function runOne(device: GPUDevice, kern: GemmKernel, s: GemmShape, reps: number, bestMs = Infinity): Promise<GemmRow> {
  const mp = Math.ceil(s.m / 4) * 4;
  const a = wave(s.k * mp, 1);
  const b = wave(s.k * s.n, 2);
  const module = device.createShaderModule({ code: kern.code, label: kern.name });
  device.pushErrorScope('validation');
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants: kern.constants?.(s.m, s.n) } });
  const S = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const A = device.createBuffer({ size: a.byteLength, usage: S });
  const B = device.createBuffer({ size: b.byteLength, usage: S });
  const C = device.createBuffer({ size: s.m * s.n * 4, usage: S });
  const U = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const R = device.createBuffer({ size: s.m * s.n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(A, 0, a);
    device.queue.writeBuffer(B, 0, b);
    device.queue.writeBuffer(U, 0, new Uint32Array([s.m, s.n, s.k, 0]));
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [A, B, C, U].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const err = await device.popErrorScope();
    if (err) throw new Error(err.message);
    const go = async () => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...kern.grid(s.m, s.n));
      pass.end();
      device.queue.submit([enc.finish()]);
      const t = performance.now();
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t;
    };
    const warm = await go(); // warm-up (pipeline first use)
    const once = hopeless(warm, bestMs);
    let best = once ? warm : Infinity;
    for (let r = 0; r < reps && !once; r++) best = Math.min(best, await go());
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(C, 0, R, 0, s.m * s.n * 4);
    device.queue.submit([enc.finish()]);
    await R.mapAsync(GPUMapMode.READ);
    const c = new Float32Array(R.getMappedRange().slice(0));
    R.unmap();
    const dot = (m: number, n: number) => {
      let ref = 0;
      for (let k = 0; k < s.k; k++) ref += a[k * mp + m] * b[k * s.n + n];
      return ref;
    };
    let maxErr = 0;
    const sums = kern.sums;
    for (let t = 0; t < 97; t++) {
      if (sums) {
        // lane (gx, gy) of the whole grid: its sum over the outputs it owns
        const [gridX, gridY] = kern.grid(s.m, s.n);
        const gx = (t * 1009) % (gridX * sums.wx);
        const gy = (t * 37) % (gridY * sums.wy);
        const n0 = sums.coalesced ? Math.floor(gx / sums.wx) * sums.wx * sums.tn + (gx % sums.wx) : gx * sums.tn;
        let ref = 0;
        let mag = 1;
        for (let i = 0; i < sums.tm; i++) for (let j = 0; j < sums.tn; j++) {
          const m = gy * sums.tm + i;
          const n = n0 + (sums.coalesced ? j * sums.wx : j);
          if (m < s.m && n < s.n) { const d = dot(m, n); ref += d; mag += Math.abs(d); }
        }
        maxErr = Math.max(maxErr, Math.abs(ref - c[gy * gridX * sums.wx + gx]) / mag);
        continue;
      }
      const m = (t * 37) % s.m;
      const n = (t * 1009 + s.n - 1) % s.n;
      const ref = dot(m, n);
      maxErr = Math.max(maxErr, Math.abs(ref - c[m * s.n + n]) / Math.max(1, Math.abs(ref)));
    }
    return { shape: s.name, kernel: kern.name, ms: best, gflops: (2 * s.m * s.n * s.k) / (best * 1e6), maxErr, ...(sums ? { withoutWrites: sums.of } : {}), ...(once ? { once } : {}) };
  } finally {
    for (const x of [A, B, C, U, R]) x.destroy();
  }
}

/** Every kernel of the family at every shape; `reps` timed runs each (best taken, after a warm-up; one where `hopeless`). */
export async function gemmCeiling(device: GPUDevice, adapter: Record<string, unknown>, reps = 2, shapes: GemmShape[] = [...GEMM_SHAPES, OUTPUT_COST_SHAPE], log: (m: string) => void = () => {}): Promise<GemmResult> {
  const features = [...device.features].sort();
  const kernels = gemmKernels(device.features.has('subgroups'), typeof adapter.subgroupMaxSize === 'number' ? adapter.subgroupMaxSize : undefined);
  const rows: GemmResult['rows'] = [];
  for (const s of shapes) {
    let bestMs = Infinity;
    for (const kern of kernels) {
      try {
        const r = await runOne(device, kern, s, reps, bestMs);
        if (r.maxErr > 1e-3) throw new Error(`wrong result: relative error ${r.maxErr.toExponential(1)}`);
        rows.push(r);
        bestMs = Math.min(bestMs, r.ms);
        log(`${s.name} · ${kern.name}: ${r.gflops.toFixed(2)} GFLOP/s${r.once ? ' (timed once: hopeless)' : ''}`);
      } catch (e) {
        rows.push({ shape: s.name, kernel: kern.name, error: (e as Error).message.split('\n')[0] });
      }
    }
  }
  // The best kernel with a twin at the output-cost shape, timed again without its writes.
  const atShape = rows.filter((r): r is GemmRow => 'gflops' in r && r.shape === OUTPUT_COST_SHAPE.name).sort((x, y) => y.gflops - x.gflops);
  const twinOf = atShape.map((r) => kernels.find((k) => k.name === r.kernel)).find((k) => k?.twin);
  const costShape = shapes.find((sh) => sh.name === OUTPUT_COST_SHAPE.name);
  if (twinOf?.twin && costShape) {
    const twin = twinOf.twin();
    try {
      const r = await runOne(device, twin, costShape, reps);
      if (r.maxErr > 1e-3) throw new Error(`wrong result: relative error ${r.maxErr.toExponential(1)}`);
      rows.push(r);
      log(`${costShape.name} · ${twin.name}: ${r.ms.toFixed(2)} ms`);
    } catch (e) {
      rows.push({ shape: costShape.name, kernel: twin.name, error: (e as Error).message.split('\n')[0] });
    }
  }
  const ok = rows.filter((r): r is GemmRow => 'gflops' in r && !r.withoutWrites);
  const perShape: GemmResult['perShape'] = {};
  for (const r of ok) if (!perShape[r.shape] || r.gflops > perShape[r.shape].gflops) perShape[r.shape] = { kernel: r.kernel, gflops: r.gflops };
  const best = ok.reduce((x, r) => (r.gflops > x.gflops ? r : x), { gflops: 0, kernel: 'none' } as { gflops: number; kernel: string });
  return { adapter, features, rows, perShape, ceiling: best.gflops, ceilingKernel: best.kernel, outputCost: outputCost(rows, best.gflops) };
}
