// One AdamW step as torch.optim.AdamW does it (decoupled weight decay), after clip_grad_norm_(max_norm)
// on the whole gradient (its squared norm in stats[0]), over the elements [off, off + n) of one
// parameter group; the gradient is cleared for the next accumulation:
//   g = clip · grad;  p *= 1 − lr · wd;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
//   p −= lr / bc1 · m / (sqrt(v) / sqrt(bc2) + eps),   bc1 = 1 − β1^t, bc2 = 1 − β2^t
// 1 − β1, 1 − β2, bc1 and bc2 come from the host in f64 (1 − 0.999 in f32 is off by 1.3e-5, as torch,
// whose Python scalars are doubles, is not).
struct Params {
  off: u32,
  n: u32,
  lr: f32,
  wd: f32,
  beta1: f32,
  beta2: f32,
  c1: f32, // 1 − β1
  c2: f32, // 1 − β2
  bc1: f32,
  bc2: f32,
  eps: f32,
  max_norm: f32,
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * WG;
  if (j >= u.n) {
    return;
  }
  let i = u.off + j;
  let clip = min(1.0, u.max_norm / (sqrt(stats[0]) + 1e-6));
  let g = clip * grad[i];
  let p = params[i] * (1.0 - u.lr * u.wd);
  let mi = u.beta1 * m[i] + u.c1 * g;
  let vi = u.beta2 * v[i] + u.c2 * g * g;
  m[i] = mi;
  v[i] = vi;
  params[i] = p - u.lr / u.bc1 * mi / (sqrt(vi) / sqrt(u.bc2) + u.eps);
  grad[i] = 0.0;
}
