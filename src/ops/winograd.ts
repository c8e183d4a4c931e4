/**
 * 3×3 stride-1 convolutions as Winograd F(m×m, 3×3) (Lavin & Gray 2015), m = 2 or 4: per m×m output
 * tile, the (m+2)² input patch d is transformed (V = Bᵀ d B), multiplied element-wise by the transformed
 * weights (U = G g Gᵀ, packed once per model), summed over input channels, and transformed back
 * (Y = Aᵀ M A). The sum over channels is (m+2)² independent GEMMs (one per element ξ of the transformed
 * tile: U[ξ] · V[ξ]): per output and input channel 4 multiply-adds for F(2×2) and 2.25 for F(4×4)
 * instead of 9. Three dispatches: the input transform (shaders/winograd[-f4]-input.wgsl), the GEMMs as
 * one batched dispatch of a 1×1 register kernel, the output transform with bias, SiLU and residual
 * (shaders/winograd[-f4]-output.wgsl). The error is the transforms' (F(2×2): halves and sums; F(4×4):
 * factors up to 8 and sixths in G): the parity tests bound both.
 */
import { coutPad, type Dispatch, type View } from './types.js';

/** The output tile's side: F(2×2, 3×3) or F(4×4, 3×3). */
export type WinogradTile = 2 | 4;

/** The transforms' shaders (before and after the GEMMs) per output tile. */
export const WINOGRAD_SHADERS: Record<WinogradTile, readonly [string, string]> = { 2: ['winograd-input', 'winograd-output'], 4: ['winograd-f4-input', 'winograd-f4-output'] };

/** Elements of the transformed tile, (m + 2)²: the number of GEMMs. */
export const winogradElements = (m: WinogradTile) => (m + 2) * (m + 2);

/** Output tiles (m×m) of an h × w plane. */
export const winogradTiles = (h: number, w: number, m: WinogradTile) => Math.ceil(h / m) * Math.ceil(w / m);

/**
 * The scratch tensors of a Winograd convolution with an h × w output: the transformed input V,
 * (m+2)² · Cin rows of `tiles`, and the GEMMs' result M, (m+2)² · Cout rows (as `WinogradParts` views
 * them: c rows, h = 1, w = tiles). The model's planner and the tuner's scratch both lay them out from this.
 */
export function winogradShapes(cin: number, cout: number, h: number, w: number, m: WinogradTile) {
  const tiles = winogradTiles(h, w, m);
  const n = winogradElements(m);
  return { tiles, v: { c: n * cin, h: 1, w: tiles }, m: { c: n * cout, h: 1, w: tiles } };
}

/** Elements of the transformed input ((m+2)² · Cin · tiles) and of the GEMMs' result ((m+2)² · Cout · tiles). */
export function winogradScratch(cin: number, cout: number, h: number, w: number, m: WinogradTile) {
  const s = winogradShapes(cin, cout, h, w, m);
  return { v: s.v.c * s.tiles, m: s.m.c * s.tiles };
}

/** G ((m+2) × 3): F(2×2) with points 0, ±1; F(4×4) with 0, ±1, ±2 (Lavin & Gray). */
const G: Record<WinogradTile, number[][]> = {
  2: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  4: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
};

/**
 * OIHW 3×3 weights → U = G g Gᵀ (in f64), as (m+2)² blocks each in the 1×1 kernels' packed layout
 * ([Cin][Cout padded to 16], zeros in the padding), then `coutPad` zeros: the GEMMs' bias (the real bias
 * is added after the output transform).
 */
export function packWinogradWeights(w: Float32Array, cin: number, cout: number, m: WinogradTile = 2): Float32Array {
  if (w.length !== cout * cin * 9) throw new Error(`winograd weights: expected ${cout * cin * 9} values, got ${w.length}`);
  const g = G[m];
  const a = g.length;
  const mp = coutPad(cout);
  const out = new Float32Array(winogradWeightLength(cin, cout, m));
  const t = new Float64Array(a * 3);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      const k = (r: number, c: number) => w[((o * cin + i) * 3 + r) * 3 + c];
      // t = G g (a × 3), then U = t Gᵀ (a × a).
      for (let p = 0; p < a; p++) for (let c = 0; c < 3; c++) t[p * 3 + c] = g[p][0] * k(0, c) + g[p][1] * k(1, c) + g[p][2] * k(2, c);
      for (let p = 0; p < a; p++) {
        for (let q = 0; q < a; q++) out[((p * a + q) * cin + i) * mp + o] = t[p * 3] * g[q][0] + t[p * 3 + 1] * g[q][1] + t[p * 3 + 2] * g[q][2];
      }
    }
  }
  return out;
}

