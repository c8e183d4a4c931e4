/**
 * In-page parity runner: builds a detector from a weight file served by the test server (with every
 * layer kept readable), runs forward() on reference inputs and compares each layer with ONNX
 * Runtime's tensors, returning a small table (max|Δ| and max|ref| per layer).
 */
import { SIZE_BUCKETS, convVariant, isShapeKey } from '../../../src/ops/conv-variants.js';
import { createDetector } from '../../../src/detector.js';
import { pageDevice } from './page-device.js';

async function f32(url: string): Promise<Float32Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Float32Array(await r.arrayBuffer());
}

export interface LayerDiff {
  image: number;
  layer: string;
  maxAbs: number;
  maxRef: number;
}

/**
 * Every 3×3 shape class on an im2col kernel and every 1×1 class on a wide pixel tile (the five tile
 * widths spread over them), as a `tune.choice`.
 */
const TN = [16, 8, 4, 25];
const IM2COL_EVERYWHERE = Object.fromEntries(SIZE_BUCKETS.flatMap((b, i) => [
  ...['3x3s1', '3x3s2'].map((k, j) => [`${k}/${b}`, `rt-${k}-i2c-m16n${TN[(i + j) % 4]}-sg-16x4`]),
  [`pw/${b}`, `rt-pw-m16n${TN[(i + 3) % 4]}-sg-16x4`],
]));

/** Every 3×3 shape class on a split-K im2col kernel (K in 4 slices, then their sum), both GEMM tile widths for stride 1. */
const SPLITK_EVERYWHERE = Object.fromEntries(SIZE_BUCKETS.flatMap((b, i) => [
  [`3x3s1/${b}`, `rt-3x3s1-i2c-k4-m16n${i % 2 ? 4 : 8}-sg-16x4`],
  [`3x3s2/${b}`, 'rt-3x3s2-i2c-k4-m16n8-sg-16x4'],
]));

/** Every 3×3 stride-1 shape class on a Winograd F(m×m) kernel (its three GEMM tile widths spread over them). */
// F(4×4) also on its 8-channel GEMM tile, for the one convolution with Cout ≤ 8 (model.2.m.0.cv1 at 256×384).
const winogradEverywhere = (m: 2 | 4) => ({
  ...Object.fromEntries(SIZE_BUCKETS.map((b, i) => [`3x3s1/${b}`, `rt-3x3s1-wino${m === 2 ? '' : m}-m16n${[25, 13, 8][i % 3]}-sg-16x4`])),
  ...(m === 4 ? { '3x3s1/16>8@64x96': 'rt-3x3s1-wino4-m8n25-sg-16x4' } : {}),
});

export async function runParity(weightsUrl: string, inputSize: [number, number], dir: string, images: number, layers: string[], convKernel?: 'register' | 'tiled' | 'im2col' | 'splitk' | 'winograd' | 'winograd4') {
  const choice = convKernel === 'im2col' ? IM2COL_EVERYWHERE : convKernel === 'splitk' ? SPLITK_EVERYWHERE : convKernel === 'winograd' ? winogradEverywhere(2) : convKernel === 'winograd4' ? winogradEverywhere(4) : undefined;
  const det = await createDetector({ device: await pageDevice(), model: weightsUrl, inputSize, debugKeepLayers: true, ...(choice ? { tune: { choice } } : { convKernel: convKernel as 'register' | 'tiled' | undefined }) });
  const out: LayerDiff[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < images; i++) {
      const input = await f32(`${dir}/img${i}/input.f32`);
      const output0 = await det.forward(input);
      for (const layer of layers) {
        const ref = await f32(`${dir}/img${i}/${layer}.f32`);
        const got = layer === 'model.23' ? output0 : await det.readLayer(layer);
        if (got.length !== ref.length) throw new Error(`${layer}: ${got.length} values, reference has ${ref.length}`);
        let maxAbs = 0;
        let maxRef = 0;
        for (let k = 0; k < ref.length; k++) {
          const d = Math.abs(got[k] - ref[k]);
          maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
          maxRef = Math.max(maxRef, Math.abs(ref[k]));
        }
        out.push({ image: i, layer, maxAbs, maxRef });
      }
    }
  } finally {
    det.destroy();
  }
  const im2col = Object.values(det.info.tuning.byClass).filter((id) => convVariant(id)?.im2col).length;
  const winograd = Object.values(det.info.tuning.byClass).filter((id) => convVariant(id)?.winograd).length;
  // Convolutions (exact shapes) planned on a split-K kernel.
  const splitK = Object.entries(det.info.tuning.byClass).filter(([k, id]) => isShapeKey(k) && convVariant(id)?.splitK).length;
  // Convolutions planned on Winograd with 8-channel GEMM tiles.
  const winograd8 = Object.entries(det.info.tuning.byClass).filter(([k, id]) => isShapeKey(k) && convVariant(id)?.winograd && convVariant(id)?.tm === 8).length;
  return { diffs: out, ms: performance.now() - t0, dispatches: det.info.dispatches, adapter: det.info.adapter, im2col, winograd, splitK, winograd8 };
}

/** forward() on one input and the named layers after it (`output1`, …), as plain arrays, for comparisons done in Node. */
export async function forwardOutputs(weightsUrl: string, inputSize: [number, number], inputUrl: string, layers: string[] = [], convKernel?: 'register' | 'tiled') {
  const det = await createDetector({ device: await pageDevice(), model: weightsUrl, inputSize, convKernel: convKernel ?? undefined });
  try {
    const output0 = Array.from(await det.forward(await f32(inputUrl)));
    const rest: Record<string, number[]> = {};
    for (const l of layers) rest[l] = Array.from(await det.readLayer(l));
    return { output0, ...rest };
  } finally {
    det.destroy();
  }
}
