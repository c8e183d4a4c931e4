// Convolution backward (1×1, stride 1, groups = 1), first pass: the weight and bias gradients'
// partial sums over pixels,
//   dW[ci][co] = Σ_p dZ[co, p] · X[ci, p],   dB[co] = Σ_p dZ[co, p]
// Lanes lie along pixels (lane l: p = l, l + WX, … within its slice), so neighbouring lanes read
// neighbouring X and dZ addresses. Each lane owns 8 input × 8 output channels (16 vec4 accumulators):
// per pixel, 8 X loads and 8 dZ loads feed 64 multiply-adds. Each lane writes its own partial tile;
// shaders/conv-grad-weight-reduce.wgsl adds the partials into the gradients.
//
// arena   : X (in_c × P) at x_off, dZ (out_c × P) at dz_off, P = out_h · out_w.
// sums    : [slice · WX + lane][K + 1][cout_pad] at p_off (a multiple of 4), K = in_c; row K holds the bias
//           sums (written by the first channel group's workgroups). Rows past Cin and columns past Cout
//           are not meaningful (never reduced).
struct Params {
  x_off: u32,
  in_c: u32,
  dz_off: u32,
  out_c: u32,
  npix: u32,
  p_off: u32,
  cout_pad: u32,
  span: u32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read_write> sums: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> u: Params;

override WX: u32 = 8;

@compute @workgroup_size(WX)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) l: u32) {
  let k0 = wid.x * 8u;
  let m0 = wid.y * 8u;
  let P = u.npix;
  let lk = u.in_c - 1u;
  let lm = u.out_c - 1u;
  let x0 = u.x_off + min(k0, lk) * P; let x1 = u.x_off + min(k0 + 1u, lk) * P;
  let x2 = u.x_off + min(k0 + 2u, lk) * P; let x3 = u.x_off + min(k0 + 3u, lk) * P;
  let x4 = u.x_off + min(k0 + 4u, lk) * P; let x5 = u.x_off + min(k0 + 5u, lk) * P;
  let x6 = u.x_off + min(k0 + 6u, lk) * P; let x7 = u.x_off + min(k0 + 7u, lk) * P;
  let c0 = u.dz_off + min(m0, lm) * P; let c1 = u.dz_off + min(m0 + 1u, lm) * P;
  let c2 = u.dz_off + min(m0 + 2u, lm) * P; let c3 = u.dz_off + min(m0 + 3u, lm) * P;
  let c4 = u.dz_off + min(m0 + 4u, lm) * P; let c5 = u.dz_off + min(m0 + 5u, lm) * P;
  let c6 = u.dz_off + min(m0 + 6u, lm) * P; let c7 = u.dz_off + min(m0 + 7u, lm) * P;
  // a<i>_<q>: input channel k0 + i × output channels m0 + 4q .. m0 + 4q + 3.
  var a0_0 = vec4<f32>(); var a1_0 = vec4<f32>(); var a2_0 = vec4<f32>(); var a3_0 = vec4<f32>();
  var a4_0 = vec4<f32>(); var a5_0 = vec4<f32>(); var a6_0 = vec4<f32>(); var a7_0 = vec4<f32>();
  var a0_1 = vec4<f32>(); var a1_1 = vec4<f32>(); var a2_1 = vec4<f32>(); var a3_1 = vec4<f32>();
  var a4_1 = vec4<f32>(); var a5_1 = vec4<f32>(); var a6_1 = vec4<f32>(); var a7_1 = vec4<f32>();
  var b0 = vec4<f32>(); var b1 = vec4<f32>();
  let p0 = wid.z * u.span;
  let p1 = min(p0 + u.span, P);
  for (var pb = p0; pb < p1; pb += WX) {
    let p = min(pb + l, P - 1u);
    let valid = select(0.0, 1.0, pb + l < p1);
    let d0 = vec4<f32>(arena[c0 + p], arena[c1 + p], arena[c2 + p], arena[c3 + p]) * valid;
    let d1 = vec4<f32>(arena[c4 + p], arena[c5 + p], arena[c6 + p], arena[c7 + p]) * valid;
    let v0 = vec4<f32>(arena[x0 + p]); let v1 = vec4<f32>(arena[x1 + p]);
    let v2 = vec4<f32>(arena[x2 + p]); let v3 = vec4<f32>(arena[x3 + p]);
    let v4 = vec4<f32>(arena[x4 + p]); let v5 = vec4<f32>(arena[x5 + p]);
    let v6 = vec4<f32>(arena[x6 + p]); let v7 = vec4<f32>(arena[x7 + p]);
    a0_0 = fma(v0, d0, a0_0); a1_0 = fma(v1, d0, a1_0); a2_0 = fma(v2, d0, a2_0); a3_0 = fma(v3, d0, a3_0);
    a4_0 = fma(v4, d0, a4_0); a5_0 = fma(v5, d0, a5_0); a6_0 = fma(v6, d0, a6_0); a7_0 = fma(v7, d0, a7_0);
    a0_1 = fma(v0, d1, a0_1); a1_1 = fma(v1, d1, a1_1); a2_1 = fma(v2, d1, a2_1); a3_1 = fma(v3, d1, a3_1);
    a4_1 = fma(v4, d1, a4_1); a5_1 = fma(v5, d1, a5_1); a6_1 = fma(v6, d1, a6_1); a7_1 = fma(v7, d1, a7_1);
    b0 += d0;
    b1 += d1;
  }
  // This lane's partial tile: rows k0 .. k0 + 7 (those below Cin), columns m0 .. m0 + 7.
  let K = u.in_c;
  let row = u.cout_pad / 4u;
  let at = u.p_off / 4u + (wid.z * WX + l) * (K + 1u) * row + m0 / 4u;
  let t = at + k0 * row;
  sums[t] = a0_0; sums[t + 1u] = a0_1;
  if (k0 + 1u < K) { sums[t + row] = a1_0; sums[t + row + 1u] = a1_1; }
  if (k0 + 2u < K) { sums[t + 2u * row] = a2_0; sums[t + 2u * row + 1u] = a2_1; }
  if (k0 + 3u < K) { sums[t + 3u * row] = a3_0; sums[t + 3u * row + 1u] = a3_1; }
  if (k0 + 4u < K) { sums[t + 4u * row] = a4_0; sums[t + 4u * row + 1u] = a4_1; }
  if (k0 + 5u < K) { sums[t + 5u * row] = a5_0; sums[t + 5u * row + 1u] = a5_1; }
  if (k0 + 6u < K) { sums[t + 6u * row] = a6_0; sums[t + 6u * row + 1u] = a6_1; }
  if (k0 + 7u < K) { sums[t + 7u * row] = a7_0; sums[t + 7u * row + 1u] = a7_1; }
  if (k0 == 0u) {
    sums[at + K * row] = b0;
    sums[at + K * row + 1u] = b1;
  }
}
