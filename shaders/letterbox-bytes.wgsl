// Letterbox from raw RGBA8 bytes (one u32 per pixel, R in the low byte) into the network input:
// Ultralytics LetterBox (center, pad 114) with cv2.INTER_LINEAR sampling on 8-bit pixels
// (half-pixel centres, clamped at the edges, result rounded to 8 bits), RGB, /255.
// One invocation per output pixel; writes 3 planes (3 × out_h × out_w) at out_off.
struct Params {
  src_w: u32,
  src_h: u32,
  new_w: u32,   // resized image size inside the letterbox
  new_h: u32,
  left: u32,
  top: u32,
  out_w: u32,
  out_h: u32,
  out_off: u32,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> arena: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override WG: u32 = 64;

fn texel(x: u32, y: u32) -> vec3<f32> {
  let p = src[y * u.src_w + x];
  return vec3<f32>(f32(p & 255u), f32((p >> 8u) & 255u), f32((p >> 16u) & 255u));
}

// cv2 INTER_LINEAR source coordinate and weight along one axis.
fn axis(d: u32, n_src: u32, n_dst: u32) -> vec3<f32> {
  let f = (f32(d) + 0.5) * (f32(n_src) / f32(n_dst)) - 0.5;
  var i0 = floor(f);
  var w = f - i0;
  if (i0 < 0.0) {
    i0 = 0.0;
    w = 0.0;
  }
  if (i0 >= f32(n_src) - 1.0) {
    i0 = f32(n_src) - 1.0;
    w = 0.0;
  }
  return vec3<f32>(i0, min(i0 + 1.0, f32(n_src) - 1.0), w);
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
  var rgb = vec3<f32>(114.0);
  if (x >= u.left && x < u.left + u.new_w && y >= u.top && y < u.top + u.new_h) {
    let ax = axis(x - u.left, u.src_w, u.new_w);
    let ay = axis(y - u.top, u.src_h, u.new_h);
    let x0 = u32(ax.x);
    let x1 = u32(ax.y);
    let y0 = u32(ay.x);
    let y1 = u32(ay.y);
    let top = mix(texel(x0, y0), texel(x1, y0), ax.z);
    let bot = mix(texel(x0, y1), texel(x1, y1), ax.z);
    rgb = floor(mix(top, bot, ay.z) + 0.5); // half up, as cv2's fixed-point rounding
  }
  arena[u.out_off + i] = rgb.r / 255.0;
  arena[u.out_off + plane + i] = rgb.g / 255.0;
  arena[u.out_off + 2u * plane + i] = rgb.b / 255.0;
}
