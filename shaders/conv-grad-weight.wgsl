// Convolution backward (groups = 1): the gradient w.r.t. the weights and the bias, an implicit GEMM
// whose reduction runs over the output pixels,
//   dW[k][co] += Σ_p dZ[co, p] · X[ci, oy·S − P + ky, ox·S − P + kx],   k = (ci·KS + ky)·KS + kx
//   dB[co]    += Σ_p dZ[co, p]
// in the forward's packed layout ([Cin·KS·KS][cout_pad]; the padding columns are never written).
// A workgroup owns a 4 (co) × 4 (k) tile. Its 64 lanes split the pixel sum (lane l takes pixels l,
// l + 64, …: neighbouring lanes read neighbouring dZ and, at stride 1, neighbouring X addresses), each
// with 16 + 4 named accumulators; one reduction through workgroup memory at the end. The bias is
// added by the workgroups of the first k tile.
//
// arena : X (in_c × in_h × in_w) at x_off, dZ (out_c × out_h × out_w) at dz_off.
// grads : dW at g_off (packed like the weights), dB at gb_off; both accumulated (+=).
struct Params {
  x_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  dz_off: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  g_off: u32,
  gb_off: u32,
  cout_pad: u32,
}

@group(0) @binding(0) var<storage, read> arena: array<f32>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override KS: u32 = 3;
override STRIDE: u32 = 1;

const LANES: u32 = 64u;
const SUMS: u32 = 20u; // 16 weight + 4 bias partial sums per lane

var<workgroup> red: array<f32, 1280>; // LANES × SUMS

// Input offset of tap k for output pixel (oy, ox), and whether it lies inside the input.
fn tap(k: u32, oy: i32, ox: i32) -> vec2i {
  let ci = k / (KS * KS);
  let r = k % (KS * KS);
  let iy = oy * i32(STRIDE) - i32(KS / 2u) + i32(r / KS);
  let ix = ox * i32(STRIDE) - i32(KS / 2u) + i32(r % KS);
  let inside = iy >= 0 && iy < i32(u.in_h) && ix >= 0 && ix < i32(u.in_w);
  let at = ci * u.in_h * u.in_w + u32(clamp(iy, 0, i32(u.in_h) - 1)) * u.in_w + u32(clamp(ix, 0, i32(u.in_w) - 1));
  return vec2i(i32(at), select(0, 1, inside));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let K = u.in_c * KS * KS;
  let k0 = wid.x * 4u;
  let m0 = wid.y * 4u;
  let kl = K - 1u;
  let ml = u.out_c - 1u;
  let ka = min(k0, kl);
  let kb = min(k0 + 1u, kl);
  let kc = min(k0 + 2u, kl);
  let kd = min(k0 + 3u, kl);
  let plane = u.out_h * u.out_w;
  let d0 = u.dz_off + min(m0, ml) * plane;
  let d1 = u.dz_off + min(m0 + 1u, ml) * plane;
  let d2 = u.dz_off + min(m0 + 2u, ml) * plane;
  let d3 = u.dz_off + min(m0 + 3u, ml) * plane;
  var g0 = vec4f(0.0); // row co = m0 + 0, columns k0 .. k0 + 3
  var g1 = vec4f(0.0);
  var g2 = vec4f(0.0);
  var g3 = vec4f(0.0);
  var gb = vec4f(0.0);
  for (var p = li; p < plane; p += LANES) {
    let oy = i32(p / u.out_w);
    let ox = i32(p % u.out_w);
    let ta = tap(ka, oy, ox);
    let tb = tap(kb, oy, ox);
    let tc = tap(kc, oy, ox);
    let td = tap(kd, oy, ox);
    let x = vec4f(
      select(0.0, arena[u.x_off + u32(ta.x)], ta.y == 1),
      select(0.0, arena[u.x_off + u32(tb.x)], tb.y == 1),
      select(0.0, arena[u.x_off + u32(tc.x)], tc.y == 1),
      select(0.0, arena[u.x_off + u32(td.x)], td.y == 1),
    );
    let dz = vec4f(arena[d0 + p], arena[d1 + p], arena[d2 + p], arena[d3 + p]);
    g0 += dz.x * x;
    g1 += dz.y * x;
    g2 += dz.z * x;
    g3 += dz.w * x;
    gb += dz;
  }
  let base = li * SUMS;
  for (var j = 0u; j < 4u; j++) {
    red[base + j] = g0[j];
    red[base + 4u + j] = g1[j];
    red[base + 8u + j] = g2[j];
    red[base + 12u + j] = g3[j];
    red[base + 16u + j] = gb[j];
  }
  workgroupBarrier();
  if (li >= SUMS) {
    return;
  }
  var s = 0.0;
  for (var l = 0u; l < LANES; l++) {
    s += red[l * SUMS + li];
  }
  if (li < 16u) {
    let m = m0 + li / 4u;
    let k = k0 + li % 4u;
    if (m < u.out_c && k < K) {
      let o = u.g_off + k * u.cout_pad + m;
      grads[o] += s;
    }
  } else if (wid.x == 0u) {
    let mb = m0 + li - 16u;
    if (mb < u.out_c) {
      grads[u.gb_off + mb] += s;
    }
  }
}
