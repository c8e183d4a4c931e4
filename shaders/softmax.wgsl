// Classify's softmax over n logits, in ONE workgroup: the maximum, Σ exp(x − max) (a tree over the
// workgroup's partial sums), then exp(x − max) / Σ.
//
// arena: logits (n) at in_off; probabilities (n) at out_off (may be the same place).
struct Params {
  in_off: u32,
  n: u32,
  out_off: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

const WG: u32 = 256u;
var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32) {
  var m = -3.4e38;
  for (var i = t; i < u.n; i += WG) {
    m = max(m, arena[u.in_off + i]);
  }
  part[t] = m;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s /= 2u) {
    if (t < s) {
      part[t] = max(part[t], part[t + s]);
    }
    workgroupBarrier();
  }
  let mx = part[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var i = t; i < u.n; i += WG) {
    sum += exp(arena[u.in_off + i] - mx);
  }
  part[t] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s /= 2u) {
    if (t < s) {
      part[t] += part[t + s];
    }
    workgroupBarrier();
  }
  let total = part[0];
  workgroupBarrier(); // every lane has read the logits before any lane overwrites them (in place)
  for (var i = t; i < u.n; i += WG) {
    arena[u.out_off + i] = exp(arena[u.in_off + i] - mx) / total;
  }
}
