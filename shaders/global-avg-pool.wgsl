// Classify's nn.AdaptiveAvgPool2d(1): out[c] = Σ_{y,x} in[c, y, x] / (h·w), one invocation per channel,
// summed in row-major order in f32, then divided by h·w (torch's mean).
//
// arena: input (c × h × w) at in_off; output (c × 1 × 1) at out_off.
struct Params {
  in_off: u32,
  c: u32,
  hw: u32,
  out_off: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= u.c) {
    return;
  }
  var s = 0.0;
  let base = u.in_off + c * u.hw;
  for (var i = 0u; i < u.hw; i++) {
    s += arena[base + i];
  }
  arena[u.out_off + c] = s / f32(u.hw);
}
