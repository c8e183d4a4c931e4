// Nearest-neighbour 2× upsample, nn.Upsample(scale_factor=2, mode='nearest') (YOLO11 neck, layers 11, 14):
//   out[c, y, x] = in[c, y / 2, x / 2]
// One invocation per output element (coalesced writes). The output may be a channel slice of a
// concat tensor: it is a View, so only its element offset matters.
//
// arena: input (c × h × w) at in_off; output (c × 2h × 2w) at out_off.

struct Params {
  in_off: u32,
  c: u32,
  h: u32,
  w: u32,
  out_off: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override WG: u32 = 64;  // invocations per workgroup (1-D, folded into y by the planner)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let ow = 2u * u.w;
  let ohw = 4u * u.h * u.w;
  let i = gid.x + gid.y * nwg.x * WG; // output element index (c, y, x) in c × 2h × 2w
  if (i >= u.c * ohw) {
    return;
  }
  let c = i / ohw;
  let y = (i % ohw) / ow;
  let x = i % ow;
  arena[u.out_off + i] = arena[u.in_off + c * u.h * u.w + (y / 2u) * u.w + x / 2u];
}
