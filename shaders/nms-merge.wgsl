// Combining the boxes of several passes (SAHI tiles, the whole image), after nms-rank.wgsl sorted
// them: SAHI's greedy non-maximum merging (mode 1, GreedyNMMPostprocess) or its NMS (mode 0,
// NMSPostprocess), in ONE workgroup. Walking the sorted boxes, one not yet taken is kept and takes
// every later untaken box of its class (any class when agnostic) whose metric with it is ≥ t. In
// merge mode, invocation 0 then folds the taken boxes into the keeper in score order, each one whose
// metric with the keeper's box as merged so far is > t (SAHI's has_match): union box, higher score,
// the later box's class on a score tie (get_merged_category). Metric: intersection over the smaller
// area (ios = 1) or over the union; a zero denominator counts as 0. src/post/merge-ref.ts is the reference.
//
// candidates: 8 f32 per box {x1, y1, x2, y2 (image pixels), score, class, index, 0}.
// counters  : u32 [0] boxes appended (capped at max_cand), [2] lost to the cap.
// order     : box indices sorted by score, ties by index (nms-rank.wgsl).
// detections: [0] kept count, [1] boxes appended, [2] 0, [3] lost to the cap (f32), then max_det × 8 f32.
struct Params {
  max_cand: u32,
  max_det: u32,
  agnostic: u32,
  mode: u32, // 1: greedy NMM, 0: NMS
  ios: u32, // 1: intersection over smaller, 0: over union
  thr: f32,
}

@group(0) @binding(0) var<storage, read> candidates: array<f32>;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> detections: array<f32>;
@group(0) @binding(4) var<uniform> u: Params;

const WG: u32 = 256u;
const WORDS: u32 = 938u; // one bit per sorted box, up to 30000 (nms-greedy.wgsl's MAX_NMS)
var<workgroup> taken: array<atomic<u32>, WORDS>;
var<workgroup> group: array<atomic<u32>, WORDS>; // the boxes the current keeper took
var<workgroup> next_r: u32;

fn box_of(i: u32) -> vec4<f32> {
  return vec4<f32>(candidates[i * 8u], candidates[i * 8u + 1u], candidates[i * 8u + 2u], candidates[i * 8u + 3u]);
}

fn metric(a: vec4<f32>, b: vec4<f32>) -> f32 {
  let inter = max(min(a.z, b.z) - max(a.x, b.x), 0.0) * max(min(a.w, b.w) - max(a.y, b.y), 0.0);
  let aa = (a.z - a.x) * (a.w - a.y);
  let ab = (b.z - b.x) * (b.w - b.y);
  let den = select(aa + ab - inter, min(aa, ab), u.ios != 0u);
  return select(0.0, inter / den, den > 0.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32) {
  let n = min(min(counters[0], u.max_cand), min(min(arrayLength(&order), arrayLength(&candidates) / 8u), WORDS * 32u));
  let max_det = min(u.max_det, (arrayLength(&detections) - 4u) / 8u);
  for (var w = t; w < WORDS; w += WG) {
    atomicStore(&taken[w], 0u);
    atomicStore(&group[w], 0u);
  }
  workgroupBarrier();
  var kept = 0u;
  var r = 0u; // sorted position; uniform across the workgroup
  loop {
    if (t == 0u) { // the first position ≥ r not taken, a word at a time
      var q = r;
      loop {
        if (q >= n) {
          break;
        }
        let free = ~atomicLoad(&taken[q / 32u]) & (0xffffffffu << (q % 32u));
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
    let bi = box_of(i);
    let ci = candidates[i * 8u + 5u];
    for (var q = r + 1u + t; q < n; q += WG) {
      let j = order[q];
      if (((atomicLoad(&taken[q / 32u]) >> (q % 32u)) & 1u) != 0u || (u.agnostic == 0u && candidates[j * 8u + 5u] != ci)) {
        continue;
      }
      if (metric(bi, box_of(j)) >= u.thr) {
        atomicOr(&taken[q / 32u], 1u << (q % 32u));
        atomicOr(&group[q / 32u], 1u << (q % 32u));
      }
    }
    workgroupBarrier();
    if (t == 0u) {
      var m = bi;
      var s = candidates[i * 8u + 4u];
      var c = ci;
      for (var w = (r + 1u) / 32u; w < (n + 31u) / 32u; w++) {
        var bits = atomicLoad(&group[w]);
        if (bits == 0u) {
          continue;
        }
        atomicStore(&group[w], 0u);
        loop { // the taken boxes in score order
          if (bits == 0u || u.mode == 0u) {
            break;
          }
          let j = order[w * 32u + countTrailingZeros(bits)];
          bits &= bits - 1u;
          let bj = box_of(j);
          if (metric(m, bj) > u.thr) {
            let sj = candidates[j * 8u + 4u];
            m = vec4<f32>(min(m.xy, bj.xy), max(m.zw, bj.zw));
            c = select(candidates[j * 8u + 5u], c, s > sj);
            s = max(s, sj);
          }
        }
      }
      let o = 4u + kept * 8u;
      detections[o] = m.x;
      detections[o + 1u] = m.y;
      detections[o + 2u] = m.z;
      detections[o + 3u] = m.w;
      detections[o + 4u] = s;
      detections[o + 5u] = c;
      detections[o + 6u] = candidates[i * 8u + 6u];
      detections[o + 7u] = 0.0;
    }
    workgroupBarrier();
    kept++;
    r++;
  }
  if (t == 0u) {
    detections[0] = f32(kept);
    detections[1] = f32(counters[0]);
    detections[2] = 0.0;
    detections[3] = f32(counters[2]);
  }
}
