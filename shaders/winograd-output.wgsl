// Winograd F(2×2, 3×3): the output transform Y = Aᵀ m A of the 16 GEMM results m of one tile and
// output channel (M[ξ][c][t] at in_off), Aᵀ = [1 1 1 0; 0 1 −1 −1], then the bias, SiLU (act) and the
// residual, as the other convolution kernels; one invocation per tile and channel, 2×2 outputs each.
struct Params {
  in_off: u32,
  out_off: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  tiles_h: u32,
  tiles_w: u32,
  res_off: u32,
  b_off: u32,
  act: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;
override RES: u32 = 0;
// The output plane is whole 2×2 tiles: no bounds tests (they compile away; SwiftShader runs a branch
// under lane masks whichever way it goes).
override FULL: bool = false;

fn finish(v: f32, c: u32, y: u32, x: u32) {
  if (!FULL && (y >= u.out_h || x >= u.out_w)) {
    return;
  }
  let b = v + weights[u.b_off + c];
  var s = select(b, b / (1.0 + exp(-b)), u.act != 0u); // selected, not branched on
  let i = (c * u.out_h + y) * u.out_w + x;
  if (RES != 0u) {
    s += arena[u.res_off + i];
  }
  arena[u.out_off + i] = s;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let nt = u.tiles_h * u.tiles_w;
  if (gid.x >= nt) {
    return;
  }
  let t = gid.x;
  let c = gid.y;
  let plane = u.out_c * nt;
  let base = u.in_off + c * nt + t;
  var m: array<vec4f, 4>;
  for (var i = 0u; i < 4u; i++) {
    let b = base + 4u * i * plane;
    m[i] = vec4f(arena[b], arena[b + plane], arena[b + 2u * plane], arena[b + 3u * plane]);
  }
  let s0 = m[0] + m[1] + m[2];
  let s1 = m[1] - m[2] - m[3];
  let y = (t / u.tiles_w) * 2u;
  let x = (t % u.tiles_w) * 2u;
  finish(s0.x + s0.y + s0.z, c, y, x);
  finish(s0.y - s0.z - s0.w, c, y, x + 1u);
  finish(s1.x + s1.y + s1.z, c, y + 1u, x);
  finish(s1.y - s1.z - s1.w, c, y + 1u, x + 1u);
}
