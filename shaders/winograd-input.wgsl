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

fn at(c: u32, y: i32, x: i32) -> f32 {
  let inside = y >= 0 && x >= 0 && y < i32(u.in_h) && x < i32(u.in_w);
  let i = u.in_off + (c * u.in_h + u32(clamp(y, 0, i32(u.in_h) - 1))) * u.in_w + u32(clamp(x, 0, i32(u.in_w) - 1));
  return select(0.0, arena[i], inside);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let nt = u.tiles_h * u.tiles_w;
  let t = min(gid.x, nt - 1u);
  let c = gid.y;
  let y0 = i32(t / u.tiles_w) * 2 - 1;
  let x0 = i32(t % u.tiles_w) * 2 - 1;
  var d: array<vec4f, 4>;
  for (var i = 0; i < 4; i++) {
    d[i] = vec4f(at(c, y0 + i, x0), at(c, y0 + i, x0 + 1), at(c, y0 + i, x0 + 2), at(c, y0 + i, x0 + 3));
  }
  // Bᵀ d (rows), then (Bᵀ d) B (columns).
  let r = array<vec4f, 4>(d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]);
  let plane = u.in_c * nt;
  let o = u.out_off + c * nt + t;
  if (gid.x < nt) {
    for (var i = 0u; i < 4u; i++) {
      let v = r[i];
      arena[o + (4u * i) * plane] = v.x - v.z;
      arena[o + (4u * i + 1u) * plane] = v.y + v.z;
      arena[o + (4u * i + 2u) * plane] = v.z - v.y;
      arena[o + (4u * i + 3u) * plane] = v.y - v.w;
    }
  }
}
