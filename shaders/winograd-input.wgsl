// Winograd F(2×2, 3×3), stride 1, pad 1: the input transform V = Bᵀ d B of every 4×4 patch d (the
// input at rows 2·ty − 1 … 2·ty + 2, columns 2·tx − 1 …, zeros outside), one invocation per tile and
// channel, neighbouring lanes on neighbouring tiles. Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].
// Writes V[ξ][c][t] (ξ = 4·i + j, t = ty·tiles_w + tx) at out_off: 16 GEMMs of Cin rows follow.
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

// Row y of the 4×4 patch, columns at the clamped offsets `co` with padding masks `cv` (computed once in
// main): the row's offset and mask here, zero where the row or a column falls in the padding.
fn row(c: u32, y: i32, co: vec4<u32>, cv: vec4<bool>) -> vec4f {
  let rv = y >= 0 && y < i32(u.in_h);
  let ro = u.in_off + (c * u.in_h + u32(clamp(y, 0, i32(u.in_h) - 1))) * u.in_w;
  let v = cv & vec4<bool>(rv);
  return vec4f(select(0.0, arena[ro + co.x], v.x), select(0.0, arena[ro + co.y], v.y), select(0.0, arena[ro + co.z], v.z), select(0.0, arena[ro + co.w], v.w));
}

// The four values of Bᵀ d B's row from r = (Bᵀ d)'s row, times B.
fn put4(o: u32, plane: u32, r: vec4f) {
  arena[o] = r.x - r.z;
  arena[o + plane] = r.y + r.z;
  arena[o + 2u * plane] = r.z - r.y;
  arena[o + 3u * plane] = r.y - r.w;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let nt = u.tiles_h * u.tiles_w;
  // Lanes past the last tile compute the last tile's values and store them there again (no branch).
  let t = min(gid.x, nt - 1u);
  let c = gid.y;
  let y0 = i32(t / u.tiles_w) * 2 - 1;
  let xs = vec4<i32>(i32(t % u.tiles_w) * 2 - 1) + vec4<i32>(0, 1, 2, 3);
  let co = vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(i32(u.in_w) - 1)));
  let cv = (xs >= vec4<i32>(0)) & (xs < vec4<i32>(i32(u.in_w)));
  let d0 = row(c, y0, co, cv);
  let d1 = row(c, y0 + 1, co, cv);
  let d2 = row(c, y0 + 2, co, cv);
  let d3 = row(c, y0 + 3, co, cv);
  let plane = u.in_c * nt;
  let o = u.out_off + c * nt + t;
  put4(o, plane, d0 - d2);
  put4(o + 4u * plane, plane, d1 + d2);
  put4(o + 8u * plane, plane, d2 - d1);
  put4(o + 12u * plane, plane, d1 - d3);
}
