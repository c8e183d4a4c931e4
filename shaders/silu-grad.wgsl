// SiLU backward, fused with the Bottleneck residual (the backward of shaders/silu-act.wgsl):
//   dz = dy · σ(z) · (1 + z · (1 − σ(z)))   written over z (z is needed by nothing else afterwards)
//   dr += dy                                 with RES: the residual's gradient
// One invocation per element.
//
// arena: z at z_off (→ dz), dy at dy_off, dr at dr_off (n elements each).
struct Params {
  z_off: u32,
  dy_off: u32,
  dr_off: u32,
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
  let dy = arena[u.dy_off + i];
  let sg = 1.0 / (1.0 + exp(-z));
  arena[u.z_off + i] = dy * sg * (1.0 + z * (1.0 - sg));
  if (RES) {
    arena[u.dr_off + i] += dy;
  }
}
