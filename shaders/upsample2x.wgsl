// Nearest-neighbour 2× upsample, nn.Upsample(scale_factor=2, mode='nearest') (YOLO11 neck, layers 11, 14):
//   out[c, y, x] = in[c, y / 2, x / 2]
// One invocation per input element, writing its 2×2 output block: one load for four stores (on CPU
// adapters every access is a per-lane gather or scatter, so loads and index arithmetic count). The
// output may be a channel slice of a concat tensor: it is a View, so only its element offset matters.
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
  let hw = u.h * u.w;
  let i = gid.x + gid.y * nwg.x * WG; // input element index (c, y, x) in c × h × w
  if (i >= u.c * hw) {
    return;
  }
  let c = i / hw;
  let y = (i % hw) / u.w;
  let x = i % u.w;
  let v = arena[u.in_off + i];
  let o = u.out_off + c * 4u * hw + 2u * y * 2u * u.w + 2u * x; // out[c, 2y, 2x]
  arena[o] = v;
  arena[o + 1u] = v;
  arena[o + 2u * u.w] = v;
  arena[o + 2u * u.w + 1u] = v;
}
