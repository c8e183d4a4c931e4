// Depthwise KS×KS convolution (groups = C = Cin = Cout), stride STRIDE, zero padding KS/2:
// out[c, y, x] = act(bias[c] + Σ w[c, ky, kx] · in[c, y·s − p + ky, x·s − p + kx]) (+ residual).
// Used by Detect's DWConv (with SiLU). One invocation per output element.
//
// arena   : input (c × in_h × in_w) at in_off, output (c × out_h × out_w) at out_off, residual at res_off.
// weights : raw [C][KS][KS] at w_off, bias [C] at b_off.
struct Params {
  in_off: u32,
  in_h: u32,
  in_w: u32,
  c: u32,
  out_off: u32,
  out_h: u32,
  out_w: u32,
  res_off: u32,
  w_off: u32,
  b_off: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override KS: u32 = 3;
override STRIDE: u32 = 1;
override ACT: bool = true;
override RES: bool = false;
override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let npix = u.out_h * u.out_w;
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= npix * u.c) {
    return;
  }
  let c = i / npix;
  let n = i % npix;
  let oy = i32((n / u.out_w) * STRIDE) - i32(KS / 2u);
  let ox = i32((n % u.out_w) * STRIDE) - i32(KS / 2u);
  let base = u.in_off + c * u.in_h * u.in_w;
  var acc = weights[u.b_off + c];
  var wi = u.w_off + c * KS * KS;
  for (var ky = 0u; ky < KS; ky++) {
    let iy = oy + i32(ky);
    for (var kx = 0u; kx < KS; kx++) {
      let ix = ox + i32(kx);
      if (iy >= 0 && iy < i32(u.in_h) && ix >= 0 && ix < i32(u.in_w)) {
        acc += weights[wi] * arena[base + u32(iy) * u.in_w + u32(ix)];
      }
      wi++;
    }
  }
  var v = acc;
  if (ACT) {
    v = v * (1.0 / (1.0 + exp(-v)));
  }
  if (RES) {
    v += arena[u.res_off + c * npix + n];
  }
  arena[u.out_off + c * npix + n] = v;
}
