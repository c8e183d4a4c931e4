// EigenCAM step 4 of 4, in image pixels: each layer's map normalised to [0, 1] (pytorch-grad-cam's
// scale_cam_image: (s − min) / (1e-7 + max − min)), sampled bilinearly at the pixel's place in the
// letterboxed input (pixel centres; edges clamped, as cv2.resize), averaged over the layers
// (aggregate_multi_layers); phase 0 writes the average and its min/max, phase 1 normalises it again.
// The input position of image pixel x is left + (x + 0.5)·new_w / img_w, and of a layer cell
// (X + 0.5)·stride (likewise for y).
//
// proj: the layers' maps (h_k × w_k f32 at off_k); stat: u32 per layer [4k] min, [4k + 1] max bits,
// [16] / [17] the average's min / max bits; map: img_h × img_w f32.
struct Params {
  off: vec4<u32>,
  h: vec4<u32>,
  w: vec4<u32>,
  stride: vec4<u32>,
  layers: u32,
  img_w: u32,
  img_h: u32,
  new_w: u32,
  new_h: u32,
  left: u32,
  top: u32,
  phase: u32,
}

@group(0) @binding(0) var<storage, read> proj: array<f32>;
@group(0) @binding(1) var<storage, read_write> stat: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> map: array<f32>;
@group(0) @binding(3) var<uniform> u: Params;

override WG: u32 = 64;

// Bilinear sample of layer k at input position (ix, iy).
fn sample(k: u32, ix: f32, iy: f32) -> f32 {
  let st = f32(u.stride[k]);
  let fx = clamp(ix / st - 0.5, 0.0, f32(u.w[k] - 1u));
  let fy = clamp(iy / st - 0.5, 0.0, f32(u.h[k] - 1u));
  let x0 = u32(floor(fx));
  let y0 = u32(floor(fy));
  let x1 = min(x0 + 1u, u.w[k] - 1u);
  let y1 = min(y0 + 1u, u.h[k] - 1u);
  let ax = fx - f32(x0);
  let ay = fy - f32(y0);
  let o = u.off[k];
  let top = (1.0 - ax) * proj[o + y0 * u.w[k] + x0] + ax * proj[o + y0 * u.w[k] + x1];
  let bot = (1.0 - ax) * proj[o + y1 * u.w[k] + x0] + ax * proj[o + y1 * u.w[k] + x1];
  return (1.0 - ay) * top + ay * bot;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= u.img_w * u.img_h) {
    return;
  }
  if (u.phase == 1u) {
    let lo = bitcast<f32>(atomicLoad(&stat[16]));
    let hi = bitcast<f32>(atomicLoad(&stat[17]));
    map[i] = (map[i] - lo) / (1e-7 + hi - lo);
    return;
  }
  let ix = f32(u.left) + (f32(i % u.img_w) + 0.5) * f32(u.new_w) / f32(u.img_w);
  let iy = f32(u.top) + (f32(i / u.img_w) + 0.5) * f32(u.new_h) / f32(u.img_h);
  var s = 0.0;
  for (var k = 0u; k < u.layers; k++) {
    let lo = bitcast<f32>(atomicLoad(&stat[4u * k]));
    let hi = bitcast<f32>(atomicLoad(&stat[4u * k + 1u]));
    s += (sample(k, ix, iy) - lo) / (1e-7 + hi - lo);
  }
  s = s / f32(u.layers);
  s = select(0.0, s, s > 0.0); // +0, never −0: the bits must order as u32s
  map[i] = s;
  atomicMin(&stat[16], bitcast<u32>(s));
  atomicMax(&stat[17], bitcast<u32>(s));
}
