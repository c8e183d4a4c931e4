// Segment, after NMS, step 1 of 2: each kept box's mask logits, Ultralytics' masks_in @ protos
// (process_mask_native), only over the part of the proto map that scale_masks keeps (the letterbox
// crop [top, top + ch) × [left, left + cw)). One invocation per (box i, proto pixel of the crop).
//
// arena     : output0 (4 + nc + nm) × anchors at out_off, box coefficient k of anchor a at row
//             row0 + k; protos nm × mh × mw at proto_off.
// detections: [0] kept count, then 8 f32 per box, [6] its anchor (nms-greedy.wgsl).
// logits    : n × ch × cw f32, box-major.
struct Params {
  n: u32,
  nm: u32,
  mh: u32,
  mw: u32,
  proto_off: u32,
  out_off: u32,
  anchors: u32,
  row0: u32,
  top: u32,
  left: u32,
  ch: u32,
  cw: u32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read> detections: array<f32>;
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;
@group(0) @binding(3) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG;
  let plane = u.ch * u.cw;
  if (idx >= u.n * plane || idx >= arrayLength(&logits)) {
    return;
  }
  let i = idx / plane;
  let p = idx % plane;
  let py = u.top + p / u.cw;
  let px = u.left + p % u.cw;
  let a = min(u32(detections[4u + i * 8u + 6u]), u.anchors - 1u);
  let mhw = u.mh * u.mw;
  var s = 0.0;
  for (var k = 0u; k < u.nm; k++) {
    s += arena[u.out_off + (u.row0 + k) * u.anchors + a] * arena[u.proto_off + k * mhw + py * u.mw + px];
  }
  logits[idx] = s;
}
