// EigenCAM step 1 of 4 (src/explain/eigencam.ts): the C × C Gram matrix of a layer's activations
// centred per channel, G[i][j] = Σ_p (X[i][p] − m_i)(X[j][p] − m_j) over its P = h·w pixels, with
// m_c = mean_p X[c][p] (computed here too, by the workgroups on the diagonal: mode 0 writes the means,
// mode 1 the Gram, so one shader serves both dispatches). 16 × 16 tiles of G per workgroup, P in
// chunks of 16 through workgroup memory. NaN activations count as 0 (pytorch-grad-cam does so).
//
// arena: C × P f32 at x_off; mean: C f32 at m_off; gram: C × C f32 at g_off.
struct Params {
  x_off: u32,
  c: u32,
  p: u32,
  m_off: u32,
  g_off: u32,
  mode: u32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> gram: array<f32>;
@group(0) @binding(3) var<uniform> u: Params;

const T: u32 = 16u;
var<workgroup> a: array<array<f32, 16>, 16>; // [channel in tile][pixel in chunk]
var<workgroup> b: array<array<f32, 16>, 16>;
var<workgroup> part: array<f32, 256>;

fn x(c: u32, p: u32) -> f32 {
  let v = arena[u.x_off + c * u.p + p];
  return select(v, 0.0, v != v);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let t = l.y * T + l.x;
  if (u.mode == 0u) { // mean of channel wg.x (+ 65535·wg.y): 256 invocations over P
    let c = wg.x + wg.y * 65535u;
    var s = 0.0;
    if (c < u.c) {
      for (var p = t; p < u.p; p += 256u) {
        s += x(c, p);
      }
    }
    part[t] = s;
    workgroupBarrier();
    for (var w = 128u; w > 0u; w >>= 1u) {
      if (t < w) {
        part[t] += part[t + w];
      }
      workgroupBarrier();
    }
    if (t == 0u && c < u.c) {
      mean[u.m_off + c] = part[0] / f32(u.p);
    }
    return;
  }
  let i0 = wg.y * T;
  let j0 = wg.x * T;
  let i = i0 + l.y;
  let j = j0 + l.x;
  var acc = 0.0;
  for (var p0 = 0u; p0 < u.p; p0 += T) {
    // a[r][k] = X[i0 + r][p0 + k] − m, b[r][k] = X[j0 + r][p0 + k] − m (zero outside).
    let ra = i0 + l.y;
    let rb = j0 + l.y;
    let pk = p0 + l.x;
    a[l.y][l.x] = select(0.0, x(ra, pk) - mean[u.m_off + ra], ra < u.c && pk < u.p);
    b[l.y][l.x] = select(0.0, x(rb, pk) - mean[u.m_off + rb], rb < u.c && pk < u.p);
    workgroupBarrier();
    for (var k = 0u; k < T; k++) {
      acc += a[l.y][k] * b[l.x][k];
    }
    workgroupBarrier();
  }
  if (i < u.c && j < u.c) {
    gram[u.g_off + i * u.c + j] = acc;
  }
}
