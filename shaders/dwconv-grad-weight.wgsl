// Depthwise 3×3 convolution backward (groups = C): the gradient w.r.t. the weights and the bias,
//   dW[c, ky, kx] += Σ_p dZ[c, p] · X[c, oy·S − 1 + ky, ox·S − 1 + kx],   dB[c] += Σ_p dZ[c, p]
// (YOLO11's depthwise convolutions, Detect's DWConv and C2PSA's pe, are all 3×3). One workgroup per
// channel; its 64 lanes split the pixel sum (neighbouring lanes, neighbouring pixels), each with 9 + 1
// named accumulators, reduced once through workgroup memory.
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

const LANES: u32 = 64u;
const SUMS: u32 = 10u;

var<workgroup> red: array<f32, 640>; // LANES × SUMS

// The 3 taps of kernel row iy starting at column ix.
fn row(base: u32, iy: i32, ix: i32) -> vec3f {
  let w = i32(u.in_w);
  let rin = iy >= 0 && iy < i32(u.in_h);
  let r = base + u32(clamp(iy, 0, i32(u.in_h) - 1)) * u.in_w;
  let a = select(0.0, arena[r + u32(clamp(ix, 0, w - 1))], rin && ix >= 0 && ix < w);
  let b = select(0.0, arena[r + u32(clamp(ix + 1, 0, w - 1))], rin && ix + 1 >= 0 && ix + 1 < w);
  let c = select(0.0, arena[r + u32(clamp(ix + 2, 0, w - 1))], rin && ix + 2 >= 0 && ix + 2 < w);
  return vec3f(a, b, c);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u) {
  let cw = wid.x + wid.y * nwg.x; // a spare workgroup of a folded grid computes channel C − 1 and writes nothing
  let c = min(cw, u.c - 1u);
  let plane = u.out_h * u.out_w;
  let xb = u.x_off + c * u.in_h * u.in_w;
  let db = u.dz_off + c * plane;
  let s = i32(STRIDE);
  var w0 = vec3f(0.0); // ky = 0, kx = 0..2
  var w1 = vec3f(0.0);
  var w2 = vec3f(0.0);
  var b = 0.0;
  for (var p = li; p < plane; p += LANES) {
    let oy = i32(p / u.out_w) * s - 1;
    let ox = i32(p % u.out_w) * s - 1;
    let d = arena[db + p];
    w0 += d * row(xb, oy, ox);
    w1 += d * row(xb, oy + 1, ox);
    w2 += d * row(xb, oy + 2, ox);
    b += d;
  }
  let base = li * SUMS;
  for (var j = 0u; j < 3u; j++) {
    red[base + j] = w0[j];
    red[base + 3u + j] = w1[j];
    red[base + 6u + j] = w2[j];
  }
  red[base + 9u] = b;
  workgroupBarrier();
  if (li >= SUMS || cw >= u.c) {
    return;
  }
  var t = 0.0;
  for (var l = 0u; l < LANES; l++) {
    t += red[l * SUMS + li];
  }
  if (li < 9u) {
    grads[u.g_off + c * 9u + li] += t;
  } else {
    grads[u.gb_off + c] += t;
  }
}
