// Convolution backward, second pass: adds the first pass's partial sums (binding `sums`, written by
// shaders/conv-grad-weight-1x1.wgsl or shaders/conv-grad-weight-3x3.wgsl) into the gradients,
//   dW[k][co] += Σ_j sums[j][k][co]   (k < K, packed like the weights: [K][cout_pad] at g_off)
//   dB[co]    += Σ_j sums[j][K][co]   (at gb_off)
// One invocation per 4 channels of a row k, in memory order, so neighbouring lanes read neighbouring
// vec4s; the padding columns of the packed gradients are never written.
struct Params {
  p_off: u32,
  parts: u32,
  k: u32,
  out_c: u32,
  cout_pad: u32,
  g_off: u32,
  gb_off: u32,
}

@group(0) @binding(0) var<storage, read> sums: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = u.cout_pad / 4u;
  let n = (u.k + 1u) * row;
  let i = gid.x + gid.y * nwg.x * WG; // folded into y past the per-dimension workgroup limit
  if (i >= n) {
    return;
  }
  let k = i / row;
  let co = (i % row) * 4u;
  if (co >= u.out_c) {
    return;
  }
  var at = u.p_off / 4u + i;
  var s = vec4<f32>();
  for (var j = 0u; j < u.parts; j++) {
    s += sums[at];
    at += n;
  }
  let o = select(u.g_off + k * u.cout_pad, u.gb_off, k == u.k) + co;
  grads[o] += s.x;
  if (co + 1u < u.out_c) {
    grads[o + 1u] += s.y;
  }
  if (co + 2u < u.out_c) {
    grads[o + 2u] += s.z;
  }
  if (co + 3u < u.out_c) {
    grads[o + 3u] += s.w;
  }
}
