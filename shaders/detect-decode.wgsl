// Detect's inference tail in ONE dispatch, one invocation per anchor a (level 0 row-major, then 1, 2):
//   DFL  : per side s = l, t, r, b: softmax over the 16 bins (channel s·16 + bin, Ultralytics'
//          view(b, 4, 16, a)), then the expectation Σ bin·p
//   box  : dist2bbox around the cell centre (x + 0.5, y + 0.5): x1y1 = anchor − lt, x2y2 = anchor + rb,
//          xywh = ((x1y1 + x2y2) / 2, x2y2 − x1y1), times the level's stride
//   cls  : sigmoid(logit)
// It writes output0 exactly like ONNX's `output0`, and appends a candidate when the best class's score
// is > conf, that class is allowed, and the anchor is finite (else it is only counted).
//
// arena      : level j (64 + nc) × lv_h[j] × lv_w[j] f32 at lv_off[j]; output0 (4 + nc) × A at out_off,
//              row r = [cx, cy, w, h, score_0 .. score_nc-1][r].
// candidates : max_cand × 8 f32 {x1, y1, x2, y2 (network-input pixels), score, class, anchor, 0}.
// counters   : u32 [0] appends tried (stored = min(it, max_cand)), [1] anchors dropped as non-finite,
//              [2] candidates lost to the max_cand cap, [3] unused. Cleared before each run.
// classmask  : u32 words; bit c % 32 of word c / 32 set ⇔ class c allowed (Ultralytics `classes`).
struct Params {
  lv_off: vec4<u32>,    // x, y, z: the three levels (w unused)
  lv_h: vec4<u32>,
  lv_w: vec4<u32>,
  lv_stride: vec4<f32>, // 8, 16, 32
  out_off: u32,
  nc: u32,
  anchors: u32,         // A = Σ h_j·w_j
  max_cand: u32,
  conf: f32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read_write> candidates: array<f32>;
@group(0) @binding(2) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read> classmask: array<u32>;
@group(0) @binding(4) var<uniform> u: Params;

override WG: u32 = 64;
const REG: u32 = 16u; // REG_MAX bins per side
// exp() overflows past ±88.7 (WGSL leaves the overflowed result indeterminate): clamp logits first.
const EXP_MAX: f32 = 88.0;

// Not NaN and not ±Inf, from the bits (a compiler may fold `v != v` away).
fn finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let a = gid.x + gid.y * nwg.x * WG; // grid1d may fold the grid into y
  if (a >= u.anchors) {
    return;
  }
  // Level and cell of anchor a.
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
  let base = u.lv_off[lv] + i; // channel c of this cell is arena[base + c·hw]
  let stride = u.lv_stride[lv];
  let ax = f32(i % u.lv_w[lv]) + 0.5;
  let ay = f32(i / u.lv_w[lv]) + 0.5;

  // DFL: softmax over 16 bins, expectation.
  var ok = true; // every logit and every output value finite
  var dist: array<f32, 4>;
  for (var s = 0u; s < 4u; s++) {
    var mx = -3.0e38;
    for (var b = 0u; b < REG; b++) {
      let v = arena[base + (s * REG + b) * hw];
      ok = ok && finite(v);
      mx = max(mx, v);
    }
    var sum = 0.0;
    var ev = 0.0;
    for (var b = 0u; b < REG; b++) {
      let e = exp(max(arena[base + (s * REG + b) * hw] - mx, -EXP_MAX));
      sum += e;
      ev += e * f32(b);
    }
    dist[s] = ev / sum;
  }
  // dist2bbox (xywh), × stride: the same operations as Ultralytics, in the same order.
  let x1 = ax - dist[0];
  let y1 = ay - dist[1];
  let x2 = ax + dist[2];
  let y2 = ay + dist[3];
  let cx = (x1 + x2) * 0.5 * stride;
  let cy = (y1 + y2) * 0.5 * stride;
  let w = (x2 - x1) * stride;
  let h = (y2 - y1) * stride;
  let o = u.out_off + a;
  arena[o] = cx;
  arena[o + u.anchors] = cy;
  arena[o + 2u * u.anchors] = w;
  arena[o + 3u * u.anchors] = h;
  ok = ok && finite(cx) && finite(cy) && finite(w) && finite(h);

  // Class scores; the best one (the first of equal maxima, as torch's max).
  var best = -1.0;
  var cls = 0u;
  for (var c = 0u; c < u.nc; c++) {
    let logit = arena[base + (4u * REG + c) * hw];
    ok = ok && finite(logit);
    let sc = 1.0 / (1.0 + exp(-clamp(logit, -EXP_MAX, EXP_MAX)));
    arena[o + (4u + c) * u.anchors] = select(sc, logit, is_nan(logit)); // sigmoid(±inf) = 1 / 0, NaN stays NaN
    if (sc > best) {
      best = sc;
      cls = c;
    }
  }
  if (!ok) {
    atomicAdd(&counters[1], 1u);
    return;
  }
  // As Ultralytics: the best class over all classes first, then the `classes` filter.
  let allowed = cls / 32u < arrayLength(&classmask) && (classmask[cls / 32u] & (1u << (cls % 32u))) != 0u;
  if (!(best > u.conf) || !allowed) {
    return;
  }
  let k = atomicAdd(&counters[0], 1u);
  if (k >= min(u.max_cand, arrayLength(&candidates) / 8u)) {
    atomicAdd(&counters[2], 1u);
    return;
  }
  // xywh2xyxy from the very f32 values written to output0 (so NMS on output0 sees the same boxes).
  let c8 = k * 8u;
  candidates[c8] = cx - w * 0.5;
  candidates[c8 + 1u] = cy - h * 0.5;
  candidates[c8 + 2u] = cx + w * 0.5;
  candidates[c8 + 3u] = cy + h * 0.5;
  candidates[c8 + 4u] = best;
  candidates[c8 + 5u] = f32(cls);
  candidates[c8 + 6u] = f32(a);
  candidates[c8 + 7u] = 0.0;
}
