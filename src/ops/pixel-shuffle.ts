/**
 * Proto's upsample, nn.ConvTranspose2d(c, c, 2, stride 2, padding 0), as a 1×1 convolution to 4c
 * channels (planned by conv.ts like every other convolution) followed by this depth-to-space
 * (shaders/pixel-shuffle2x.wgsl). With kernel = stride every output pixel takes exactly one tap:
 *   out[o, 2y + dy, 2x + dx] = b[o] + Σ_i in[i, y, x] · W[i, o, dy, dx]
 * so the 1×1 conv's output channel (2·dy + dx)·c + o has weights W[·, o, dy, dx] and bias b[o].
 */
import { grid1d, type Dispatch, type View } from './types.js';

const WG = 64;

/** ConvTranspose2d weight (I, O, 2, 2) and bias (O) → the 1×1 conv's OIHW weight (4O, I, 1, 1) and bias (4O). */
export function transposedConvAs1x1(w: Float32Array, b: Float32Array, cin: number, cout: number): { weight: Float32Array; bias: Float32Array } {
  if (w.length !== cin * cout * 4 || b.length !== cout) throw new Error(`transposed conv: expected (${cin}, ${cout}, 2, 2) weights and ${cout} biases`);
  const weight = new Float32Array(4 * cout * cin);
  const bias = new Float32Array(4 * cout);
  for (let d = 0; d < 4; d++) {
    for (let o = 0; o < cout; o++) {
      bias[d * cout + o] = b[o];
      for (let i = 0; i < cin; i++) weight[(d * cout + o) * cin + i] = w[(i * cout + o) * 4 + d];
    }
  }
  return { weight, bias };
}

export interface PixelShuffleParams {
  label: string;
  /** 4c × h × w: channel (2·dy + dx)·c + o. */
  input: View;
  /** c × 2h × 2w. */
  output: View;
}

export function planPixelShuffle(p: PixelShuffleParams): Dispatch {
  const { input: x, output: y, label } = p;
  if (x.c !== 4 * y.c || y.h !== 2 * x.h || y.w !== 2 * x.w) throw new Error(`${label}: ${x.c}×${x.h}×${x.w} → ${y.c}×${y.h}×${y.w} is not a 2× depth-to-space`);
  const n = y.c * y.h * y.w;
  if (x.offset < y.offset + n && y.offset < x.offset + n) throw new Error(`${label}: output overlaps the input`);
  return {
    label,
    shader: 'pixel-shuffle2x',
    constants: { WG },
    uniforms: { in_off: x.offset, c: y.c, h: x.h, w: x.w, out_off: y.offset },
    workgroups: grid1d(n, WG),
  };
}
