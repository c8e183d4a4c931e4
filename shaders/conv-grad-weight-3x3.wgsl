// Convolution backward (3×3, groups = 1, stride 1 or 2), first pass: the weight and bias gradients'
// partial sums over pixels,
//   dW[k][co] = Σ_p dZ[co, p] · X[ci, oy·S − 1 + ky, ox·S − 1 + kx],   k = (ci·3 + ky)·3 + kx
//   dB[co]    = Σ_p dZ[co, p]
// Lanes lie along output columns (lane l: ox = l, l + WX, …), so neighbouring lanes read neighbouring
// X and dZ addresses (a CPU adapter's SIMD lanes load them in one go; the previous kernel put lanes
// along taps and gathered). Each lane owns one input channel's 9 taps × 8 output channels (18 vec4
// accumulators) and walks down the rows of its slice keeping the three input rows it needs in
// registers: per output pixel, 3 new X loads (stride 1) and 8 dZ loads feed 72 multiply-adds.
// The lanes' sums never meet here: each lane writes its own partial tile, and
// shaders/conv-grad-weight-reduce.wgsl adds the partials into the gradients (a barrier per workgroup
// costs a CPU adapter more than that pass).
//
// arena   : X (in_c × in_h × in_w) at x_off, dZ (out_c × out_h × out_w) at dz_off.
// sums    : [slice · WX + lane][K + 1][cout_pad] at p_off (a multiple of 4); row K holds the bias sums
//           (written by the channel-0 workgroups). Columns past Cout hold sums of the last channel.
struct Params {
  x_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  dz_off: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  p_off: u32,
  cout_pad: u32,
  rows: u32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read_write> sums: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> u: Params;

override STRIDE: u32 = 1;
override WX: u32 = 8;

// Input row iy at columns ix − 1, ix, ix + 1 (ix = ox·S), zero outside the plane: `cm` zeroes the
// padding columns, rows outside are read clamped and zeroed (the test is uniform across lanes).
fn xrow(base: u32, iy: i32, c: vec3<u32>, cm: vec3<f32>) -> vec3<f32> {
  let inside = iy >= 0 && iy < i32(u.in_h);
  let r = base + u32(clamp(iy, 0, i32(u.in_h) - 1)) * u.in_w;
  return vec3<f32>(arena[r + c.x], arena[r + c.y], arena[r + c.z]) * cm * select(0.0, 1.0, inside);
}

@compute @workgroup_size(WX)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) l: u32) {
  let ci = wid.x;
  let m0 = wid.y * 8u;
  let plane = u.out_h * u.out_w;
  let last = u.out_c - 1u; // channels past Cout read the last one (their partials are never reduced)
  let c0 = u.dz_off + min(m0, last) * plane;
  let c1 = u.dz_off + min(m0 + 1u, last) * plane;
  let c2 = u.dz_off + min(m0 + 2u, last) * plane;
  let c3 = u.dz_off + min(m0 + 3u, last) * plane;
  let c4 = u.dz_off + min(m0 + 4u, last) * plane;
  let c5 = u.dz_off + min(m0 + 5u, last) * plane;
  let c6 = u.dz_off + min(m0 + 6u, last) * plane;
  let c7 = u.dz_off + min(m0 + 7u, last) * plane;
  let base = u.x_off + ci * u.in_h * u.in_w;
  let y0 = wid.z * u.rows;
  let y1 = min(y0 + u.rows, u.out_h);
  // a<ky><kx>_<q>: tap (ky, kx) × output channels m0 + 4q .. m0 + 4q + 3.
  var a00_0 = vec4<f32>(); var a01_0 = vec4<f32>(); var a02_0 = vec4<f32>();
  var a10_0 = vec4<f32>(); var a11_0 = vec4<f32>(); var a12_0 = vec4<f32>();
  var a20_0 = vec4<f32>(); var a21_0 = vec4<f32>(); var a22_0 = vec4<f32>();
  var a00_1 = vec4<f32>(); var a01_1 = vec4<f32>(); var a02_1 = vec4<f32>();
  var a10_1 = vec4<f32>(); var a11_1 = vec4<f32>(); var a12_1 = vec4<f32>();
  var a20_1 = vec4<f32>(); var a21_1 = vec4<f32>(); var a22_1 = vec4<f32>();
  var b0 = vec4<f32>(); var b1 = vec4<f32>();
  for (var ox0 = 0u; ox0 < u.out_w; ox0 += WX) {
    let ox = ox0 + l;
    let valid = select(0.0, 1.0, ox < u.out_w);
    let oxc = min(ox, u.out_w - 1u);
    let ix = i32(oxc * STRIDE);
    let c = vec3<u32>(u32(max(ix - 1, 0)), u32(ix), u32(min(ix + 1, i32(u.in_w) - 1)));
    let cm = vec3<f32>(select(0.0, 1.0, ix >= 1), 1.0, select(0.0, 1.0, ix + 1 < i32(u.in_w)));
    // r0, r1, r2: input rows oy·S − 1, oy·S, oy·S + 1 of the current output row.
    var r0 = vec3<f32>();
    var r1 = vec3<f32>();
    var r2 = vec3<f32>();
    if (STRIDE == 1u) {
      r1 = xrow(base, i32(y0) - 1, c, cm);
      r2 = xrow(base, i32(y0), c, cm);
    } else {
      r2 = xrow(base, i32(y0 * 2u) - 1, c, cm);
    }
    for (var oy = y0; oy < y1; oy++) {
      if (STRIDE == 1u) {
        r0 = r1;
        r1 = r2;
        r2 = xrow(base, i32(oy) + 1, c, cm);
      } else {
        r0 = r2;
        r1 = xrow(base, i32(oy * 2u), c, cm);
        r2 = xrow(base, i32(oy * 2u) + 1, c, cm);
      }
      let p = oy * u.out_w + oxc;
      let d0 = vec4<f32>(arena[c0 + p], arena[c1 + p], arena[c2 + p], arena[c3 + p]) * valid;
      let d1 = vec4<f32>(arena[c4 + p], arena[c5 + p], arena[c6 + p], arena[c7 + p]) * valid;
      a00_0 = fma(vec4<f32>(r0.x), d0, a00_0); a01_0 = fma(vec4<f32>(r0.y), d0, a01_0); a02_0 = fma(vec4<f32>(r0.z), d0, a02_0);
      a10_0 = fma(vec4<f32>(r1.x), d0, a10_0); a11_0 = fma(vec4<f32>(r1.y), d0, a11_0); a12_0 = fma(vec4<f32>(r1.z), d0, a12_0);
      a20_0 = fma(vec4<f32>(r2.x), d0, a20_0); a21_0 = fma(vec4<f32>(r2.y), d0, a21_0); a22_0 = fma(vec4<f32>(r2.z), d0, a22_0);
      a00_1 = fma(vec4<f32>(r0.x), d1, a00_1); a01_1 = fma(vec4<f32>(r0.y), d1, a01_1); a02_1 = fma(vec4<f32>(r0.z), d1, a02_1);
      a10_1 = fma(vec4<f32>(r1.x), d1, a10_1); a11_1 = fma(vec4<f32>(r1.y), d1, a11_1); a12_1 = fma(vec4<f32>(r1.z), d1, a12_1);
      a20_1 = fma(vec4<f32>(r2.x), d1, a20_1); a21_1 = fma(vec4<f32>(r2.y), d1, a21_1); a22_1 = fma(vec4<f32>(r2.z), d1, a22_1);
      b0 += d0;
      b1 += d1;
    }
  }
  // This lane's partial tile: rows k = ci·9 .. ci·9 + 8, columns m0 .. m0 + 7.
  let K = u.in_c * 9u;
  let row = u.cout_pad / 4u;
  let at = u.p_off / 4u + (wid.z * WX + l) * (K + 1u) * row + m0 / 4u;
  let t = at + ci * 9u * row;
  sums[t] = a00_0; sums[t + 1u] = a00_1;
  sums[t + row] = a01_0; sums[t + row + 1u] = a01_1;
  sums[t + 2u * row] = a02_0; sums[t + 2u * row + 1u] = a02_1;
  sums[t + 3u * row] = a10_0; sums[t + 3u * row + 1u] = a10_1;
  sums[t + 4u * row] = a11_0; sums[t + 4u * row + 1u] = a11_1;
  sums[t + 5u * row] = a12_0; sums[t + 5u * row + 1u] = a12_1;
  sums[t + 6u * row] = a20_0; sums[t + 6u * row + 1u] = a20_1;
  sums[t + 7u * row] = a21_0; sums[t + 7u * row + 1u] = a21_1;
  sums[t + 8u * row] = a22_0; sums[t + 8u * row + 1u] = a22_1;
  if (ci == 0u) {
    sums[at + K * row] = b0;
    sums[at + K * row + 1u] = b1;
  }
}
