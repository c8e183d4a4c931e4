// Letterbox from an rgba8unorm texture (copyExternalImageToTexture in browsers, writeTexture in Node;
// grey = R = G = B) into the network input: Ultralytics LetterBox (auto=False, center=True): the image resized to
// new_w × new_h at (left, top), the rest 114; RGB planes; /255. The resize is cv2.resize(INTER_LINEAR)
// on 8-bit pixels, bit for bit: half-pixel centres; source coordinates rounded to f32 as cv2 does
// (emulated exactly in integers: WGSL has no f64); 11-bit fixed-point weights; a horizontal then a
// vertical integer pass with cv2's rounding; edges as cv2 clamps them (columns: weight 0 past the
// edge; rows: the row index only). The same size copies the pixels, as Ultralytics skips the resize.
// Classify models instead resize the shorter side and centre-crop: then left/top are ≤ 0 (src/ops/letterbox.ts).
// The twin shaders/letterbox-bytes.wgsl differs only in where a pixel comes from.
//
// src   : a texture holding the uploaded image (a larger, reused one too); the src_w × src_h rectangle at (crop_x, crop_y) is read.
// arena : 3 × out_h × out_w f32 at out_off (one invocation per pixel).
struct Params {
  src_w: u32,
  src_h: u32,
  new_w: u32, // the resized image inside the letterbox
  new_h: u32,
  left: i32, // < 0: the resized image is cropped (classify's CenterCrop)
  top: i32,
  out_w: u32,
  out_h: u32,
  out_off: u32,
  crop_x: u32, // the src_w × src_h rectangle at (crop_x, crop_y) of the uploaded image (a tile)
  crop_y: u32,
  stride: u32, // the uploaded image's width
}

@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var<storage, read_write> arena: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;
const ONE: u32 = 2048u; // INTER_RESIZE_COEF_SCALE = 1 << 11
const TWO24: u32 = 0x1000000u;

fn texel(x: u32, y: u32) -> vec3<u32> {
  return vec3<u32>(round(textureLoad(src, vec2<u32>(x + u.crop_x, y + u.crop_y), 0).rgb * 255.0)); // unorm8 → the byte
}

// x / 2^k rounded half to even (cvRound), k < 32.
fn rne_shr(x: u32, k: u32) -> u32 {
  if (k == 0u) {
    return x;
  }
  let q = x >> k;
  let rem = x & ((1u << k) - 1u);
  let half = 1u << (k - 1u);
  return q + select(0u, 1u, rem > half || (rem == half && (q & 1u) == 1u));
}

// The f32 nearest to q + r/den (r < den ≤ 2^16), as F / 2^g with 24 significant bits in F.
fn nearest_f32(q: u32, r: u32, den: u32) -> vec2<u32> {
  if (q == 0u && r == 0u) {
    return vec2<u32>(0u, 0u);
  }
  var f = q;
  var rem = r;
  var g = 0u;
  loop {
    let len = 32u - countLeadingZeros(f);
    if (len >= 24u) {
      break;
    }
    let k = select(min(8u, 24u - len), 8u, f == 0u); // ≤ 8 more bits by long division
    rem = rem << k;
    f = (f << k) + rem / den;
    rem = rem % den;
    g += k;
  }
  return vec2<u32>(f + select(0u, 1u, 2u * rem > den || (2u * rem == den && (f & 1u) == 1u)), g);
}

// round(v · 2048) for v = fr / 2^g.
fn coef(fr: u32, g: u32) -> u32 {
  if (g >= 11u) {
    return rne_shr(fr, g - 11u);
  }
  return fr << (11u - g);
}

// cv2's source index and weights (i0, w0, w1) for destination index d, n_src → n_dst:
// fx = float((d + 0.5)·n_src/n_dst − 0.5); i0 = floor(fx); w1 = round((fx − i0)·2048), w0 = round((1 − (fx − i0))·2048).
// Columns (clamp = true): before the first / from the last source column on, i0 is clamped and w = (2048, 0).
// Rows: i0 may be −1 (the caller clamps the row index, cv2 keeps the weights).
fn axis(d: u32, n_src: u32, n_dst: u32, clamp_edges: bool) -> vec3<i32> {
  let den = 2u * n_dst;
  let num = i32((2u * d + 1u) * n_src) - i32(n_dst);
  if (num < 0) { // −0.5 < fx < 0
    if (clamp_edges) {
      return vec3<i32>(0, i32(ONE), 0);
    }
    let f = nearest_f32(0u, u32(-num), den); // |fx|, < 0.5 so g > 24
    let fy = TWO24 - rne_shr(f.x, f.y - 24u); // float(fx + 1) = fy / 2^24
    return vec3<i32>(-1, i32(rne_shr(TWO24 - fy, 13u)), i32(rne_shr(fy, 13u)));
  }
  let f = nearest_f32(u32(num) / den, u32(num) % den, den);
  var i0 = 0u;
  var fr = f.x; // fx − i0 = fr / 2^g
  if (f.y < 32u) {
    i0 = f.x >> f.y;
    fr = f.x - (i0 << f.y);
  }
  if (clamp_edges && i0 >= n_src - 1u) {
    return vec3<i32>(i32(n_src) - 1, i32(ONE), 0);
  }
  var w0 = 0u;
  if (f.y <= 24u) { // 1 − fx is exact
    w0 = coef((1u << f.y) - fr, f.y);
  } else { // fx < 0.5: float(1 − fx) = (2^24 − round(fr / 2^(g−24))) / 2^24
    w0 = rne_shr(TWO24 - rne_shr(fr, f.y - 24u), 13u);
  }
  return vec3<i32>(i32(i0), i32(w0), i32(coef(fr, f.y)));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let plane = u.out_w * u.out_h;
  if (i >= plane) {
    return;
  }
  let x = i % u.out_w;
  let y = i / u.out_w;
  var rgb = vec3<u32>(114u);
  let rx = i32(x) - u.left; // the pixel of the resized image
  let ry = i32(y) - u.top;
  if (rx >= 0 && rx < i32(u.new_w) && ry >= 0 && ry < i32(u.new_h)) {
    let ax = axis(u32(rx), u.src_w, u.new_w, true);
    let ay = axis(u32(ry), u.src_h, u.new_h, false);
    let x0 = u32(ax.x);
    let x1 = min(x0 + 1u, u.src_w - 1u);
    let y0 = u32(clamp(ay.x, 0, i32(u.src_h) - 1));
    let y1 = u32(clamp(ay.x + 1, 0, i32(u.src_h) - 1));
    // Horizontal pass: S = p0·w0 + p1·w1 (fixed point, ×2048); vertical: cv2's VResizeLinear<uchar>.
    let s0 = texel(x0, y0) * u32(ax.y) + texel(x1, y0) * u32(ax.z);
    let s1 = texel(x0, y1) * u32(ax.y) + texel(x1, y1) * u32(ax.z);
    let v = ((u32(ay.y) * (s0 >> vec3<u32>(4u))) >> vec3<u32>(16u)) + ((u32(ay.z) * (s1 >> vec3<u32>(4u))) >> vec3<u32>(16u));
    rgb = min((v + 2u) >> vec3<u32>(2u), vec3<u32>(255u));
  }
  let c = vec3<f32>(rgb) / 255.0;
  arena[u.out_off + i] = c.r;
  arena[u.out_off + plane + i] = c.g;
  arena[u.out_off + 2u * plane + i] = c.b;
}
