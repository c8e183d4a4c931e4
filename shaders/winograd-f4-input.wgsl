// Winograd F(4×4, 3×3), stride 1, pad 1: the input transform V = Bᵀ d B of every 6×6 patch d (the
// input at rows 4·ty − 1 … 4·ty + 4, columns 4·tx − 1 …, zeros outside), one invocation per tile and
// channel, neighbouring lanes on neighbouring tiles, with Lavin & Gray's points 0, ±1, ±2:
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1].
// Writes V[ξ][c][t] (ξ = 6·i + j, t = ty·tiles_w + tx) at out_off: 36 GEMMs of Cin rows follow.
// Rows are held as two vec4s (columns 0–3 and 4–5, the rest unused) so the row transform is vector
// arithmetic; every array is indexed by constants only (a dynamic index puts it in memory on CPU adapters).
struct Params {
  in_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  out_off: u32,
  tiles_h: u32,
  tiles_w: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

override WG: u32 = 64;

struct Row { lo: vec4f, hi: vec4f }

// One tap: the input at row offset `ro` + column offset `co` (both clamped into the plane), zero where
// the row or the column falls in the padding.
fn px(ro: u32, rv: bool, co: u32, cv: bool) -> f32 {
  return select(0.0, arena[ro + co], rv && cv);
}

// Row y of the 6×6 patch: its offset and padding mask here, the six columns' computed once in main.
fn row(c: u32, y: i32, o: vec4<u32>, o45: vec2<u32>, v: vec4<bool>, v45: vec2<bool>) -> Row {
  let rv = y >= 0 && y < i32(u.in_h);
  let ro = u.in_off + (c * u.in_h + u32(clamp(y, 0, i32(u.in_h) - 1))) * u.in_w;
  return Row(vec4f(px(ro, rv, o.x, v.x), px(ro, rv, o.y, v.y), px(ro, rv, o.z, v.z), px(ro, rv, o.w, v.w)), vec4f(px(ro, rv, o45.x, v45.x), px(ro, rv, o45.y, v45.y), 0.0, 0.0));
}

fn put6(b: u32, plane: u32, a: vec4f, h: vec4f) {
  arena[b] = 4.0 * a.x - 5.0 * a.z + h.x;
  arena[b + plane] = -4.0 * (a.y + a.z) + a.w + h.x;
  arena[b + 2u * plane] = 4.0 * (a.y - a.z) - a.w + h.x;
  arena[b + 3u * plane] = 2.0 * (a.w - a.y) - a.z + h.x;
  arena[b + 4u * plane] = 2.0 * (a.y - a.w) - a.z + h.x;
  arena[b + 5u * plane] = 4.0 * a.y - 5.0 * a.w + h.y;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let nt = u.tiles_h * u.tiles_w;
  let t = min(gid.x, nt - 1u);
  let c = gid.y;
  let y0 = i32(t / u.tiles_w) * 4 - 1;
  let x0 = i32(t % u.tiles_w) * 4 - 1;
  let xs = vec4<i32>(x0) + vec4<i32>(0, 1, 2, 3);
  let x45 = vec2<i32>(x0) + vec2<i32>(4, 5);
  let wm = i32(u.in_w) - 1;
  let co = vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(wm)));
  let co45 = vec2<u32>(clamp(x45, vec2<i32>(0), vec2<i32>(wm)));
  let cv = (xs >= vec4<i32>(0)) & (xs <= vec4<i32>(wm));
  let cv45 = (x45 >= vec2<i32>(0)) & (x45 <= vec2<i32>(wm));
  let r0 = row(c, y0, co, co45, cv, cv45);
  let r1 = row(c, y0 + 1, co, co45, cv, cv45);
  let r2 = row(c, y0 + 2, co, co45, cv, cv45);
  let r3 = row(c, y0 + 3, co, co45, cv, cv45);
  let r4 = row(c, y0 + 4, co, co45, cv, cv45);
  let r5 = row(c, y0 + 5, co, co45, cv, cv45);
  if (gid.x >= nt) {
    return;
  }
  let plane = u.in_c * nt;
  let o = u.out_off + c * nt + t;
  // Rows of Bᵀ d (vector arithmetic over the columns), each then times B.
  put6(o, plane, 4.0 * r0.lo - 5.0 * r2.lo + r4.lo, 4.0 * r0.hi - 5.0 * r2.hi + r4.hi);
  put6(o + 6u * plane, plane, -4.0 * (r1.lo + r2.lo) + r3.lo + r4.lo, -4.0 * (r1.hi + r2.hi) + r3.hi + r4.hi);
  put6(o + 12u * plane, plane, 4.0 * (r1.lo - r2.lo) - r3.lo + r4.lo, 4.0 * (r1.hi - r2.hi) - r3.hi + r4.hi);
  put6(o + 18u * plane, plane, 2.0 * (r3.lo - r1.lo) - r2.lo + r4.lo, 2.0 * (r3.hi - r1.hi) - r2.hi + r4.hi);
  put6(o + 24u * plane, plane, 2.0 * (r1.lo - r3.lo) - r2.lo + r4.lo, 2.0 * (r1.hi - r3.hi) - r2.hi + r4.hi);
  put6(o + 30u * plane, plane, 4.0 * r1.lo - 5.0 * r3.lo + r5.lo, 4.0 * r1.hi - 5.0 * r3.hi + r5.hi);
}
