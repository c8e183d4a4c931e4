// Smoke-test kernel: y[i] = a * x[i] + b. Used by the WebGPU smoke tests (Node and Chromium).
struct Params {
  n: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= u.n) {
    return;
  }
  y[i] = u.a * x[i] + u.b;
}
