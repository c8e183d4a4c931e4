/**
 * The GEMM ceiling: our convolution kernels run as 1×1 convolutions — an (N pixels × K) by (K × M)
 * matrix product, M = output channels — at shapes like yolo11n's largest layers and a square one.
 * Every variant runs `reps` dispatches in one pass; GFLOP/s = 2·M·N·K·reps / time.
 */
import { requestGPUContext } from '../src/gpu/device.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { convTuning, packedConvWeightLength, planConv } from '../src/ops/conv.js';
import { Executor } from '../src/plan/executor.js';

export interface GemmShape { name: string; pixels: [number, number]; k: number; m: number }

/** Shapes of yolo11n's heaviest convolutions at 640 (as 1×1 GEMMs: K = Cin·k²) and a square 1024³. */
export const GEMM_SHAPES: GemmShape[] = [
  { name: 'model.2-like 160×160, K 288, M 32', pixels: [160, 160], k: 288, m: 32 },
  { name: 'model.4-like 80×80, K 576, M 64', pixels: [80, 80], k: 576, m: 64 },
  { name: 'model.6-like 40×40, K 1152, M 128', pixels: [40, 40], k: 1152, m: 128 },
  { name: 'square 32×32, K 1024, M 1024', pixels: [32, 32], k: 1024, m: 1024 },
];

export async function gemmCeiling(reps = 2, shapes: GemmShape[] = GEMM_SHAPES) {
  const ctx = await requestGPUContext();
  const { device } = ctx;
  const rows: { shape: string; variant: string; ms: number; gflops: number }[] = [];
  try {
    for (const s of shapes) {
      const [h, w] = s.pixels;
      const input = { offset: 0, c: s.k, h, w };
      const output = { offset: Math.ceil((s.k * h * w) / 64) * 64, c: s.m, h, w };
      const wlen = packedConvWeightLength({ cin: s.k, cout: s.m, k: 1, groups: 1 });
      const biasOffset = Math.ceil(wlen / 64) * 64;
      const weights = new Float32Array(biasOffset + s.m).map((_, i) => ((i * 2654435761) % 1000) / 1e4);
      for (const variant of ['register', 'tiled'] as const) {
        const d = planConv({ label: `${s.name} ${variant}`, input, output, k: 1, stride: 1, groups: 1, act: false, weightOffset: 0, biasOffset }, convTuning(variant));
        const ex = await Executor.create(device, Array(reps).fill(d), output.offset + s.m * h * w, weights, {}, new PipelineCache(device));
        const run = async () => {
          const enc = device.createCommandEncoder();
          const pass = enc.beginComputePass();
          ex.encode(pass);
          pass.end();
          device.queue.submit([enc.finish()]);
          const t = performance.now();
          await device.queue.onSubmittedWorkDone();
          return performance.now() - t;
        };
        await run(); // warm-up
        let best = Infinity;
        for (let i = 0; i < 2; i++) {
          const t0 = performance.now();
          await run();
          best = Math.min(best, performance.now() - t0);
        }
        ex.destroy();
        rows.push({ shape: s.name, variant, ms: best / reps, gflops: (2 * s.m * h * w * s.k * reps) / (best * 1e6) });
      }
    }
  } finally {
    device.destroy();
  }
  return { adapter: ctx.adapterInfo, features: ctx.features, rows, ceiling: Math.max(...rows.map((r) => r.gflops)) };
}
