/**
 * The contract between op planners (src/ops/*.ts) and the executor (src/plan/).
 *
 * Activations live in ONE storage buffer, the arena, as f32 NCHW with batch 1. A tensor is a `View`:
 * the element offset of (c=0, y=0, x=0) plus its shape; channel planes are contiguous (channel
 * stride = h*w). Concat and Split are therefore free: a producer writes a channel slice of a larger
 * tensor by offsetting `offset` by c0*h*w, and a consumer reads a slice the same way.
 *
 * Weights live in a second, read-only storage buffer as f32; each op packs its own tensors in the
 * layout its kernel wants (`pack*` functions) at element offsets the builder assigns (64-element,
 * i.e. 256-byte, aligned).
 *
 * Standard bindings, by name, in every model kernel (group 0):
 *   arena   : var<storage, read_write> array<f32>   (activations)
 *   weights : var<storage, read> array<f32>         (packed weights + biases)
 *   u       : var<uniform> <struct>                 (per-dispatch parameters)
 * Kernels that need other buffers name them in `Dispatch.buffers`.
 *
 * Planners are pure: they make no GPU calls, so they are unit-tested in Node.
 */

/** An NCHW tensor (batch 1) in the arena. `offset` is in elements (f32), not bytes. */
export interface View {
  offset: number;
  c: number;
  h: number;
  w: number;
}

export type Uniforms = Record<string, number | readonly number[]>;

/** One compute dispatch, fully described. */
export interface Dispatch {
  /** What it computes, for labels, profiles and errors, e.g. `model.2.cv1` or `model.9.pool`. */
  label: string;
  /** Stem of shaders/<shader>.wgsl. */
  shader: string;
  /** Pipeline-overridable constants (tile sizes, kernel size, flags). Part of the pipeline cache key. */
  constants: Record<string, number>;
  /** Values of the shader's uniform struct, by field name. */
  uniforms: Uniforms;
  workgroups: [number, number, number];
  /** Bindings other than arena/weights/u: binding name → runtime buffer name (e.g. `candidates`). */
  buffers?: Record<string, string>;
  /** Floating-point operations (a multiply-add = 2), where the planner counts them. */
  flops?: number;
  /** The kernel variant's id (src/ops/conv-variants.ts), for kernels that have several. */
  variant?: string;
  /** A convolution with groups = 1 (what the kernel tuner times): its geometry, SiLU and residual. */
  conv?: ConvDims;
  /** Prepares the next dispatch of the same op (im2col): profiles count its time as that dispatch's. */
  prologue?: boolean;
  /** Finishes the previous dispatch's op (Winograd's output transform): profiles count its time as that dispatch's. */
  epilogue?: boolean;
  /**
   * A runtime buffer (INDIRECT usage) whose first three u32 are the workgroup counts, written by an
   * earlier dispatch (the NMS ranking's, sized by the candidate count); `workgroups` is then the most it may be.
   */
  indirect?: string;
}

/** A convolution's shape as the tuner re-plans it. */
export interface ConvDims { k: number; stride: number; cin: number; cout: number; inH: number; inW: number; outH: number; outW: number; act: boolean; res: boolean }

/** Elements (f32) per weight alignment unit: 64 floats = 256 bytes. */
export const WEIGHT_ALIGN = 64;

/** Workgroup counts for a 1-D grid of `n` invocations, folded into y when x would exceed the limit. */
export function grid1d(n: number, wg: number, maxPerDim = 65535): [number, number, number] {
  const groups = Math.ceil(n / wg);
  if (groups <= maxPerDim) return [Math.max(groups, 1), 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}

/** Output channels are padded to this in packed conv weights ([K][Cout padded]): every kernel's channel tile divides it. */
const COUT_ALIGN = 16;

/** Cout padded to COUT_ALIGN: the row length of packed conv weights (1×1, 3×3, Winograd's U, the gradients'). */
export const coutPad = (cout: number) => Math.ceil(cout / COUT_ALIGN) * COUT_ALIGN;
