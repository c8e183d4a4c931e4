// NMS step 2: exact greedy suppression (torchvision.ops.nms) in ONE workgroup. Walk candidates in
// score order; a candidate not yet suppressed is kept, and suppresses every later candidate of the
// same class (any class when agnostic) whose IoU with it is > iou. Stops after max_det kept. Kept
// boxes are mapped back to source-image pixels (Ultralytics scale_boxes: subtract the letterbox pad,
// divide by the gain, clip to the image).
//
// detections: [0] kept count, [1..3] 0, then max_det × 8 f32 {x1, y1, x2, y2, score, class, anchor, 0}.
struct Params {
  max_cand: u32,
  max_det: u32,
  agnostic: u32,
  iou: f32,
  gain: f32,
  pad_x: f32,
  pad_y: f32,
  src_w: f32,
  src_h: f32,
}

@group(0) @binding(0) var<storage, read> candidates: array<f32>;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> detections: array<f32>;
@group(0) @binding(4) var<uniform> u: Params;

const WG: u32 = 256u;
// Suppression bits for up to MAXC sorted candidates (workgroup memory: MAXC / 8 bytes).
override MAXC: u32 = 16384;
var<workgroup> suppressed: array<atomic<u32>, MAXC / 32>;
var<workgroup> keep_this: u32;

fn box(i: u32) -> vec4<f32> {
  return vec4<f32>(candidates[i * 8u], candidates[i * 8u + 1u], candidates[i * 8u + 2u], candidates[i * 8u + 3u]);
}

fn area(b: vec4<f32>) -> f32 {
  return (b.z - b.x) * (b.w - b.y);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32) {
  let n = min(min(counters[0], u.max_cand), MAXC);
  for (var w = t; w < MAXC / 32u; w += WG) {
    atomicStore(&suppressed[w], 0u);
  }
  var kept = 0u;
  workgroupBarrier();
  for (var r = 0u; r < n; r++) {
    if (t == 0u) {
      let s = (atomicLoad(&suppressed[r / 32u]) >> (r % 32u)) & 1u;
      keep_this = 1u - s;
    }
    let keep = workgroupUniformLoad(&keep_this);
    if (keep == 0u) {
      continue;
    }
    let i = order[r];
    let bi = box(i);
    let ci = candidates[i * 8u + 5u];
    if (t == 0u) {
      let o = 4u + kept * 8u;
      let g = u.gain;
      detections[o] = clamp((bi.x - u.pad_x) / g, 0.0, u.src_w);
      detections[o + 1u] = clamp((bi.y - u.pad_y) / g, 0.0, u.src_h);
      detections[o + 2u] = clamp((bi.z - u.pad_x) / g, 0.0, u.src_w);
      detections[o + 3u] = clamp((bi.w - u.pad_y) / g, 0.0, u.src_h);
      detections[o + 4u] = candidates[i * 8u + 4u];
      detections[o + 5u] = ci;
      detections[o + 6u] = candidates[i * 8u + 6u];
      detections[o + 7u] = 0.0;
    }
    kept++;
    if (kept >= u.max_det) {
      break;
    }
    let ai = area(bi);
    for (var q = r + 1u + t; q < n; q += WG) {
      let j = order[q];
      if (u.agnostic == 0u && candidates[j * 8u + 5u] != ci) {
        continue;
      }
      let bj = box(j);
      let iw = max(min(bi.z, bj.z) - max(bi.x, bj.x), 0.0);
      let ih = max(min(bi.w, bj.w) - max(bi.y, bj.y), 0.0);
      let inter = iw * ih;
      if (inter / (ai + area(bj) - inter) > u.iou) {
        atomicOr(&suppressed[q / 32u], 1u << (q % 32u));
      }
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    detections[0] = f32(kept);
    detections[1] = 0.0;
    detections[2] = 0.0;
    detections[3] = 0.0;
  }
}
