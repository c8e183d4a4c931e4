// Convolution backward (groups = 1): the gradient w.r.t. the weights and the bias, an implicit GEMM
// whose reduction runs over the output pixels,
//   dW[k][co] += Σ_p dZ[co, p] · X[ci, oy·S − P + ky, ox·S − P + kx],   k = (ci·KS + ky)·KS + kx
//   dB[co]    += Σ_p dZ[co, p]
// in the forward's packed layout ([Cin·KS·KS][cout_pad]; the padding columns are never written).
// Each invocation owns 16 output channels × 4 taps in named vec4 accumulators and runs the whole pixel
// sum itself: no cross-lane reduction and no barrier (on a CPU adapter a barrier costs a coroutine
// switch per lane group; a first version that split the sum over lanes spent 0.25 ms per workgroup on
// it). Lanes lie along k (lane l: k = kb + LANES·j, j = 0..3, so neighbouring lanes take neighbouring
// taps); every lane of a workgroup shares the 16 output channels, so the 16 dZ loads per pixel are the
// same address in every lane, and each X value loaded serves 16 multiply-adds. Invocation 0 of the
// first workgroup column also writes the bias.
//
// arena : X (in_c × in_h × in_w) at x_off, dZ (out_c × out_h × out_w) at dz_off.
// grads : dW at g_off (packed like the weights), dB at gb_off; both accumulated (+=).
struct Params {
  x_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  dz_off: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  g_off: u32,
  gb_off: u32,
  cout_pad: u32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override KS: u32 = 3;
override STRIDE: u32 = 1;
override LANES: u32 = 16;

// Tap k relative to (oy·S, ox·S): its channel plane's offset, dy, dx.
fn tap(k: u32) -> vec3i {
  let ci = k / (KS * KS);
  let r = k % (KS * KS);
  return vec3i(i32(u.x_off + ci * u.in_h * u.in_w), i32(r / KS) - i32(KS / 2u), i32(r % KS) - i32(KS / 2u));
}

// X at tap t of output position (y, x) = (oy·S, ox·S); 0 in the padding (never outside for 1×1).
fn xat(t: vec3i, y: i32, x: i32) -> f32 {
  if (KS == 1u) {
    return arena[u32(t.x + y * i32(u.in_w) + x)];
  }
  let iy = y + t.y;
  let ix = x + t.z;
  let inside = iy >= 0 && iy < i32(u.in_h) && ix >= 0 && ix < i32(u.in_w);
  return select(0.0, arena[u32(t.x) + u32(clamp(iy, 0, i32(u.in_h) - 1)) * u.in_w + u32(clamp(ix, 0, i32(u.in_w) - 1))], inside);
}

fn dzat(m: u32, p: u32) -> vec4f {
  let plane = u.out_h * u.out_w;
  let l = u.out_c - 1u; // channels past Cout read the last one and are not written
  let b = u.dz_off + p;
  return vec4f(arena[b + min(m, l) * plane], arena[b + min(m + 1u, l) * plane], arena[b + min(m + 2u, l) * plane], arena[b + min(m + 3u, l) * plane]);
}

// dW[k][m0 .. m0+3] += g (bounded by Cout).
fn put(k: u32, m0: u32, g: vec4f) {
  let o = u.g_off + k * u.cout_pad + m0;
  if (m0 + 3u < u.out_c) {
    grads[o] += g.x;
    grads[o + 1u] += g.y;
    grads[o + 2u] += g.z;
    grads[o + 3u] += g.w;
    return;
  }
  if (m0 < u.out_c) {
    grads[o] += g.x;
  }
  if (m0 + 1u < u.out_c) {
    grads[o + 1u] += g.y;
  }
  if (m0 + 2u < u.out_c) {
    grads[o + 2u] += g.z;
  }
}

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let K = u.in_c * KS * KS;
  let kb = wid.x * 4u * LANES + li;
  let m0 = wid.y * 16u;
  let kl = K - 1u;
  let ta = tap(min(kb, kl));
  let tb = tap(min(kb + LANES, kl));
  let tc = tap(min(kb + 2u * LANES, kl));
  let td = tap(min(kb + 3u * LANES, kl));
  // a<j>_<q>: taps a..d of output channels m0 + 4q .. m0 + 4q + 3 (component j = channel).
  var aa0 = vec4f(0.0); var ab0 = vec4f(0.0); var ac0 = vec4f(0.0); var ad0 = vec4f(0.0);
  var aa1 = vec4f(0.0); var ab1 = vec4f(0.0); var ac1 = vec4f(0.0); var ad1 = vec4f(0.0);
  var aa2 = vec4f(0.0); var ab2 = vec4f(0.0); var ac2 = vec4f(0.0); var ad2 = vec4f(0.0);
  var aa3 = vec4f(0.0); var ab3 = vec4f(0.0); var ac3 = vec4f(0.0); var ad3 = vec4f(0.0);
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0);
  var p = 0u;
  for (var oy = 0u; oy < u.out_h; oy++) {
    let y = i32(oy * STRIDE);
    for (var ox = 0u; ox < u.out_w; ox++) {
      let x = i32(ox * STRIDE);
      let xa = xat(ta, y, x);
      let xb = xat(tb, y, x);
      let xc = xat(tc, y, x);
      let xd = xat(td, y, x);
      let d0 = dzat(m0, p);
      let d1 = dzat(m0 + 4u, p);
      let d2 = dzat(m0 + 8u, p);
      let d3 = dzat(m0 + 12u, p);
      aa0 += xa * d0; ab0 += xb * d0; ac0 += xc * d0; ad0 += xd * d0;
      aa1 += xa * d1; ab1 += xb * d1; ac1 += xc * d1; ad1 += xd * d1;
      aa2 += xa * d2; ab2 += xb * d2; ac2 += xc * d2; ad2 += xd * d2;
      aa3 += xa * d3; ab3 += xb * d3; ac3 += xc * d3; ad3 += xd * d3;
      b0 += d0; b1 += d1; b2 += d2; b3 += d3;
      p++;
    }
  }
  if (kb < K) {
    put(kb, m0, aa0); put(kb, m0 + 4u, aa1); put(kb, m0 + 8u, aa2); put(kb, m0 + 12u, aa3);
  }
  if (kb + LANES < K) {
    put(kb + LANES, m0, ab0); put(kb + LANES, m0 + 4u, ab1); put(kb + LANES, m0 + 8u, ab2); put(kb + LANES, m0 + 12u, ab3);
  }
  if (kb + 2u * LANES < K) {
    put(kb + 2u * LANES, m0, ac0); put(kb + 2u * LANES, m0 + 4u, ac1); put(kb + 2u * LANES, m0 + 8u, ac2); put(kb + 2u * LANES, m0 + 12u, ac3);
  }
  if (kb + 3u * LANES < K) {
    put(kb + 3u * LANES, m0, ad0); put(kb + 3u * LANES, m0 + 4u, ad1); put(kb + 3u * LANES, m0 + 8u, ad2); put(kb + 3u * LANES, m0 + 12u, ad3);
  }
  if (wid.x == 0u && li == 0u) {
    let bs = array<vec4f, 4>(b0, b1, b2, b3);
    for (var q = 0u; q < 4u; q++) {
      for (var j = 0u; j < 4u; j++) {
        let m = m0 + 4u * q + j;
        if (m < u.out_c) {
          grads[u.gb_off + m] += bs[q][j];
        }
      }
    }
  }
}
