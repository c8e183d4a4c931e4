// Zero insertion for the input gradient of a stride-2 convolution: dZ (c × h × w) spread over a
// (c × out_h × out_w) plane at the even positions, zeros elsewhere,
//   out[c, 2y, 2x] = in[c, y, x],   out[c, y', x'] = 0 for odd y' or x'
// so that dX = conv(out, W') with stride 1 and the flipped weights (src/train/net.ts), computed by the
// inference kernels. One invocation per output element, neighbouring lanes on neighbouring columns.
//
// arena: in at in_off, out at out_off.
struct Params {
  in_off: u32,
  c: u32,
  h: u32,
  w: u32,
  out_off: u32,
  out_h: u32,
  out_w: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let plane = u.out_h * u.out_w;
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= u.c * plane) {
    return;
  }
  let c = i / plane;
  let y = (i % plane) / u.out_w;
  let x = i % u.out_w;
  let even = y % 2u == 0u && x % 2u == 0u && y / 2u < u.h && x / 2u < u.w;
  let src = u.in_off + c * u.h * u.w + min(y / 2u, u.h - 1u) * u.w + min(x / 2u, u.w - 1u);
  arena[u.out_off + i] = select(0.0, arena[src], even);
}
