// The squared L2 norm of the gradient (for torch.nn.utils.clip_grad_norm_), in two passes of this
// kernel: FINAL = false sums src[i]² over CHUNK elements per workgroup into dst[workgroup]; FINAL = true
// (one workgroup) sums those partials into dst[0]. 64 lanes, neighbouring lanes on neighbouring
// elements, then a tree through workgroup memory.
struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override FINAL: bool = false;
override CHUNK: u32 = 4096; // elements per workgroup (FINAL: all of them)

var<workgroup> part: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u) {
  let g = wid.x + wid.y * nwg.x;
  let start = g * CHUNK;
  let end = min(start + CHUNK, u.n);
  var s = 0.0;
  for (var i = start + li; i < end; i += 64u) {
    let v = src[i];
    s += select(v * v, v, FINAL);
  }
  part[li] = s;
  workgroupBarrier();
  for (var k = 32u; k > 0u; k >>= 1u) {
    if (li < k) {
      part[li] += part[li + k];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    dst[g] = part[0];
  }
}
