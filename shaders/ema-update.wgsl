// Ultralytics' ModelEMA update after each optimiser step: ema = d · ema + (1 − d) · p, with
// d = 0.9999 · (1 − exp(−updates / 2000)) computed on the host.
struct Params {
  n: u32,
  d: f32,
}

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read_write> ema: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= u.n) {
    return;
  }
  ema[i] = u.d * ema[i] + (1.0 - u.d) * params[i];
}
