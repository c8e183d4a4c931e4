// NMS step 2 of 2: torchvision.ops.nms's exact greedy walk, in ONE workgroup, on the boxes Ultralytics
// gives it: each box offset by class·7680 px (max_wh; 0 when agnostic), so classes never suppress each
// other; the same f32 operations as torchvision's CPU kernel, so the same rounding. Walking the sorted
// candidates, one not yet suppressed is kept and suppresses every later one whose IoU with it is > t;
// stop after max_det kept. Only the best MAX_NMS candidates enter (Ultralytics max_nms = 30000).
// Kept boxes (without the offset) go back to source-image pixels: Ultralytics scale_boxes (minus the
// letterbox pad, divided by the gain) and clip_boxes (clamped to [0, src_w] × [0, src_h]).
//
// IoU > t is decided exactly, without a division (WGSL's x / y may be 2.5 ULP off): with q = inter/union
// rounded to f32 as torchvision does and t the f64 threshold, q > t ⇔ inter/union > M (or = M when
// iou_tie = 1), M = iou_m·2^iou_e being the rounding midpoint just below the first f32 above t
// (src/ops/nms.ts computes it). inter > M·union is then compared in exact integer arithmetic.
//
// candidates: 8 f32 per candidate {x1, y1, x2, y2 (network-input pixels), score, class, anchor, 0}.
// counters  : u32 [0] appends tried, [1] non-finite anchors, [2] lost to the cap.
// order     : candidate indices sorted by score (nms-rank.wgsl).
// detections: [0] kept count, [1..3] counters[0..2] (all f32), then max_det × 8 f32
//             {x1, y1, x2, y2 (source pixels), score, class, anchor, 0}.
struct Params {
  max_cand: u32,
  max_det: u32,
  agnostic: u32,
  iou_m: u32,
  iou_e: i32,
  iou_tie: u32,
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
const MAX_NMS: u32 = 30000u;
const MAX_WH: f32 = 7680.0;
var<workgroup> suppressed: array<atomic<u32>, 938>; // one bit per sorted candidate: ceil(MAX_NMS / 32)
var<workgroup> next_r: u32;

// Candidate i's box as NMS sees it: offset by class·max_wh unless agnostic.
fn nms_box(i: u32) -> vec4<f32> {
  let off = select(candidates[i * 8u + 5u] * MAX_WH, 0.0, u.agnostic != 0u);
  return vec4<f32>(candidates[i * 8u], candidates[i * 8u + 1u], candidates[i * 8u + 2u], candidates[i * 8u + 3u]) + off;
}

fn area(b: vec4<f32>) -> f32 {
  return (b.z - b.x) * (b.w - b.y);
}

// v = m·2^e exactly, for finite v > 0: (m, e).
fn split(v: f32) -> vec2<i32> {
  let b = bitcast<u32>(v);
  let ex = i32((b >> 23u) & 0xffu);
  if (ex == 0) {
    return vec2<i32>(i32(b & 0x7fffffu), -149);
  }
  return vec2<i32>(i32((b & 0x7fffffu) | 0x800000u), ex - 150);
}

// 64-bit unsigned integers as vec2(hi, lo).
fn mul64(a: u32, b: u32) -> vec2<u32> {
  let p0 = (a & 0xffffu) * (b & 0xffffu);
  let p1 = (a >> 16u) * (b & 0xffffu);
  let p2 = (a & 0xffffu) * (b >> 16u);
  let p3 = (a >> 16u) * (b >> 16u);
  let mid = (p0 >> 16u) + (p1 & 0xffffu) + (p2 & 0xffffu);
  return vec2<u32>(p3 + (p1 >> 16u) + (p2 >> 16u) + (mid >> 16u), (mid << 16u) | (p0 & 0xffffu));
}

fn bitlen64(x: vec2<u32>) -> i32 {
  if (x.x != 0u) {
    return 64 - i32(countLeadingZeros(x.x));
  }
  return 32 - i32(countLeadingZeros(x.y));
}

fn shl64(x: vec2<u32>, s: u32) -> vec2<u32> { // s < 64
  if (s == 0u) {
    return x;
  }
  if (s >= 32u) {
    return vec2<u32>(x.y << (s - 32u), 0u);
  }
  return vec2<u32>((x.x << s) | (x.y >> (32u - s)), x.y << s);
}

// Sign of a·2^ea − p·2^ep, for a, p > 0 below 2^52.
fn cmp_scaled(a: vec2<u32>, ea: i32, p: vec2<u32>, ep: i32) -> i32 {
  let la = bitlen64(a);
  let lp = bitlen64(p);
  if (la + ea != lp + ep) {
    return select(-1, 1, la + ea > lp + ep);
  }
  var x = a; // equal leading bits: align the shorter mantissa on the longer one
  var y = p;
  if (la < lp) {
    x = shl64(a, u32(lp - la));
  } else {
    y = shl64(p, u32(la - lp));
  }
  if (x.x != y.x) {
    return select(-1, 1, x.x > y.x);
  }
  if (x.y != y.y) {
    return select(-1, 1, x.y > y.y);
  }
  return 0;
}

// torchvision: ovr = inter / (area_i + area_j − inter) in f32; suppressed ⇔ ovr > t.
fn suppresses(inter: f32, uni: f32) -> bool {
  if (!(inter > 0.0)) {
    return false; // IoU 0, or 0/0 = NaN: never > t ≥ 0
  }
  if (!(uni > 0.0)) {
    return uni == 0.0; // x/0 = +inf > t; a negative union gives a negative IoU
  }
  let a = split(inter);
  let b = split(uni);
  let c = cmp_scaled(vec2<u32>(0u, u32(a.x)), a.y, mul64(u.iou_m, u32(b.x)), u.iou_e + b.y);
  return c > 0 || (c == 0 && u.iou_tie != 0u);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32) {
  // Bounds: never past the buffers, whatever the uniforms say.
  let n = min(min(min(counters[0], u.max_cand), MAX_NMS), min(arrayLength(&order), arrayLength(&candidates) / 8u));
  let max_det = min(u.max_det, (arrayLength(&detections) - 4u) / 8u);
  for (var w = t; w < 938u; w += WG) {
    atomicStore(&suppressed[w], 0u);
  }
  workgroupBarrier();
  var kept = 0u;
  var r = 0u; // sorted position; uniform across the workgroup
  loop {
    if (t == 0u) { // the first position ≥ r not suppressed, a word at a time
      var q = r;
      loop {
        if (q >= n) {
          break;
        }
        let free = ~atomicLoad(&suppressed[q / 32u]) & (0xffffffffu << (q % 32u));
        if (free != 0u) {
          q = (q & ~31u) + countTrailingZeros(free);
          break;
        }
        q = (q & ~31u) + 32u;
      }
      next_r = q;
    }
    r = workgroupUniformLoad(&next_r);
    if (r >= n || kept >= max_det) {
      break;
    }
    let i = order[r];
    if (t == 0u) {
      let o = 4u + kept * 8u;
      detections[o] = clamp((candidates[i * 8u] - u.pad_x) / u.gain, 0.0, u.src_w);
      detections[o + 1u] = clamp((candidates[i * 8u + 1u] - u.pad_y) / u.gain, 0.0, u.src_h);
      detections[o + 2u] = clamp((candidates[i * 8u + 2u] - u.pad_x) / u.gain, 0.0, u.src_w);
      detections[o + 3u] = clamp((candidates[i * 8u + 3u] - u.pad_y) / u.gain, 0.0, u.src_h);
      detections[o + 4u] = candidates[i * 8u + 4u];
      detections[o + 5u] = candidates[i * 8u + 5u];
      detections[o + 6u] = candidates[i * 8u + 6u];
      detections[o + 7u] = 0.0;
    }
    kept++;
    let bi = nms_box(i);
    let ai = area(bi);
    for (var q = r + 1u + t; q < n; q += WG) {
      if (((atomicLoad(&suppressed[q / 32u]) >> (q % 32u)) & 1u) != 0u) {
        continue;
      }
      let bj = nms_box(order[q]);
      let iw = max(min(bi.z, bj.z) - max(bi.x, bj.x), 0.0);
      let ih = max(min(bi.w, bj.w) - max(bi.y, bj.y), 0.0);
      let inter = iw * ih;
      if (suppresses(inter, ai + area(bj) - inter)) {
        atomicOr(&suppressed[q / 32u], 1u << (q % 32u));
      }
    }
    workgroupBarrier();
    r++;
  }
  if (t == 0u) {
    detections[0] = f32(kept);
    detections[1] = f32(counters[0]);
    detections[2] = f32(counters[1]);
    detections[3] = f32(counters[2]);
  }
}
