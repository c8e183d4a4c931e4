// SPPF's three chained MaxPool2d(k = 2R+1, stride 1, pad R), fused into one pass:
//   y1 = m(x), y2 = m(y1), y3 = m(y2)   (Ultralytics SPPF.forward)
// PyTorch pads max-pool with −inf, i.e. each window is clipped to the image. Chaining clipped
// windows gives clipped windows again: y2 = max over the clipped (4R+1)² window and y3 over the
// clipped (6R+1)² window, because any valid pixel r within 2R of p (Chebyshev) is reached through
// the valid pixel q = p + (r − p)/2 (rounded toward p), which is within R of both. (Zero padding,
// as in candle / tinygrad, differs wherever x < 0 near the border.)
// One invocation per (c, y, x) reads the (6R+1)² window once: per row dy it keeps the row maxima
// over |dx| ≤ R, 2R, 3R, then folds them into y1/y2/y3 by |dy|.
//
// arena: x (c × h × w) at in_off; y1, y2, y3 (c × h × w each) at out1, out2, out3 — channel slices
// 1..3 of SPPF's concat tensor (x is slice 0).

struct Params {
  in_off: u32,
  c: u32,
  h: u32,
  w: u32,
  out1: u32,
  out2: u32,
  out3: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override WG: u32 = 64;  // invocations per workgroup (1-D, folded into y by the planner)
override R: i32 = 2;    // radius of one pool: k / 2 (k = 5 in YOLO11)

const NEG_MAX: f32 = -0x1.fffffep+127f; // stands for −inf: every window holds ≥ 1 real pixel

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let hw = u.h * u.w;
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= u.c * hw) {
    return;
  }
  let c = i / hw;
  let p = i % hw;
  let y = i32(p / u.w);
  let x = i32(p % u.w);
  let h = i32(u.h);
  let w = i32(u.w);
  let plane = u.in_off + c * hw;
  // The (6R+1)² window clipped to the image.
  let y0 = max(y - 3 * R, 0);
  let y1 = min(y + 3 * R, h - 1);
  let x0 = max(x - 3 * R, 0);
  let x1 = min(x + 3 * R, w - 1);
  var m1 = NEG_MAX;
  var m2 = NEG_MAX;
  var m3 = NEG_MAX;
  for (var yy = y0; yy <= y1; yy++) {
    let row = plane + u32(yy * w);
    var r1 = NEG_MAX; // max over |dx| ≤ R
    var r2 = NEG_MAX; // max over |dx| ≤ 2R
    var r3 = NEG_MAX; // max over |dx| ≤ 3R
    for (var xx = x0; xx <= x1; xx++) {
      let v = arena[row + u32(xx)];
      let dx = abs(xx - x);
      r3 = max(r3, v);
      r2 = select(r2, max(r2, v), dx <= 2 * R);
      r1 = select(r1, max(r1, v), dx <= R);
    }
    let dy = abs(yy - y);
    m3 = max(m3, r3);
    m2 = select(m2, max(m2, r2), dy <= 2 * R);
    m1 = select(m1, max(m1, r1), dy <= R);
  }
  let o = c * hw + p;
  arena[u.out1 + o] = m1;
  arena[u.out2 + o] = m2;
  arena[u.out3 + o] = m3;
}
