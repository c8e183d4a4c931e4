// C2PSA attention's positional term pe(v) (a depthwise 3×3 conv with bias, zero padding 1, no
// activation) written into the attention output, which the output GEMM then adds to
// (attention-gemm-rt-sg.wgsl, PV = true; src/ops/attention.ts, kernel 'split-sg').
// One lane per position and 8 channels, lanes along positions.
//
// arena   : qkv (heads·(2·KD + HD) × h × w) at qkv_off; out (heads·HD × h × w) at out_off.
// weights : pe weight OIHW [C][1][3][3] at pe_w, pe bias [C] at pe_b (C = heads·HD).
struct Params {
  qkv_off: u32,
  out_off: u32,
  h: u32,
  w: u32,
  kd: u32,
  hd: u32,
  channels: u32,
  pe_w: u32,
  pe_b: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

const WG: u32 = 64u;
// Channels per lane: the 9 tap offsets and masks of a position are computed once for all of them.
const CPL: u32 = 8u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let N = u.h * u.w;
  let n = gid.x;
  if (n >= N) {
    return;
  }
  let y = i32(n / u.w);
  let x = i32(n % u.w);
  let ym = u32(max(y - 1, 0)) * u.w;
  let y0 = u32(y) * u.w;
  let yp = u32(min(y + 1, i32(u.h) - 1)) * u.w;
  let xm = u32(max(x - 1, 0));
  let x0 = u32(x);
  let xp = u32(min(x + 1, i32(u.w) - 1));
  // Taps outside the plane (zero padding) read a clamped neighbour and weigh 0.
  let fy = vec3<f32>(select(0.0, 1.0, y > 0), 1.0, select(0.0, 1.0, y + 1 < i32(u.h)));
  let fx = vec3<f32>(select(0.0, 1.0, x > 0), 1.0, select(0.0, 1.0, x + 1 < i32(u.w)));
  for (var c = gid.y * CPL; c < min(gid.y * CPL + CPL, u.channels); c++) {
    let head = c / u.hd;
    let v = u.qkv_off + (head * (2u * u.kd + u.hd) + 2u * u.kd + c % u.hd) * N;
    let k = u.pe_w + c * 9u;
    let r0 = vec3<f32>(arena[v + ym + xm], arena[v + ym + x0], arena[v + ym + xp]) * fx;
    let r1 = vec3<f32>(arena[v + y0 + xm], arena[v + y0 + x0], arena[v + y0 + xp]) * fx;
    let r2 = vec3<f32>(arena[v + yp + xm], arena[v + yp + x0], arena[v + yp + xp]) * fx;
    let w0 = vec3<f32>(weights[k], weights[k + 1u], weights[k + 2u]);
    let w1 = vec3<f32>(weights[k + 3u], weights[k + 4u], weights[k + 5u]);
    let w2 = vec3<f32>(weights[k + 6u], weights[k + 7u], weights[k + 8u]);
    arena[u.out_off + c * N + n] = weights[u.pe_b + c] + dot(fy, vec3<f32>(dot(w0, r0), dot(w1, r1), dot(w2, r2)));
  }
}
