// Test-time augmentation's input for one scale, from the letterboxed network input of another plan:
// Ultralytics scale_img(img.flip(3) if flip else img, ratio, gs=32): optionally flipped left-right,
// resized to new_h × new_w with F.interpolate(mode='bilinear', align_corners=False) (no antialias:
// source coordinate (d + 0.5)·in/out − 0.5, clamped at 0; the upper neighbour clamped at the edge),
// then padded right and bottom with 0.447 to out_h × out_w. One invocation per output pixel, 3 planes.
//
// src: 3 × in_h × in_w f32 at in_off (one plan's arena); dst: 3 × out_h × out_w f32 at out_off (another's).
struct Params {
  in_w: u32,
  in_h: u32,
  in_off: u32,
  new_w: u32,
  new_h: u32,
  out_w: u32,
  out_h: u32,
  out_off: u32,
  flip: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;
const PAD: f32 = 0.447; // Ultralytics: the ImageNet mean

// PyTorch's linear source index and weight for output index d: (i0, i1, lambda).
fn axis(d: u32, n_in: u32, n_out: u32) -> vec3<f32> {
  let scale = f32(n_in) / f32(n_out);
  let s = max(scale * (f32(d) + 0.5) - 0.5, 0.0);
  let i0 = min(u32(floor(s)), n_in - 1u);
  let i1 = min(i0 + 1u, n_in - 1u);
  return vec3<f32>(f32(i0), f32(i1), s - f32(i0));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let plane = u.out_w * u.out_h;
  if (i >= plane) {
    return;
  }
  let x = i % u.out_w;
  let y = i / u.out_w;
  let in_plane = u.in_w * u.in_h;
  for (var c = 0u; c < 3u; c++) {
    var v = PAD;
    if (x < u.new_w && y < u.new_h) {
      let ax = axis(x, u.in_w, u.new_w);
      let ay = axis(y, u.in_h, u.new_h);
      var x0 = u32(ax.x);
      var x1 = u32(ax.y);
      if (u.flip != 0u) { // flipped image column k is column in_w − 1 − k
        x0 = u.in_w - 1u - x0;
        x1 = u.in_w - 1u - x1;
      }
      let r0 = u.in_off + c * in_plane + u32(ay.x) * u.in_w;
      let r1 = u.in_off + c * in_plane + u32(ay.y) * u.in_w;
      let top = (1.0 - ax.z) * src[r0 + x0] + ax.z * src[r0 + x1];
      let bottom = (1.0 - ax.z) * src[r1 + x0] + ax.z * src[r1 + x1];
      v = (1.0 - ay.z) * top + ay.z * bottom;
    }
    dst[u.out_off + c * plane + i] = v;
  }
}
