// The rows of output0 after the class scores, one invocation per (row k, anchor a), as Ultralytics'
// Segment._inference / Pose._inference append them:
//   segment (mode 0): mask coefficient k, copied as is
//   pose    (mode 1): keypoint j = k / D, value k % D of kpts_decode (non-export path):
//                     x = (v·2 + (anchor_x − 0.5))·stride = (v·2 + cell_x)·stride, likewise y;
//                     visibility (D = 3) = sigmoid(v)
//
// arena: level j is (64 + nc + n_extra) × lv_h[j] × lv_w[j] at lv_off[j], the extra rows at channel
//        64 + nc + k; output0 (4 + nc + n_extra) × anchors at out_off, row 4 + nc + k.
struct Params {
  lv_off: vec4<u32>, // x, y, z: the three levels (w unused)
  lv_h: vec4<u32>,
  lv_w: vec4<u32>,
  lv_stride: vec4<f32>,
  out_off: u32,
  nc: u32,
  anchors: u32,
  n_extra: u32,
  mode: u32, // 0: copy (segment); 1: keypoints (pose)
  kpt_dim: u32, // D: 2 or 3 (pose)
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override WG: u32 = 64;
const REG: u32 = 16u; // DFL bins per side: the box channels are 4·16
const EXP_MAX: f32 = 88.0; // exp() overflows past ±88.7: clamp first

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG; // k · anchors + a
  if (idx >= u.n_extra * u.anchors) {
    return;
  }
  let k = idx / u.anchors;
  let a = idx % u.anchors;
  var lv = 0u;
  var i = a;
  for (var j = 0u; j < 2u; j++) {
    let n = u.lv_h[lv] * u.lv_w[lv];
    if (i < n) {
      break;
    }
    i -= n;
    lv++;
  }
  let hw = u.lv_h[lv] * u.lv_w[lv];
  let v = arena[u.lv_off[lv] + (4u * REG + u.nc + k) * hw + i];
  var r = v;
  if (u.mode == 1u) {
    let part = k % u.kpt_dim;
    if (part == 2u) {
      r = 1.0 / (1.0 + exp(-clamp(v, -EXP_MAX, EXP_MAX)));
    } else {
      let cell = select(f32(i / u.lv_w[lv]), f32(i % u.lv_w[lv]), part == 0u);
      r = (v * 2.0 + cell) * u.lv_stride[lv];
    }
  }
  arena[u.out_off + (4u + u.nc + k) * u.anchors + a] = r;
}
