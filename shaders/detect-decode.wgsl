// Detect's inference tail in one pass, one invocation per anchor (level 0 row-major, then 1, 2):
//   box  = DFL: softmax over 16 bins per side (l, t, r, b), expectation Σ i·p_i
//   xywh = dist2bbox around the cell centre (x + 0.5, y + 0.5), times the level's stride
//   cls  = sigmoid(logits)
// writes output0 ((4 + nc) × A, exactly ONNX's), and appends candidates whose best score > conf,
// whose best class is allowed and whose values are all finite, through an atomic counter.
//
// arena     : level j head (64 + nc) × h_j × w_j at lv_off[j]; output0 at out_off.
// candidates: max_cand × 8 f32 {x1, y1, x2, y2 (input pixels), score, class, anchor, 0}.
// counters  : [0] candidates appended (may exceed max_cand), [1] anchors dropped as non-finite.
// classmask : bit c of word c / 32 set ⇔ class c allowed.
struct Params {
  lv_off: vec4<u32>,   // x, y, z: level offsets
  lv_h: vec4<u32>,
  lv_w: vec4<u32>,
  out_off: u32,
  nc: u32,
  anchors: u32,
  max_cand: u32,
  conf: f32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read_write> candidates: array<f32>;
@group(0) @binding(2) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read> classmask: array<u32>;
@group(0) @binding(4) var<uniform> u: Params;

override WG: u32 = 64;
const REG: u32 = 16u;

fn finite(v: f32) -> bool {
  return v == v && abs(v) <= 0x1.fffffep+127f;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let a = gid.x + gid.y * nwg.x * WG;
  if (a >= u.anchors) {
    return;
  }
  // Which level, and the cell within it.
  var lv = 0u;
  var i = a;
  var stride = 8.0;
  for (var j = 0u; j < 2u; j++) {
    let n = u.lv_h[lv] * u.lv_w[lv];
    if (i < n) {
      break;
    }
    i -= n;
    lv++;
    stride *= 2.0;
  }
  let hw = u.lv_h[lv] * u.lv_w[lv];
  let base = u.lv_off[lv] + i;
  let ax = f32(i % u.lv_w[lv]) + 0.5;
  let ay = f32(i / u.lv_w[lv]) + 0.5;
  var dist: array<f32, 4>;
  var ok = true;
  for (var s = 0u; s < 4u; s++) {
    var mx = -0x1.fffffep+127f;
    for (var b = 0u; b < REG; b++) {
      mx = max(mx, arena[base + (s * REG + b) * hw]);
    }
    var sum = 0.0;
    var ev = 0.0;
    for (var b = 0u; b < REG; b++) {
      let e = exp(arena[base + (s * REG + b) * hw] - mx);
      sum += e;
      ev += e * f32(b);
    }
    dist[s] = ev / sum;
    ok = ok && finite(dist[s]);
  }
  let x1 = ax - dist[0];
  let y1 = ay - dist[1];
  let x2 = ax + dist[2];
  let y2 = ay + dist[3];
  let o = u.out_off + a;
  arena[o] = (x1 + x2) / 2.0 * stride;
  arena[o + u.anchors] = (y1 + y2) / 2.0 * stride;
  arena[o + 2u * u.anchors] = (x2 - x1) * stride;
  arena[o + 3u * u.anchors] = (y2 - y1) * stride;
  var best = -1.0;
  var cls = 0u;
  for (var c = 0u; c < u.nc; c++) {
    let logit = arena[base + (4u * REG + c) * hw];
    let sc = 1.0 / (1.0 + exp(-logit));
    arena[o + (4u + c) * u.anchors] = sc;
    ok = ok && finite(logit);
    if (sc > best) {
      best = sc;
      cls = c;
    }
  }
  if (!ok) {
    atomicAdd(&counters[1], 1u);
    return;
  }
  // As Ultralytics: the best class over all classes, then the `classes` filter.
  let allowed = (classmask[cls / 32u] & (1u << (cls % 32u))) != 0u;
  if (best > u.conf && allowed) {
    let k = atomicAdd(&counters[0], 1u);
    if (k < u.max_cand) {
      let cx = (x1 + x2) / 2.0 * stride;
      let cy = (y1 + y2) / 2.0 * stride;
      let w = (x2 - x1) * stride;
      let h = (y2 - y1) * stride;
      let c8 = k * 8u;
      candidates[c8] = cx - w / 2.0;
      candidates[c8 + 1u] = cy - h / 2.0;
      candidates[c8 + 2u] = cx + w / 2.0;
      candidates[c8 + 3u] = cy + h / 2.0;
      candidates[c8 + 4u] = best;
      candidates[c8 + 5u] = f32(cls);
      candidates[c8 + 6u] = f32(a);
      candidates[c8 + 7u] = 0.0;
    }
  }
}
