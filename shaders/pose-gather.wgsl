// Pose, after NMS: each kept box's keypoints from output0 (decoded by head-extra.wgsl, network-input
// pixels) into source-image pixels, as Ultralytics' pose predictor does (ops.scale_coords with
// ratio_pad=None): x = (x − pad_x) / gain, y = (y − pad_y) / gain with the unrounded pad
// ((W − w·gain) / 2, (H − h·gain) / 2), clipped to [0, src_w] × [0, src_h]; visibility unchanged.
// One invocation per (kept box i, keypoint j).
//
// arena     : output0 (4 + nc + K·D) × anchors at out_off; keypoint j of anchor a at rows row0 + j·D + (0, 1[, 2]).
// detections: [0] kept count (f32), then 8 f32 per box, [6] its anchor (nms-greedy.wgsl).
// keypoints : max_det × K × 3 f32 {x, y, visibility} (visibility −1 when D = 2).
struct Params {
  out_off: u32,
  anchors: u32,
  row0: u32,
  k: u32,
  d: u32,
  max_det: u32,
  gain: f32,
  pad_x: f32,
  pad_y: f32,
  src_w: f32,
  src_h: f32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read> detections: array<f32>;
@group(0) @binding(2) var<storage, read_write> keypoints: array<f32>;
@group(0) @binding(3) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG; // i · K + j
  let kept = min(u32(detections[0]), min(u.max_det, (arrayLength(&detections) - 4u) / 8u));
  if (idx >= kept * u.k || (idx + 1u) * 3u > arrayLength(&keypoints)) {
    return;
  }
  let i = idx / u.k;
  let j = idx % u.k;
  let a = min(u32(detections[4u + i * 8u + 6u]), u.anchors - 1u);
  let r = u.out_off + (u.row0 + j * u.d) * u.anchors + a;
  let x = arena[r];
  let y = arena[r + u.anchors];
  keypoints[idx * 3u] = clamp((x - u.pad_x) / u.gain, 0.0, u.src_w);
  keypoints[idx * 3u + 1u] = clamp((y - u.pad_y) / u.gain, 0.0, u.src_h);
  keypoints[idx * 3u + 2u] = select(-1.0, arena[r + 2u * u.anchors], u.d == 3u);
}
