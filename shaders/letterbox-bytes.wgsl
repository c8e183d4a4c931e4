// Letterbox from raw 8-bit pixels (grey, RGB or RGBA, packed into u32 words as uploaded; grey = R = G = B) into the
// network input: Ultralytics LetterBox (auto=False, center=True): the image resized to
// new_w × new_h at (left, top), the rest 114; RGB planes; /255. The resize is cv2.resize(INTER_LINEAR)
// on 8-bit pixels, bit for bit: cv2's source pixels and 11-bit fixed-point weights per column and
// row come from `axes` (src/ops/letterbox.ts computes them on the CPU, f64 as cv2 does, edges clamped
// as cv2 clamps them); a horizontal then a vertical integer pass with cv2's rounding. The same size
// copies the pixels (weights 2048, 0), as Ultralytics skips the resize.
// Classify models instead resize the shorter side and centre-crop: then left/top are ≤ 0 (src/ops/letterbox.ts).
// The twin shaders/letterbox-texture.wgsl differs only in where a pixel comes from.
//
// src   : the uploaded image's bytes, rows of `stride` pixels of `channels` bytes (1, 3 or 4), R first, and
//         one spare word after the last pixel; the src_w × src_h rectangle at (crop_x, crop_y) is read.
// axes  : out_w + out_h vec4<i32>: per column x (x0, x1, w0, w1), then per row y (y0, y1, w0, w1), for
//         the columns and rows inside the resized image (letterboxAxes).
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
  channels: u32, // bytes per pixel: 1 (grey), 3 (RGB) or 4 (RGBA, alpha ignored)
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> arena: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;
@group(0) @binding(3) var<storage, read> axes: array<vec4<i32>>;

override WG: u32 = 64;

// The pixel's bytes from the one or two words they lie in (a 3-byte pixel may straddle two; the upload
// keeps a spare word at the end for the last one), selected rather than branched on.
fn texel(x: u32, y: u32) -> vec3<u32> {
  let b = ((y + u.crop_y) * u.stride + x + u.crop_x) * u.channels; // its first byte
  let s = (b & 3u) * 8u;
  let w0 = src[b >> 2u];
  let p = select((w0 >> s) | (src[(b >> 2u) + 1u] << (32u - s)), w0, s == 0u);
  let rgb = vec3<u32>(p & 255u, (p >> 8u) & 255u, (p >> 16u) & 255u);
  return select(rgb, vec3<u32>(rgb.x), u.channels == 1u);
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
    let ax = vec4<u32>(axes[x]);
    let ay = vec4<u32>(axes[u.out_w + y]);
    // Horizontal pass: S = p0·w0 + p1·w1 (fixed point, ×2048); vertical: cv2's VResizeLinear<uchar>.
    let s0 = texel(ax.x, ay.x) * ax.z + texel(ax.y, ay.x) * ax.w;
    let s1 = texel(ax.x, ay.y) * ax.z + texel(ax.y, ay.y) * ax.w;
    let v = ((ay.z * (s0 >> vec3<u32>(4u))) >> vec3<u32>(16u)) + ((ay.w * (s1 >> vec3<u32>(4u))) >> vec3<u32>(16u));
    rgb = min((v + 2u) >> vec3<u32>(2u), vec3<u32>(255u));
  }
  let c = vec3<f32>(rgb) / 255.0;
  arena[u.out_off + i] = c.r;
  arena[u.out_off + plane + i] = c.g;
  arena[u.out_off + 2u * plane + i] = c.b;
}
