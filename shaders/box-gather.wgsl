// Appending one pass's boxes to a merge buffer, mapped into the merged coordinates: a tile's kept
// boxes shifted by the tile's origin (sliced inference), or a test-time-augmentation pass's
// candidates de-scaled and un-flipped (Ultralytics _descale_pred) with whole pyramid levels left out
// (_clip_augmented). One invocation per source box.
//   no flip: x' = x·scale + off_x;  flip: x1' = flip_w − x2·scale, x2' = flip_w − x1·scale;  y' = y·scale + off_y.
//   A box is kept when its anchor (field 6) is in [lo, hi); it gets the merged index
//   idx_off + (anchor − lo), or idx_off + its position in the source (by_pos = 1).
//
// src   : 8 f32 per box from f32 index `base` on (0: a candidates buffer; 4: a detections buffer).
// count : the source's count: u32 [0] capped at src_cap (a counters buffer), or f32 [0] (count_f32 = 1:
//         the same detections buffer, bound twice, read-only).
// dst   : dst_cap × 8 f32; dcount: u32 [0] appends tried, [2] lost to the cap (as detect-decode.wgsl).
struct Params {
  src_cap: u32,
  base: u32,
  count_f32: u32,
  lo: u32,
  hi: u32,
  by_pos: u32,
  idx_off: u32,
  flip: u32,
  scale: f32,
  flip_w: f32,
  off_x: f32,
  off_y: f32,
  dst_cap: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> count: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read_write> dcount: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let stored = select(count[0], u32(max(bitcast<f32>(count[0]), 0.0)), u.count_f32 != 0u);
  let n = min(min(stored, u.src_cap), (arrayLength(&src) - u.base) / 8u);
  if (i >= n) {
    return;
  }
  let s = u.base + i * 8u;
  let anchor = u32(src[s + 6u]);
  if (anchor < u.lo || anchor >= u.hi) {
    return;
  }
  var x1 = src[s] * u.scale + u.off_x;
  var x2 = src[s + 2u] * u.scale + u.off_x;
  if (u.flip != 0u) {
    x1 = u.flip_w - src[s + 2u] * u.scale;
    x2 = u.flip_w - src[s] * u.scale;
  }
  let k = atomicAdd(&dcount[0], 1u);
  if (k >= min(u.dst_cap, arrayLength(&dst) / 8u)) {
    atomicAdd(&dcount[2], 1u);
    return;
  }
  let d = k * 8u;
  dst[d] = x1;
  dst[d + 1u] = src[s + 1u] * u.scale + u.off_y;
  dst[d + 2u] = x2;
  dst[d + 3u] = src[s + 3u] * u.scale + u.off_y;
  dst[d + 4u] = src[s + 4u];
  dst[d + 5u] = src[s + 5u];
  dst[d + 6u] = f32(u.idx_off + select(anchor - u.lo, i, u.by_pos != 0u));
  dst[d + 7u] = 0.0;
}
