// Depth-to-space 2× (the second half of Proto's ConvTranspose2d(c, c, 2, stride 2), whose first half is
// a 1×1 conv to 4c channels, src/ops/pixel-shuffle.ts):
//   out[o, 2y + dy, 2x + dx] = in[(2·dy + dx)·c + o, y, x]
// One invocation per output element (coalesced writes).
//
// arena: input (4c × h × w) at in_off; output (c × 2h × 2w) at out_off.

struct Params {
  in_off: u32,
  c: u32,
  h: u32,
  w: u32,
  out_off: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override WG: u32 = 64; // invocations per workgroup (1-D, folded into y by the planner)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let ow = 2u * u.w;
  let ohw = 4u * u.h * u.w;
  let i = gid.x + gid.y * nwg.x * WG; // output element (o, y', x') in c × 2h × 2w
  if (i >= u.c * ohw) {
    return;
  }
  let o = i / ohw;
  let yy = (i % ohw) / ow;
  let xx = i % ow;
  let q = (2u * (yy % 2u) + xx % 2u) * u.c + o;
  arena[u.out_off + i] = arena[u.in_off + (q * u.h + yy / 2u) * u.w + xx / 2u];
}
