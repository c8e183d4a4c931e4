// SPPF's three chained MaxPool2d(k=5, stride 1, pad 2) in one pass. PyTorch pads max-pool with −inf,
// so m(x) = max over the 5×5 window clipped to the image, m(m(x)) = the clipped 9×9 window and
// m(m(m(x))) = the clipped 13×13 window (every valid point within ±4 of p is reachable through a
// valid point between them). One invocation per (c, y, x); writes all three results.
//
// arena: input (c × h × w) at in_off; outputs (c × h × w) at out1, out2, out3 (slices of SPPF's concat).
struct Params {
  in_off: u32,
  c: u32,
  h: u32,
  w: u32,
  out1: u32,
  out2: u32,
  out3: u32,
  r: u32, // radius of the first pool: k / 2
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
  let y = i32((i % hw) / u.w);
  let x = i32(i % u.w);
  let base = u.in_off + c * hw;
  let r1 = i32(u.r);
  var m1 = -0x1.fffffep+127f;
  var m2 = -0x1.fffffep+127f;
  var m3 = -0x1.fffffep+127f;
  for (var dy = -3 * r1; dy <= 3 * r1; dy++) {
    let yy = y + dy;
    if (yy < 0 || yy >= i32(u.h)) {
      continue;
    }
    for (var dx = -3 * r1; dx <= 3 * r1; dx++) {
      let xx = x + dx;
      if (xx < 0 || xx >= i32(u.w)) {
        continue;
      }
      let v = arena[base + u32(yy) * u.w + u32(xx)];
      m3 = max(m3, v);
      let d = max(abs(dy), abs(dx));
      if (d <= 2 * r1) {
        m2 = max(m2, v);
      }
      if (d <= r1) {
        m1 = max(m1, v);
      }
    }
  }
  let o = c * hw + u32(y) * u.w + u32(x);
  arena[u.out1 + o] = m1;
  arena[u.out2 + o] = m2;
  arena[u.out3 + o] = m3;
}
