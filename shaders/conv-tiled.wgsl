// Convolution (groups = 1, any KS and STRIDE) as an implicit GEMM with workgroup-memory tiles, for
// GPUs: M = Cout, N = Hout·Wout, K = Cin·KS·KS. A workgroup of WX × WY invocations computes a
// (4·WY channels) × (4·WX pixels) output tile, 4 channels × 4 pixels per invocation (vec4 over
// pixels), stepping through K in slices of BK rows: each slice of the packed weights (BK × 4·WY,
// loaded as vec4) and of the im2col input (BK × 4·WX, 4 neighbouring pixels per invocation, zero
// padded) is staged in workgroup memory once and read by every invocation of the tile. Needs
// BK·WY ≤ WX·WY and BK·WX ≤ WX·WY (one vec4 of each per invocation per slice). Same epilogue and
// addressing as the other convolution kernels.
//
// arena   : input at in_off, output at out_off, residual at res_off (NCHW, f32).
// weights : packed [K][cout_pad] at w_off (cout_pad a multiple of 16); bias [Cout] at b_off.
struct Params {
  in_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  out_off: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  w_off: u32,
  b_off: u32,
  res_off: u32,
  cout_pad: u32,
  act: u32,
  res: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> u: Params;

override KS: u32 = 3;
override STRIDE: u32 = 1;
override WX: u32 = 16;
override WY: u32 = 16;
override BK: u32 = 16;

var<workgroup> ws: array<vec4<f32>, BK * WY>; // [k][channel quad]
var<workgroup> xs: array<vec4<f32>, BK * WX>; // [k][pixel quad]

/** Input value at row k of the im2col matrix, output pixel n (0 in the padding or past the end). */
fn im2col(k: u32, n: u32, K: u32, npix: u32) -> f32 {
  if (k >= K || n >= npix) {
    return 0.0;
  }
  let ci = k / (KS * KS);
  let r = k % (KS * KS);
  let iy = i32((n / u.out_w) * STRIDE + r / KS) - i32(KS / 2u);
  let ix = i32((n % u.out_w) * STRIDE + r % KS) - i32(KS / 2u);
  if (iy < 0 || iy >= i32(u.in_h) || ix < 0 || ix >= i32(u.in_w)) {
    return 0.0;
  }
  return arena[u.in_off + (ci * u.in_h + u32(iy)) * u.in_w + u32(ix)];
}

@compute @workgroup_size(WX, WY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let npix = u.out_h * u.out_w;
  let K = u.in_c * KS * KS;
  // Pixel tiles along x, folded into z past the per-dimension workgroup limit.
  let n0 = (wid.x + wid.z * nwg.x) * 4u * WX;
  let m0 = wid.y * 4u * WY;
  let t = lid.y * WX + lid.x;
  let quads = u.cout_pad / 4u;
  var acc: array<vec4<f32>, 4>; // channel i of the invocation's 4 → its 4 pixels
  for (var k0 = 0u; k0 < K; k0 += BK) {
    if (t < BK * WY) {
      let kk = t / WY;
      let q = m0 / 4u + t % WY;
      let k = k0 + kk;
      ws[t] = select(vec4<f32>(), weights[u.w_off / 4u + min(k, K - 1u) * quads + min(q, quads - 1u)], k < K && q < quads);
    }
    if (t < BK * WX) {
      let kk = t / WX;
      let n = n0 + 4u * (t % WX);
      let k = k0 + kk;
      xs[t] = vec4<f32>(im2col(k, n, K, npix), im2col(k, n + 1u, K, npix), im2col(k, n + 2u, K, npix), im2col(k, n + 3u, K, npix));
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let a = ws[kk * WY + lid.y];
      let b = xs[kk * WX + lid.x];
      acc[0] = fma(vec4<f32>(a.x), b, acc[0]);
      acc[1] = fma(vec4<f32>(a.y), b, acc[1]);
      acc[2] = fma(vec4<f32>(a.z), b, acc[2]);
      acc[3] = fma(vec4<f32>(a.w), b, acc[3]);
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + 4u * lid.y + i;
    if (m >= u.out_c) {
      break;
    }
    let bi = u.b_off + m;
    let bias = weights[bi / 4u][bi % 4u];
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + 4u * lid.x + j;
      if (n >= npix) {
        break;
      }
      var v = acc[i][j] + bias;
      if (u.act != 0u) {
        v = v * (1.0 / (1.0 + exp(-v)));
      }
      if (u.res != 0u) {
        v += arena[u.res_off + m * npix + n];
      }
      arena[u.out_off + m * npix + n] = v;
    }
  }
}
