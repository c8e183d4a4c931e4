// NMS step 1 of 2: sort the candidates by score, descending, by ranking them (O(n²), n = stored
// candidates = min(counters[0], max_cand), tiled through workgroup memory):
//   rank(i) = #{j : s_j > s_i, or s_j = s_i and (anchor_j, j) < (anchor_i, i)};  order[rank(i)] = i.
// Equal scores keep anchor order. That is torchvision's nms exactly: it sorts with
// scores.sort(stable=True, descending=True), and Ultralytics hands it candidates in anchor order.
// (The candidates buffer itself is in atomic-append order, which varies from run to run.)
//
// candidates: max_cand × 8 f32, score at +4, anchor at +6 (see detect-decode.wgsl).
// counters  : u32 [0] appends tried (read only here).
// order     : max_cand u32; the first n are written.
struct Params {
  max_cand: u32,
}

@group(0) @binding(0) var<storage, read> candidates: array<f32>;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;
@group(0) @binding(3) var<uniform> u: Params;

override WG: u32 = 256;
var<workgroup> tile: array<vec2<f32>, WG>; // (score, anchor) of WG candidates

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) t: u32) {
  let n = min(min(counters[0], u.max_cand), min(arrayLength(&order), arrayLength(&candidates) / 8u));
  let i = gid.x;
  let live = i < n;
  var s = 0.0;
  var an = 0.0;
  if (live) {
    s = candidates[i * 8u + 4u];
    an = candidates[i * 8u + 6u];
  }
  var r = 0u;
  // Every invocation of the workgroup takes part in every tile (barriers), live or not.
  for (var base = 0u; base < n; base += WG) {
    let j = base + t;
    if (j < n) {
      tile[t] = vec2<f32>(candidates[j * 8u + 4u], candidates[j * 8u + 6u]);
    }
    workgroupBarrier();
    let m = min(WG, n - base);
    for (var k = 0u; k < m; k++) {
      let o = tile[k];
      if (o.x > s || (o.x == s && (o.y < an || (o.y == an && base + k < i)))) {
        r++;
      }
    }
    workgroupBarrier();
  }
  if (live) {
    order[r] = i;
  }
}
