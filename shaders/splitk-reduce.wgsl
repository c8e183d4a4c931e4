// The sum of a split-K convolution's partial GEMMs (src/ops/conv.ts planSplitK): out[c][p] = the sum over
// s < parts of in[s][c][p], plus the bias, then SiLU (act) and the residual, as the other convolution
// kernels. One invocation per output pixel and channel; lanes run along pixels (neighbouring lanes,
// neighbouring addresses).
//
// arena  : activations, f32; partials at in_off (parts × out_c × npix), output and residual (out_c × npix).
// weights: the bias [out_c] at b_off.
struct Params {
  in_off: u32,
  parts: u32,
  out_off: u32,
  out_c: u32,
  npix: u32,
  res_off: u32,
  b_off: u32,
  act: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;
override RES: u32 = 0;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let p = gid.x;
  let c = gid.y;
  if (p >= u.npix) {
    return; // a branch, not a clamped copy: an in-place residual must be added once
  }
  let i = c * u.npix + p;
  let step = u.out_c * u.npix;
  var s = 0.0;
  for (var k = 0u; k < u.parts; k++) {
    s += arena[u.in_off + k * step + i];
  }
  s += weights[u.b_off + c];
  if (u.act != 0u) {
    s = s / (1.0 + exp(-s));
  }
  if (RES != 0u) {
    s += arena[u.res_off + i];
  }
  arena[u.out_off + i] = s;
}
