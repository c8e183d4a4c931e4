// One SGD step as torch.optim.SGD(momentum, nesterov=True, weight_decay) does it, after
// clip_grad_norm_(max_norm) on the whole gradient (its squared norm in stats[0]), over the elements
// [off, off + n) of one parameter group; the gradient is cleared for the next accumulation:
//   g = clip · grad + wd · p;  buf = μ · buf + g;  p −= lr · (g + μ · buf)
// (torch starts buf at g, which μ · 0 + g equals).
struct Params {
  off: u32,
  n: u32,
  lr: f32,
  momentum: f32,
  wd: f32,
  max_norm: f32,
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * WG;
  if (j >= u.n) {
    return;
  }
  let i = u.off + j;
  let clip = min(1.0, u.max_norm / (sqrt(stats[0]) + 1e-6));
  let p = params[i];
  let g = clip * grad[i] + u.wd * p;
  let b = u.momentum * m[i] + g;
  m[i] = b;
  params[i] = p - u.lr * (g + u.momentum * b);
  grad[i] = 0.0;
}
