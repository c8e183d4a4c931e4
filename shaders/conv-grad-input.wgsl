// Convolution backward (groups = 1): the gradient w.r.t. the input, an implicit GEMM like the forward,
//   dX[ci, iy, ix] += Σ_{co, ky, kx} W[co, ci, ky, kx] · dZ[co, oy, ox],   oy·S = iy + P − ky, ox·S = ix + P − kx
// (P = KS/2; terms whose oy, ox are not whole or fall outside the output are skipped).
// M = Cin, N = H·W input pixels, K = Cout·KS·KS. 64 lanes along input pixels: at stride 1 neighbouring
// lanes read neighbouring dZ addresses (the SIMD-CPU lesson of the forward kernels); each lane keeps 4
// input channels in named accumulators. The K loop takes 4 output channels per step: 4 dZ loads and,
// per input channel, one vec4 of the forward's packed weights ([Cin·KS·KS][cout_pad], output channels
// contiguous, zero beyond Cout — so a dZ index clamped to Cout − 1 meets a zero weight).
// dX is accumulated (+=): a tensor read by several layers sums their gradients.
//
// arena   : dZ (out_c × out_h × out_w) at dz_off; dX (in_c × in_h × in_w) at dx_off.
// weights : packed forward weights at w_off (a multiple of 4).
struct Params {
  dz_off: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  dx_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  w_off: u32,
  cout_pad: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> u: Params;

override KS: u32 = 3;
override STRIDE: u32 = 1;

const LANES: u32 = 64u;
const TC: u32 = 4u; // input channels per lane

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u) {
  let npix = u.in_h * u.in_w;
  let n = (wid.x + wid.z * nwg.x) * LANES + li; // input pixel (tiles folded into z past the limit)
  let ci0 = wid.y * TC;
  let nn = min(n, npix - 1u);
  let iy = i32(nn / u.in_w);
  let ix = i32(nn % u.in_w);
  let pad = i32(KS / 2u);
  let s = i32(STRIDE);
  let oplane = u.out_h * u.out_w;
  let klast = u.out_c - 1u;
  // Weight rows of the 4 channels (clamped: channels past in_c are computed and not written).
  let r0 = min(ci0, u.in_c - 1u) * KS * KS;
  let r1 = min(ci0 + 1u, u.in_c - 1u) * KS * KS;
  let r2 = min(ci0 + 2u, u.in_c - 1u) * KS * KS;
  let r3 = min(ci0 + 3u, u.in_c - 1u) * KS * KS;
  let q = u.cout_pad / 4u;
  var a0 = 0.0;
  var a1 = 0.0;
  var a2 = 0.0;
  var a3 = 0.0;
  for (var ky = 0u; ky < KS; ky++) {
    let ty = iy + pad - i32(ky);
    let oy = ty / s;
    let oky = ty >= 0 && ty % s == 0 && oy < i32(u.out_h);
    for (var kx = 0u; kx < KS; kx++) {
      let tx = ix + pad - i32(kx);
      let ox = tx / s;
      let ok = oky && tx >= 0 && tx % s == 0 && ox < i32(u.out_w);
      let m = select(0.0, 1.0, ok);
      let src = u.dz_off + u32(clamp(oy, 0, i32(u.out_h) - 1)) * u.out_w + u32(clamp(ox, 0, i32(u.out_w) - 1));
      let r = ky * KS + kx;
      let b0 = u.w_off / 4u + (r0 + r) * q;
      let b1 = u.w_off / 4u + (r1 + r) * q;
      let b2 = u.w_off / 4u + (r2 + r) * q;
      let b3 = u.w_off / 4u + (r3 + r) * q;
      for (var co = 0u; co < u.out_c; co += 4u) {
        let d = m * vec4f(
          arena[src + co * oplane],
          arena[src + min(co + 1u, klast) * oplane],
          arena[src + min(co + 2u, klast) * oplane],
          arena[src + min(co + 3u, klast) * oplane],
        );
        let j = co / 4u;
        a0 += dot(weights[b0 + j], d);
        a1 += dot(weights[b1 + j], d);
        a2 += dot(weights[b2 + j], d);
        a3 += dot(weights[b3 + j], d);
      }
    }
  }
  if (n >= npix) {
    return;
  }
  let o = u.dx_off + ci0 * npix + n;
  arena[o] += a0;
  if (ci0 + 1u < u.in_c) {
    arena[o + npix] += a1;
  }
  if (ci0 + 2u < u.in_c) {
    arena[o + 2u * npix] += a2;
  }
  if (ci0 + 3u < u.in_c) {
    arena[o + 3u * npix] += a3;
  }
}
