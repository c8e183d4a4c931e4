// C2PSA attention (Ultralytics Attention.forward between qkv and proj), in one pass:
//   q, k, v = qkv.view(heads, 2·KD + HD, N).split([KD, KD, HD])          N = h·w
//   p[n, m] = softmax_m(Σ_j q[j, n]·k[j, m] · scale)                     scale = KD^-0.5
//   out[hd·HD + d, n] = Σ_m v[d, m]·p[n, m] + pe(v)[hd·HD + d, n]
// where pe is a depthwise 3×3 conv (stride 1, pad 1, bias, no activation) over v viewed as
// (heads·HD, h, w). The N × N scores never leave the workgroup: flash-attention style, keys are
// visited in tiles of HD with an online (running-max) softmax, which is numerically stable.
//
// Workgroup (tile of TQ query positions n0.., head hd) = HD invocations; invocation t
//   - scores key m0 + t of the current key tile against the TQ queries,
//   - owns output channel d = t: acc[i] = Σ_m v[t, m]·exp(s[i, m] − rowmax[i]) for the TQ queries.
//
// arena   : qkv (heads·(2·KD + HD) × h × w) at qkv_off; out (heads·HD × h × w) at out_off.
// weights : pe weight OIHW [C][1][3][3] at pe_w, pe bias [C] at pe_b (C = heads·HD).

struct Params {
  qkv_off: u32,
  out_off: u32,
  h: u32,
  w: u32,
  heads: u32,
  pe_w: u32,
  pe_b: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override KD: u32 = 32;  // key_dim, ≤ MAX_KD
override HD: u32 = 64;  // head_dim = invocations per workgroup = keys per tile, TQ ≤ HD ≤ MAX_HD
override TQ: u32 = 16;  // query positions per workgroup, ≤ MAX_TQ

const MAX_KD: u32 = 64u;   // Ultralytics: key_dim = head_dim / 2 < 64
const MAX_HD: u32 = 128u;  // Ultralytics: head_dim = c / (c // 64) ∈ [64, 128)
const MAX_TQ: u32 = 16u;
const NEG_MAX: f32 = -0x1.fffffep+127f; // running max before the first key

var<workgroup> qs: array<f32, MAX_KD * MAX_TQ>;  // qs[j·TQ + i] = q[j, n0 + i]
var<workgroup> ps: array<f32, MAX_TQ * MAX_HD>;  // ps[i·HD + t]: score, then exp(score − rowmax), of key m0 + t
var<workgroup> rowmax: array<f32, MAX_TQ>;       // running max of query i's scores
var<workgroup> alpha: array<f32, MAX_TQ>;        // exp(old rowmax − new rowmax) for this tile
var<workgroup> rowsum: array<f32, MAX_TQ>;       // running Σ_m exp(s[i, m] − rowmax[i])

@compute @workgroup_size(HD)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let N = u.h * u.w;
  let n0 = wid.x * TQ;
  let hd = wid.y;
  if (hd >= u.heads || n0 >= N) {
    return; // workgroup-uniform: no barrier is skipped by part of a workgroup
  }
  let qb = u.qkv_off + hd * (2u * KD + HD) * N; // q[j, n] = arena[qb + j·N + n]
  let kb = qb + KD * N;                          // k[j, m]
  let vb = kb + KD * N;                          // v[d, m]
  for (var e = t; e < KD * TQ; e += HD) {
    let n = n0 + e % TQ;
    qs[e] = select(0.0, arena[qb + (e / TQ) * N + n], n < N);
  }
  if (t < TQ) {
    rowmax[t] = NEG_MAX;
    rowsum[t] = 0.0;
  }
  var acc: array<f32, MAX_TQ>;
  for (var i = 0u; i < TQ; i++) {
    acc[i] = 0.0;
  }
  for (var m0 = 0u; m0 < N; m0 += HD) {
    workgroupBarrier(); // qs/rowmax ready; the previous tile's ps fully consumed
    // 1. Scores of key m against the TQ queries (keys past N get NEG_MAX, i.e. weight 0).
    let m = m0 + t;
    // Zeroed explicitly: Chromium's SwiftShader was seen to keep a loop-local array's values from
    // the previous iteration despite WGSL's zero-initialisation.
    var s: array<f32, MAX_TQ>;
    if (m < N) {
      for (var i = 0u; i < TQ; i++) {
        s[i] = 0.0;
      }
      for (var j = 0u; j < KD; j++) {
        let kv = arena[kb + j * N + m];
        for (var i = 0u; i < TQ; i++) {
          s[i] += qs[j * TQ + i] * kv;
        }
      }
      for (var i = 0u; i < TQ; i++) {
        s[i] *= u.scale;
      }
    } else {
      for (var i = 0u; i < TQ; i++) {
        s[i] = NEG_MAX;
      }
    }
    for (var i = 0u; i < TQ; i++) {
      ps[i * HD + t] = s[i];
    }
    workgroupBarrier();
    // 2. New running max of each query row (invocation i owns row i).
    if (t < TQ) {
      let old = rowmax[t];
      var mx = old;
      for (var j = 0u; j < HD; j++) {
        mx = max(mx, ps[t * HD + j]);
      }
      alpha[t] = select(exp(old - mx), 0.0, old == NEG_MAX);
      rowmax[t] = mx;
    }
    workgroupBarrier();
    // 3. Unnormalised probabilities of key m.
    for (var i = 0u; i < TQ; i++) {
      ps[i * HD + t] = select(0.0, exp(s[i] - rowmax[i]), m < N);
    }
    workgroupBarrier();
    // 4. Rescale and accumulate: row sums (invocation i) and Σ_m v[t, m]·p[i, m] (channel t).
    let kn = min(HD, N - m0);
    if (t < TQ) {
      var sum = 0.0;
      for (var j = 0u; j < kn; j++) {
        sum += ps[t * HD + j];
      }
      rowsum[t] = rowsum[t] * alpha[t] + sum;
    }
    for (var i = 0u; i < TQ; i++) {
      acc[i] *= alpha[i];
    }
    let vrow = vb + t * N + m0;
    for (var j = 0u; j < kn; j++) {
      let vv = arena[vrow + j];
      for (var i = 0u; i < TQ; i++) {
        acc[i] += ps[i * HD + j] * vv;
      }
    }
  }
  workgroupBarrier(); // rowsum final
  // 5. out[c, n] = acc / rowsum + pe(v)[c, n], c = hd·HD + t.
  let c = hd * HD + t;
  let vplane = vb + t * N;
  let h = i32(u.h);
  let w = i32(u.w);
  for (var i = 0u; i < TQ; i++) {
    let n = n0 + i;
    if (n >= N) {
      break;
    }
    let y = i32(n / u.w);
    let x = i32(n % u.w);
    var pe = weights[u.pe_b + c];
    for (var ky = 0; ky < 3; ky++) {
      let yy = y + ky - 1;
      for (var kx = 0; kx < 3; kx++) {
        let xx = x + kx - 1;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
          pe += weights[u.pe_w + c * 9u + u32(ky * 3 + kx)] * arena[vplane + u32(yy * w + xx)];
        }
      }
    }
    arena[u.out_off + c * N + n] = acc[i] / rowsum[i] + pe;
  }
}
