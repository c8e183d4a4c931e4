// Nearest 2× upsample backward (shaders/upsample2x.wgsl): each input element received four outputs,
//   dX[c, y, x] += dY[c, 2y, 2x] + dY[c, 2y, 2x + 1] + dY[c, 2y + 1, 2x] + dY[c, 2y + 1, 2x + 1]
// One invocation per input element; dX is accumulated (+=).
//
// arena: dY (c × 2h × 2w) at dy_off, dX (c × h × w) at dx_off.
struct Params {
  dy_off: u32,
  dx_off: u32,
  c: u32,
  h: u32,
  w: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let hw = u.h * u.w;
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= u.c * hw) {
    return;
  }
  let c = i / hw;
  let y = (i % hw) / u.w;
  let x = i % u.w;
  let o = u.dy_off + c * 4u * hw + 2u * y * 2u * u.w + 2u * x; // dY[c, 2y, 2x]
  arena[u.dx_off + i] += arena[o] + arena[o + 1u] + arena[o + 2u * u.w] + arena[o + 2u * u.w + 1u];
}
