// Winograd F(4×4, 3×3): the output transform Y = Aᵀ m A of the 36 GEMM results m of one tile and
// output channel (M[ξ][c][t] at in_off), Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1],
// then the bias, SiLU (act) and the residual, as the other convolution kernels; one invocation per tile
// and channel, 4×4 outputs each. Rows are two vec4s (columns 0–3, 4–5) as in winograd-f4-input.wgsl.
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
// The output plane is whole 4×4 tiles: no bounds tests (they compile away; SwiftShader runs a branch
// under lane masks whichever way it goes).
override FULL: bool = false;

struct Row { lo: vec4f, hi: vec4f }

fn row(b: u32, plane: u32) -> Row {
  return Row(vec4f(arena[b], arena[b + plane], arena[b + 2u * plane], arena[b + 3u * plane]), vec4f(arena[b + 4u * plane], arena[b + 5u * plane], 0.0, 0.0));
}

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

// One row of Aᵀ m (six columns: a, h.xy) times A, finished at output row y, columns x … x + 3.
fn put4(a: vec4f, h: vec4f, c: u32, y: u32, x: u32) {
  finish(a.x + a.y + a.z + a.w + h.x, c, y, x);
  finish(a.y - a.z + 2.0 * (a.w - h.x), c, y, x + 1u);
  finish(a.y + a.z + 4.0 * (a.w + h.x), c, y, x + 2u);
  finish(a.y - a.z + 8.0 * (a.w - h.x) + h.y, c, y, x + 3u);
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
  let m0 = row(base, plane);
  let m1 = row(base + 6u * plane, plane);
  let m2 = row(base + 12u * plane, plane);
  let m3 = row(base + 18u * plane, plane);
  let m4 = row(base + 24u * plane, plane);
  let m5 = row(base + 30u * plane, plane);
  let y = (t / u.tiles_w) * 4u;
  let x = (t % u.tiles_w) * 4u;
  put4(m0.lo + m1.lo + m2.lo + m3.lo + m4.lo, m0.hi + m1.hi + m2.hi + m3.hi + m4.hi, c, y, x);
  put4(m1.lo - m2.lo + 2.0 * (m3.lo - m4.lo), m1.hi - m2.hi + 2.0 * (m3.hi - m4.hi), c, y + 1u, x);
  put4(m1.lo + m2.lo + 4.0 * (m3.lo + m4.lo), m1.hi + m2.hi + 4.0 * (m3.hi + m4.hi), c, y + 2u, x);
  put4(m1.lo - m2.lo + 8.0 * (m3.lo - m4.lo) + m5.lo, m1.hi - m2.hi + 8.0 * (m3.hi - m4.hi) + m5.hi, c, y + 3u, x);
}
