/**
 * 3×3 stride-1 convolutions as Winograd F(2×2, 3×3) (Lavin & Gray 2015): per 2×2 output tile, the
 * 4×4 input patch d is transformed (V = Bᵀ d B), multiplied element-wise by the transformed weights
 * (U = G g Gᵀ, packed once per model), summed over input channels, and transformed back (Y = Aᵀ M A).
 * The sum over channels is 16 independent GEMMs (one per element ξ of the 4×4 tile: U[ξ] · V[ξ]), 4
 * multiply-adds per output and input channel instead of 9: three dispatches, the input transform
 * (shaders/winograd-input.wgsl), the 16 GEMMs as one batched dispatch of a 1×1 register kernel, the
 * output transform with bias, SiLU and residual (shaders/winograd-output.wgsl).
 * Its numerical error is the transforms' (halves and sums only): parity tests bound it.
 */
import type { Dispatch, View } from './types.js';

/** The transforms' shaders (before and after the GEMMs). */
export const WINOGRAD_SHADERS = ['winograd-input', 'winograd-output'];

/** Elements of the 4×4 transformed tile: the number of GEMMs. */
export const WINO_TILES = 16;

/** Output tiles (2×2) of an h × w plane. */
export const winogradTiles = (h: number, w: number) => Math.ceil(h / 2) * Math.ceil(w / 2);

/** Elements of the transformed input (16 · Cin · tiles) and of the GEMMs' result (16 · Cout · tiles). */
export const winogradScratch = (cin: number, cout: number, h: number, w: number) => ({ v: WINO_TILES * cin * winogradTiles(h, w), m: WINO_TILES * cout * winogradTiles(h, w) });

const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];

/**
 * OIHW 3×3 weights → U = G g Gᵀ, as 16 blocks each in the 1×1 kernels' packed layout ([Cin][Cout
 * padded to 16], zeros in the padding), then `coutPad` zeros: the GEMMs' bias (the real bias is added
 * after the output transform).
 */
export function packWinogradWeights(w: Float32Array, cin: number, cout: number): Float32Array {
  if (w.length !== cout * cin * 9) throw new Error(`winograd weights: expected ${cout * cin * 9} values, got ${w.length}`);
  const mp = Math.ceil(cout / 16) * 16;
  const out = new Float32Array(WINO_TILES * cin * mp + mp);
  const t = new Float64Array(12);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      const g = (r: number, c: number) => w[((o * cin + i) * 3 + r) * 3 + c];
      // t = G g (4×3), then U = t Gᵀ (4×4), in f64.
      for (let a = 0; a < 4; a++) for (let c = 0; c < 3; c++) t[a * 3 + c] = G[a][0] * g(0, c) + G[a][1] * g(1, c) + G[a][2] * g(2, c);
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          const u = t[a * 3] * G[b][0] + t[a * 3 + 1] * G[b][1] + t[a * 3 + 2] * G[b][2];
          out[((a * 4 + b) * cin + i) * mp + o] = u;
        }
      }
    }
  }
  return out;
}

/** Where a Winograd convolution's transformed weights and scratch tensors are. */
export interface WinogradParts {
  /** `packWinogradWeights`' output: 16 blocks of Cin × Cout-padded, then the GEMMs' zero bias. */
  weightOffset: number;
  /** The transformed input, 16 · Cin rows of `winogradTiles` (a view of c = 16 · Cin, h = 1, w = tiles). */
  v: View;
  /** The GEMMs' result, 16 · Cout rows of tiles. */
  m: View;
}

/** The input transform (a prologue) and the output transform (an epilogue) around the batched GEMM `gemm`. */
export function winogradTransforms(p: { label: string; input: View; output: View; act: boolean; biasOffset: number; residual?: View }, parts: WinogradParts, variant: string): { before: Dispatch; after: Dispatch } {
  const { input: x, output: y } = p;
  const th = Math.ceil(y.h / 2);
  const tw = Math.ceil(y.w / 2);
  const tiles = th * tw;
  if (parts.v.c !== WINO_TILES * x.c || parts.v.h * parts.v.w !== tiles || parts.m.c !== WINO_TILES * y.c || parts.m.h * parts.m.w !== tiles) {
    throw new Error(`${p.label}: ${variant} needs ${WINO_TILES * x.c} and ${WINO_TILES * y.c} rows of ${tiles} tiles of scratch`);
  }
  if (parts.weightOffset % 4) throw new Error(`${p.label}: weight offsets must be multiples of 4`);
  const before: Dispatch = {
    label: p.label, shader: WINOGRAD_SHADERS[0], constants: {}, prologue: true, variant,
    uniforms: { in_off: x.offset, in_c: x.c, in_h: x.h, in_w: x.w, out_off: parts.v.offset, tiles_h: th, tiles_w: tw },
    workgroups: [Math.ceil(tiles / 64), x.c, 1],
  };
  const after: Dispatch = {
    label: p.label, shader: WINOGRAD_SHADERS[1], constants: { RES: p.residual ? 1 : 0 }, epilogue: true, variant,
    uniforms: {
      in_off: parts.m.offset, out_off: y.offset, out_c: y.c, out_h: y.h, out_w: y.w, tiles_h: th, tiles_w: tw,
      res_off: p.residual?.offset ?? 0, b_off: p.biasOffset, act: p.act ? 1 : 0,
    },
    workgroups: [Math.ceil(tiles / 64), y.c, 1],
  };
  return { before, after };
}
