// C2PSA attention (Ultralytics Attention), one workgroup per (query position n, head hd):
//   q, k, v = qkv.view(heads, 2·KD + HD, N).split([KD, KD, HD])
//   p[m]    = softmax_m(Σ_k q[k, n]·k[k, m] · KD^-0.5)
//   out[hd·HD + d, n] = Σ_m v[d, m]·p[m]  +  pe(v)[hd·HD + d, n]
// where pe is a depthwise 3×3 conv (pad 1, bias, no activation) over v viewed as (heads·HD, h, w).
// The scores row lives in workgroup memory (MAXN floats, ≥ N = h·w).
//
// arena   : qkv (heads·(2·KD + HD) × h × w) at qkv_off; output (heads·HD × h × w) at out_off.
// weights : pe weights [C][3][3] at pe_w, pe bias [C] at pe_b.
struct Params {
  qkv_off: u32,
  out_off: u32,
  h: u32,
  w: u32,
  pe_w: u32,
  pe_b: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override KD: u32 = 32;   // key_dim
override HD: u32 = 64;   // head_dim
override MAXN: u32 = 1600;
const WG: u32 = 64u;

var<workgroup> p: array<f32, MAXN>;
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let n = wid.x;
  let hd = wid.y;
  let N = u.h * u.w;
  let hbase = u.qkv_off + hd * (2u * KD + HD) * N; // this head's q rows
  let kbase = hbase + KD * N;
  let vbase = hbase + 2u * KD * N;
  // Scores and their max.
  var mx = -0x1.fffffep+127f;
  for (var m = t; m < N; m += WG) {
    var s = 0.0;
    for (var k = 0u; k < KD; k++) {
      s += arena[hbase + k * N + n] * arena[kbase + k * N + m];
    }
    s *= u.scale;
    p[m] = s;
    mx = max(mx, s);
  }
  red[t] = mx;
  workgroupBarrier();
  for (var o = WG / 2u; o > 0u; o /= 2u) {
    if (t < o) {
      red[t] = max(red[t], red[t + o]);
    }
    workgroupBarrier();
  }
  let rowmax = red[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var m = t; m < N; m += WG) {
    let e = exp(p[m] - rowmax);
    p[m] = e;
    sum += e;
  }
  red[t] = sum;
  workgroupBarrier();
  for (var o = WG / 2u; o > 0u; o /= 2u) {
    if (t < o) {
      red[t] += red[t + o];
    }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];
  // Weighted sum of v, plus the positional depthwise conv of v at n.
  let y = i32(n / u.w);
  let x = i32(n % u.w);
  for (var d = t; d < HD; d += WG) {
    var acc = 0.0;
    for (var m = 0u; m < N; m++) {
      acc += arena[vbase + d * N + m] * p[m];
    }
    let c = hd * HD + d;
    var pe = weights[u.pe_b + c];
    for (var ky = 0; ky < 3; ky++) {
      let yy = y + ky - 1;
      for (var kx = 0; kx < 3; kx++) {
        let xx = x + kx - 1;
        if (yy >= 0 && yy < i32(u.h) && xx >= 0 && xx < i32(u.w)) {
          pe += weights[u.pe_w + c * 9u + u32(ky * 3 + kx)] * arena[vbase + d * N + u32(yy) * u.w + u32(xx)];
        }
      }
    }
    arena[u.out_off + c * N + n] = acc * inv + pe;
  }
}