/** Elements of `packWinogradWeights`' output: (m+2)² blocks of Cin × Cout-padded, then the GEMMs' zero bias. */
export const winogradWeightLength = (cin: number, cout: number, m: WinogradTile) => winogradElements(m) * cin * coutPad(cout) + coutPad(cout);

/**
 * `packWinogradWeights` on the GPU (shaders/winograd-weights.wgsl), for weights that change every step
 * (the trainer's): from the packed 3×3 weights at `weightOffset` in buffer `src` to U at `outOffset` in
 * `dst`, whose padding and trailing zero bias it never writes (a fresh buffer's zeros).
 */
export function planWinogradWeights(p: { label: string; cin: number; cout: number; m: WinogradTile; weightOffset: number; outOffset: number; src: string; dst: string }): Dispatch {
  return {
    label: `${p.label}.wino`,
    shader: 'winograd-weights',
    constants: { M: p.m, WG: 64 },
    uniforms: { w_off: p.weightOffset, u_off: p.outOffset, cin: p.cin, cout: p.cout, cout_pad: coutPad(p.cout) },
    workgroups: [Math.ceil(p.cout / 64), p.cin, 1],
    buffers: { src: p.src, dst: p.dst },
  };
}

/** Where a Winograd convolution's transformed weights and scratch tensors are. */
export interface WinogradParts {
  /** `packWinogradWeights`' output: (m+2)² blocks of Cin × Cout-padded, then the GEMMs' zero bias. */
  weightOffset: number;
  /** The transformed input, (m+2)² · Cin rows of `winogradTiles` (a view of c = (m+2)² · Cin, h = 1, w = tiles). */
  v: View;
  /** The GEMMs' result, (m+2)² · Cout rows of tiles. */
  m: View;
}

/** The input transform (a prologue) and the output transform (an epilogue) around the batched GEMMs. */
export function winogradTransforms(p: { label: string; input: View; output: View; act: boolean; biasOffset: number; residual?: View }, parts: WinogradParts, m: WinogradTile, variant: string): { before: Dispatch; after: Dispatch } {
  const { input: x, output: y } = p;
  const th = Math.ceil(y.h / m);
  const tw = Math.ceil(y.w / m);
  const tiles = th * tw;
  const n = winogradElements(m);
  if (parts.v.c !== n * x.c || parts.v.h * parts.v.w !== tiles || parts.m.c !== n * y.c || parts.m.h * parts.m.w !== tiles) {
    throw new Error(`${p.label}: ${variant} needs ${n * x.c} and ${n * y.c} rows of ${tiles} tiles of scratch`);
  }
  if (parts.weightOffset % 4) throw new Error(`${p.label}: weight offsets must be multiples of 4`);
  const [inShader, outShader] = WINOGRAD_SHADERS[m];
  const before: Dispatch = {
    label: p.label, shader: inShader, constants: {}, prologue: true, variant,
    uniforms: { in_off: x.offset, in_c: x.c, in_h: x.h, in_w: x.w, out_off: parts.v.offset, tiles_h: th, tiles_w: tw },
    workgroups: [Math.ceil(tiles / 64), x.c, 1],
  };
  const after: Dispatch = {
    label: p.label, shader: outShader, constants: { RES: p.residual ? 1 : 0, FULL: y.h % m === 0 && y.w % m === 0 ? 1 : 0 }, epilogue: true, variant,
    uniforms: {
      in_off: parts.m.offset, out_off: y.offset, out_c: y.c, out_h: y.h, out_w: y.w, tiles_h: th, tiles_w: tw,
      res_off: p.residual?.offset ?? 0, b_off: p.biasOffset, act: p.act ? 1 : 0,
    },
    workgroups: [Math.ceil(tiles / 64), y.c, 1],
  };
  return { before, after };
}
