// EigenCAM step 3 of 4: each pixel's centred activations projected on the principal direction,
// s_p = Σ_c (X[c][p] − m_c) v_c (get_2d_projection), then ReLU (pytorch-grad-cam's np.maximum(cam, 0));
// the layer map's min and max go to `stat` (values ≥ 0, so their f32 bits order like u32s).
//
// arena: C × P f32 at x_off; mean, vec: C f32 at m_off, v_off; proj: P f32 at p_off;
// stat: u32 [4k] min bits (start at +inf's), [4k + 1] max bits (start at 0), k = `layer`.
struct Params {
  x_off: u32,
  c: u32,
  p: u32,
  m_off: u32,
  v_off: u32,
  p_off: u32,
  layer: u32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> vec: array<f32>;
@group(0) @binding(3) var<storage, read_write> proj: array<f32>;
@group(0) @binding(4) var<storage, read_write> stat: array<atomic<u32>>;
@group(0) @binding(5) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let p = gid.x + gid.y * nwg.x * WG;
  if (p >= u.p) {
    return;
  }
  var s = 0.0;
  for (var c = 0u; c < u.c; c++) {
    let x = arena[u.x_off + c * u.p + p];
    s += (select(x, 0.0, x != x) - mean[u.m_off + c]) * vec[u.v_off + c];
  }
  let r = select(0.0, s, s > 0.0); // +0 for anything not above 0
  proj[u.p_off + p] = r;
  atomicMin(&stat[4u * u.layer], bitcast<u32>(r));
  atomicMax(&stat[4u * u.layer + 1u], bitcast<u32>(r));
}
