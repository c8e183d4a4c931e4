// NMS step 0 (src/ops/nms.ts, the detector's own plan): the workgroup count of nms-rank.wgsl from the
// decode's candidate count, as dispatchWorkgroupsIndirect's arguments, so that a frame with few
// candidates launches few ranking workgroups (with none, none: a CPU adapter pays for every launched
// workgroup of 256 invocations, each with its barriers, even when it has nothing to rank).
//
// counters: u32 [0] appends tried (detect-decode.wgsl); stored = min(it, max_cand).
// args    : u32 [x, y, z] = [ceil(stored / WG), 1, 1].
struct Params {
  max_cand: u32,
}

@group(0) @binding(0) var<storage, read> counters: array<u32>;
@group(0) @binding(1) var<storage, read_write> args: array<u32>;
@group(0) @binding(2) var<uniform> u: Params;

// nms-rank.wgsl's workgroup size.
override WG: u32 = 256;

@compute @workgroup_size(1)
fn main() {
  let n = min(counters[0], u.max_cand);
  args[0] = (n + WG - 1u) / WG;
  args[1] = 1u;
  args[2] = 1u;
}
