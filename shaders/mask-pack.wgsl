// Segment, after NMS, step 2 of 2: each kept box's mask in source-image pixels, cropped to its box,
// one bit per pixel, as Ultralytics' process_mask_native: the crop's logits resized to the image
// (scale_masks: F.interpolate bilinear, align_corners=False, PyTorch's CPU arithmetic), crop_mask
// (pixel (x, y) kept ⇔ x1 ≤ x < x2 and y1 ≤ y < y2), then > 0 (sigmoid > 0.5).
// One invocation per output word: 32 consecutive pixels of one box, row-major inside its rectangle.
//
// logits: n × ch × cw f32 (mask-logits.wgsl).
// info  : 8 u32 per box {x0, y0, width, height, first word, 0, 0, 0}: the rectangle [x0, x0 + width)
//         × [y0, y0 + height) of source pixels; box i's words are [first_i, first_{i+1}), the last
//         box's end is total_words.
// bits  : total_words u32; pixel p of a box (p = y·width + x) is bit p % 32 of its word p / 32.
struct Params {
  n: u32,
  total_words: u32,
  ch: u32,
  cw: u32,
  scale_y: f32, // ch / src_h, rounded to f32 (PyTorch's area_pixel_compute_scale)
  scale_x: f32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> info: array<u32>;
@group(0) @binding(2) var<storage, read_write> bits: array<u32>;
@group(0) @binding(3) var<uniform> u: Params;

override WG: u32 = 64;

// PyTorch's linear source index: max(scale·(dst + 0.5) − 0.5, 0), its floor, the next index's offset
// (0 at the last row) and the weight of the next index.
fn axis(dst: u32, scale: f32, size: u32) -> vec3<f32> {
  let src = max(scale * (f32(dst) + 0.5) - 0.5, 0.0);
  let i0 = min(u32(src), size - 1u);
  let off = select(0.0, 1.0, i0 < size - 1u);
  return vec3<f32>(f32(i0), off, clamp(src - f32(i0), 0.0, 1.0));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let w = gid.x + gid.y * nwg.x * WG;
  if (w >= u.total_words || w >= arrayLength(&bits) || u.n == 0u) {
    return;
  }
  // The box owning word w: the last i with first_i ≤ w (binary search).
  var lo = 0u;
  var hi = u.n - 1u;
  while (lo < hi) {
    let mid = (lo + hi + 1u) / 2u;
    if (info[mid * 8u + 4u] <= w) {
      lo = mid;
    } else {
      hi = mid - 1u;
    }
  }
  let x0 = info[lo * 8u];
  let y0 = info[lo * 8u + 1u];
  let width = info[lo * 8u + 2u];
  let count = width * info[lo * 8u + 3u];
  let base = lo * u.ch * u.cw;
  var word = 0u;
  for (var b = 0u; b < 32u; b++) {
    let p = (w - info[lo * 8u + 4u]) * 32u + b;
    if (p >= count) {
      break;
    }
    let ay = axis(y0 + p / width, u.scale_y, u.ch);
    let ax = axis(x0 + p % width, u.scale_x, u.cw);
    let r0 = base + u32(ay.x) * u.cw + u32(ax.x);
    let r1 = r0 + u32(ay.y) * u.cw;
    let c1 = u32(ax.y);
    let lx1 = ax.z;
    let lx0 = 1.0 - lx1;
    let ly1 = ay.z;
    let ly0 = 1.0 - ly1;
    let v = (logits[r0] * lx0 + logits[r0 + c1] * lx1) * ly0 + (logits[r1] * lx0 + logits[r1 + c1] * lx1) * ly1;
    if (v > 0.0) {
      word |= 1u << b;
    }
  }
  bits[w] = word;
}
