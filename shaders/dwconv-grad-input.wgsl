// Depthwise convolution backward (groups = C): the gradient w.r.t. the input,
//   dX[c, iy, ix] += Σ_{ky, kx} W[c, ky, kx] · dZ[c, oy, ox],   oy·S = iy + P − ky, ox·S = ix + P − kx
// (P = KS/2; taps whose oy, ox are not whole or fall outside the output are skipped). One invocation
// per input element, neighbouring lanes on neighbouring pixels; dX is accumulated (+=).
//
// arena   : dZ (c × out_h × out_w) at dz_off, dX (c × in_h × in_w) at dx_off.
// weights : raw [C][KS][KS] at w_off (the forward's layout).
struct Params {
  dz_off: u32,
  out_h: u32,
  out_w: u32,
  dx_off: u32,
  in_h: u32,
  in_w: u32,
  c: u32,
  w_off: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override KS: u32 = 3;
override STRIDE: u32 = 1;
override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let npix = u.in_h * u.in_w;
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= npix * u.c) {
    return;
  }
  let c = i / npix;
  let n = i % npix;
  let iy = i32(n / u.in_w);
  let ix = i32(n % u.in_w);
  let pad = i32(KS / 2u);
  let s = i32(STRIDE);
  let src = u.dz_off + c * u.out_h * u.out_w;
  var acc = 0.0;
  for (var ky = 0u; ky < KS; ky++) {
    let ty = iy + pad - i32(ky);
    let oy = ty / s;
    let oky = ty >= 0 && ty % s == 0 && oy < i32(u.out_h);
    for (var kx = 0u; kx < KS; kx++) {
      let tx = ix + pad - i32(kx);
      let ox = tx / s;
      let ok = oky && tx >= 0 && tx % s == 0 && ox < i32(u.out_w);
      let d = arena[src + u32(clamp(oy, 0, i32(u.out_h) - 1)) * u.out_w + u32(clamp(ox, 0, i32(u.out_w) - 1))];
      acc += select(0.0, weights[u.w_off + (c * KS + ky) * KS + kx] * d, ok);
    }
  }
  arena[u.dx_off + i] += acc;
}
