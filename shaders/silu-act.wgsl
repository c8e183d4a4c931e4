// Training forward: the activation of a convolution whose pre-activation z is kept for the backward,
//   y = z · σ(z) (+ r with RES: the Bottleneck's residual, added after the activation)
// One invocation per element; y may be a channel slice of a concat tensor (a View: only its offset
// matters, the slice is contiguous).
//
// arena: z at z_off, y at y_off, residual r at res_off (n elements each).
struct Params {
  z_off: u32,
  y_off: u32,
  res_off: u32,
  n: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override RES: bool = false;
override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= u.n) {
    return;
  }
  let z = arena[u.z_off + i];
  var y = z * (1.0 / (1.0 + exp(-z)));
  if (RES) {
    y += arena[u.res_off + i];
  }
  arena[u.y_off + i] = y;
}
