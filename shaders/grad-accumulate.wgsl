// End of a batch: the batch's weight gradient, computed with the per-image loss gradients before the
// batch normaliser was known, joins the step's gradient (Ultralytics accumulates several batches per
// optimiser step), and the batch buffer is cleared for the next batch:
//   grad[i] += scale · gstep[i];  gstep[i] = 0        scale = batch size / max(Σ target scores, 1)
struct Params {
  n: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read_write> grad: array<f32>;
@group(0) @binding(1) var<storage, read_write> gstep: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= u.n) {
    return;
  }
  grad[i] += u.scale * gstep[i];
  gstep[i] = 0.0;
}
