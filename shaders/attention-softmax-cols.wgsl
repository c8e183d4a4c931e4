// C2PSA attention's softmax between its two GEMMs (src/ops/attention.ts, kernel 'split-sg'): scores
// s[hd][m][n] (key m, query n, already scaled) become exp(s − max_m s) in place, and 1/Σ_m exp(...)
// is written per query, for the output GEMM to apply (attention-gemm-rt-sg.wgsl, PV = true).
// One lane per (query, head), lanes along queries: neighbouring lanes read neighbouring addresses.
//
// arena: scores [heads][N][N] at s_off; 1/Σ [heads][N] at inv_off.
struct Params {
  s_off: u32,
  inv_off: u32,
  n: u32,
  heads: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

const WG: u32 = 64u;
const NEG_MAX: f32 = -0x1.fffffep+127f;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let N = u.n;
  let n = gid.x;
  let hd = gid.y;
  if (n >= N || hd >= u.heads) {
    return;
  }
  let base = u.s_off + hd * N * N + n;
  var mx = NEG_MAX;
  for (var m = 0u; m < N; m++) {
    mx = max(mx, arena[base + m * N]);
  }
  var sum = 0.0;
  for (var m = 0u; m < N; m++) {
    let e = exp(arena[base + m * N] - mx);
    arena[base + m * N] = e;
    sum += e;
  }
  arena[u.inv_off + hd * N + n] = 1.0 / sum;
}
