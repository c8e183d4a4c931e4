// Convolution (groups = 1) as an implicit GEMM with workgroup-memory tiles, for GPUs (real GPUs
// reward on-chip tiles; SwiftShader does not, see conv2d.wgsl). M = Cout, N = Hout·Wout,
// K = Cin·KS·KS. A workgroup of 8×8 invocations computes a 32 (channels) × 32 (pixels) output tile,
// 4 × 4 per invocation, stepping through K in slices of 16: each slice of the packed weights
// (16 × 32) and of the im2col input (16 × 32, gathered with zero padding) is staged in workgroup
// memory once and read 32 times. The generic convolution kernel: any KS and STRIDE, the reference
// the tuner checks every other kernel against (src/tune/measure.ts).
//
// arena   : input at in_off, output at out_off, residual at res_off (NCHW, f32).
// weights : packed [K][cout_pad] at w_off (cout_pad = Cout rounded up to 8); bias [Cout] at b_off.
struct Params {
  in_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  out_off: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  w_off: u32,
  b_off: u32,
  res_off: u32,
  cout_pad: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> u: Params;

override KS: u32 = 3;
override STRIDE: u32 = 1;
override ACT: bool = true;
override RES: bool = false;

const TM: u32 = 32u; // output channels per workgroup
const TN: u32 = 32u; // output pixels per workgroup
const TK: u32 = 16u; // K slice staged per step

var<workgroup> wa: array<array<f32, TM>, TK>; // weights slice [k][m]
var<workgroup> xb: array<array<f32, TN>, TK>; // im2col slice [k][n]

fn weight(k: u32, m: u32) -> f32 {
  let i = u.w_off + k * u.cout_pad + m;
  return weights[i / 4u][i % 4u];
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let npix = u.out_h * u.out_w;
  let K = u.in_c * KS * KS;
  // Pixel tiles along x, folded into z past the per-dimension workgroup limit.
  let n0 = (wid.x + wid.z * nwg.x) * TN;
  let m0 = wid.y * TM;
  let t = lid.y * 8u + lid.x; // 0..63
  var acc: array<array<f32, 4>, 4>;
  let pad = i32(KS / 2u);
  for (var k0 = 0u; k0 < K; k0 += TK) {
    // Stage 16×32 weights and 16×32 inputs: 512 values each, 8 per invocation.
    for (var e = t; e < TK * TM; e += 64u) {
      let kk = e / TM;
      let mm = e % TM;
      let k = k0 + kk;
      let m = m0 + mm;
      wa[kk][mm] = select(0.0, weight(min(k, K - 1u), min(m, u.cout_pad - 1u)), k < K && m < u.cout_pad);
      let n = n0 + mm;
      var x = 0.0;
      if (k < K && n < npix) {
        let ci = k / (KS * KS);
        let r = k % (KS * KS);
        let iy = i32((n / u.out_w) * STRIDE) - pad + i32(r / KS);
        let ix = i32((n % u.out_w) * STRIDE) - pad + i32(r % KS);
        if (iy >= 0 && iy < i32(u.in_h) && ix >= 0 && ix < i32(u.in_w)) {
          x = arena[u.in_off + ci * u.in_h * u.in_w + u32(iy) * u.in_w + u32(ix)];
        }
      }
      xb[kk][mm] = x;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = wa[kk][lid.y * 4u + i];
        b[i] = xb[kk][lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i][j] += a[i] * b[j];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y * 4u + i;
    if (m >= u.out_c) {
      continue;
    }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + lid.x * 4u + j;
      if (n >= npix) {
        continue;
      }
      let b = u.b_off + m;
      var v = acc[i][j] + weights[b / 4u][b % 4u];
      if (ACT) {
        v = v * (1.0 / (1.0 + exp(-v)));
      }
      if (RES) {
        v += arena[u.res_off + m * npix + n];
      }
      arena[u.out_off + m * npix + n] = v;
    }
  }
}
