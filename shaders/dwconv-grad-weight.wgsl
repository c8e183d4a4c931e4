// Depthwise 3×3 convolution backward (groups = C): the gradient w.r.t. the weights and the bias,
//   dW[c, ky, kx] += Σ_p dZ[c, p] · X[c, oy·S − 1 + ky, ox·S − 1 + kx],   dB[c] += Σ_p dZ[c, p]
// (YOLO11's depthwise convolutions, Detect's DWConv and C2PSA's pe, are all 3×3). One invocation per
// channel runs the whole pixel sum in 9 + 1 named accumulators: no cross-lane reduction and no barrier
// (costly on CPU adapters, see conv-grad-weight.wgsl).
//
// arena : X (c × in_h × in_w) at x_off, dZ (c × out_h × out_w) at dz_off.
// grads : dW [C][3][3] at g_off, dB [C] at gb_off; both accumulated (+=).
struct Params {
  x_off: u32,
  in_h: u32,
  in_w: u32,
  dz_off: u32,
  out_h: u32,
  out_w: u32,
  c: u32,
  g_off: u32,
  gb_off: u32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override STRIDE: u32 = 1;
override WG: u32 = 16;

// The 3 taps of kernel row iy starting at column ix, 0 outside the input.
fn row(base: u32, iy: i32, ix: i32) -> vec3f {
  let w = i32(u.in_w);
  let rin = iy >= 0 && iy < i32(u.in_h);
  let r = base + u32(clamp(iy, 0, i32(u.in_h) - 1)) * u.in_w;
  let a = select(0.0, arena[r + u32(clamp(ix, 0, w - 1))], rin && ix >= 0 && ix < w);
  let b = select(0.0, arena[r + u32(clamp(ix + 1, 0, w - 1))], rin && ix + 1 >= 0 && ix + 1 < w);
  let c = select(0.0, arena[r + u32(clamp(ix + 2, 0, w - 1))], rin && ix + 2 >= 0 && ix + 2 < w);
  return vec3f(a, b, c);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let cw = gid.x + gid.y * nwg.x * WG;
  let c = min(cw, u.c - 1u);
  let xb = u.x_off + c * u.in_h * u.in_w;
  let db = u.dz_off + c * u.out_h * u.out_w;
  var w0 = vec3f(0.0); // ky = 0, kx = 0..2
  var w1 = vec3f(0.0);
  var w2 = vec3f(0.0);
  var b = 0.0;
  var p = 0u;
  for (var oy = 0u; oy < u.out_h; oy++) {
    let y = i32(oy * STRIDE) - 1;
    for (var ox = 0u; ox < u.out_w; ox++) {
      let x = i32(ox * STRIDE) - 1;
      let d = arena[db + p];
      w0 += d * row(xb, y, x);
      w1 += d * row(xb, y + 1, x);
      w2 += d * row(xb, y + 2, x);
      b += d;
      p++;
    }
  }
  if (cw >= u.c) {
    return;
  }
  let o = u.g_off + c * 9u;
  grads[o] += w0.x;
  grads[o + 1u] += w0.y;
  grads[o + 2u] += w0.z;
  grads[o + 3u] += w1.x;
  grads[o + 4u] += w1.y;
  grads[o + 5u] += w1.z;
  grads[o + 6u] += w2.x;
  grads[o + 7u] += w2.y;
  grads[o + 8u] += w2.z;
  grads[u.gb_off + c] += b;
}
