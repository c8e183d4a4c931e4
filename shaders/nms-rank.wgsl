// NMS step 1: sort candidates by score, descending, by ranking (O(n²), n = live candidates):
// rank(i) = #{j : s_j > s_i, or s_j = s_i and j < i}; order[rank(i)] = i. Ties keep append order
// (deterministic for a given candidate list; torch's sort is not stable either).
//
// candidates: 8 f32 per candidate, score at +4. counters[0] = appended count (capped at max_cand).
// order     : max_cand u32.
struct Params {
  max_cand: u32,
}

@group(0) @binding(0) var<storage, read> candidates: array<f32>;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;
@group(0) @binding(3) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = min(counters[0], u.max_cand);
  let i = gid.x;
  if (i >= n) {
    return;
  }
  let s = candidates[i * 8u + 4u];
  var r = 0u;
  for (var j = 0u; j < n; j++) {
    let sj = candidates[j * 8u + 4u];
    if (sj > s || (sj == s && j < i)) {
      r++;
    }
  }
  order[r] = i;
}
