// The weights of a convolution's input gradient as a convolution (stride 1, groups = 1):
//   dX = conv(dZ, W'),   W'[ci, co, ky, kx] = W[co, ci, KS − 1 − ky, KS − 1 − kx]
// repacked from the forward's layout ([Cin·KS·KS][cout_pad]) into the same layout for W'
// ([Cout·KS·KS][cin_pad], zero in the padding columns), so that the inference kernels compute the
// backward too. Run after every optimiser step. One invocation per element of W', neighbouring lanes
// on neighbouring input channels (its contiguous axis).
// DEPTHWISE = 1 (groups = C, stride 1): W'[c, ky, kx] = W[c, KS − 1 − ky, KS − 1 − kx] in the raw
// [C][KS][KS] layout (cin = cout = C), for dX = dwconv(dZ, W').
//
// src: the params buffer (W at w_off); dst: W' at f_off.
struct Params {
  w_off: u32,
  f_off: u32,
  cin: u32,
  cout: u32,
  cin_pad: u32,
  cout_pad: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override KS: u32 = 3;
override WG: u32 = 64;
override DEPTHWISE: u32 = 0;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let kk = KS * KS;
  if (DEPTHWISE != 0u) {
    if (i < u.cout * kk) {
      dst[u.f_off + i] = src[u.w_off + i - i % kk + kk - 1u - i % kk];
    }
    return;
  }
  if (i >= u.cout * kk * u.cin_pad) {
    return;
  }
  let ci = i % u.cin_pad;
  let kf = i / u.cin_pad; // (co·KS + ky)·KS + kx
  let co = kf / kk;
  let r = kk - 1u - kf % kk; // (KS − 1 − ky)·KS + (KS − 1 − kx)
  let v = src[u.w_off + (min(ci, u.cin - 1u) * kk + r) * u.cout_pad + co];
  dst[u.f_off + i] = select(0.0, v, ci < u.cin);
}
