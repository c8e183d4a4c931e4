// EigenCAM step 2 of 4: the Gram matrix's dominant eigenvector by power iteration, in ONE workgroup:
// v ← G v / ‖G v‖ from v = 1/√C, until no component moves by more than TOL (or MAX_IT rounds). The
// sign is then fixed so that Σ v ≥ 0 (an SVD's sign is arbitrary; pytorch-grad-cam keeps LAPACK's).
// v is the first right-singular vector of the centred activations, VT[0] in get_2d_projection.
//
// gram: C × C f32 at g_off; vec: C f32 at v_off; stat: u32, [4k + 2] ‖G v‖ (the eigenvalue, f32 bits)
// and [4k + 3] the rounds taken, k = `layer`.
struct Params {
  c: u32,
  g_off: u32,
  v_off: u32,
  layer: u32,
}

@group(0) @binding(0) var<storage, read> gram: array<f32>;
@group(0) @binding(1) var<storage, read_write> vec: array<f32>;
@group(0) @binding(2) var<storage, read_write> stat: array<u32>;
@group(0) @binding(3) var<uniform> u: Params;

const WG: u32 = 256u;
const MAX_C: u32 = 1024u;
const MAX_IT: u32 = 3000u;
const TOL: f32 = 1e-6;
var<workgroup> v: array<f32, 1024>;
var<workgroup> w: array<f32, 1024>;
var<workgroup> red: array<f32, 256>;
var<workgroup> flag: f32;

// Sum (op 0) or max (op 1) of one value per invocation; every invocation gets the result.
fn reduce(t: u32, x: f32, op: u32) -> f32 {
  red[t] = x;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) {
      red[t] = select(red[t] + red[t + s], max(red[t], red[t + s]), op == 1u);
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    flag = red[0];
  }
  return workgroupUniformLoad(&flag);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32) {
  let c = min(u.c, MAX_C);
  for (var i = t; i < c; i += WG) {
    v[i] = inverseSqrt(f32(c));
  }
  workgroupBarrier();
  var it = 0u;
  var norm = 0.0;
  loop {
    if (it >= MAX_IT) {
      break;
    }
    it++;
    var ss = 0.0;
    for (var i = t; i < c; i += WG) {
      var s = 0.0;
      for (var j = 0u; j < c; j++) {
        s += gram[u.g_off + i * u.c + j] * v[j];
      }
      w[i] = s;
      ss += s * s;
    }
    norm = sqrt(reduce(t, ss, 0u));
    if (!(norm > 0.0)) { // G = 0 (constant activations): any unit vector; the projection is 0
      break;
    }
    var moved = 0.0;
    for (var i = t; i < c; i += WG) {
      let x = w[i] / norm;
      moved = max(moved, abs(x - v[i]));
      v[i] = x;
    }
    if (reduce(t, moved, 1u) < TOL) {
      break;
    }
  }
  var sum = 0.0;
  for (var i = t; i < c; i += WG) {
    sum += v[i];
  }
  let sign = select(1.0, -1.0, reduce(t, sum, 0u) < 0.0);
  for (var i = t; i < c; i += WG) {
    vec[u.v_off + i] = sign * v[i];
  }
  if (t == 0u) {
    stat[4u * u.layer + 2u] = bitcast<u32>(norm);
    stat[4u * u.layer + 3u] = it;
  }
}
