// A 3×3 convolution's input unfolded for a GEMM (im2col), stride 1 or 2, zero padding 1:
// cols[(ci·9 + ky·3 + kx)·npix + p] = x[ci][oy·stride − 1 + ky][ox·stride − 1 + kx] (0 in the padding),
// p = oy·out_w + ox. The packed 3×3 weights are [K = Cin·9][cout_pad] in the same K order, so a 1×1
// kernel over these K rows of the output plane is the convolution.
// Lanes run along p: neighbouring lanes write neighbouring addresses.
//
// arena: activations, NCHW f32; input at in_off (in_c × in_h × in_w), cols at out_off (in_c·9 × npix).

struct Params {
  in_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  out_off: u32,
  out_h: u32,
  out_w: u32,
  stride: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<uniform> u: Params;

const LANES: u32 = 64u;

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u) {
  let npix = u.out_h * u.out_w;
  // Pixel tiles along x, folded into z past the per-dimension workgroup limit; one input channel per y.
  // Lanes past the plane's end write the last pixel's values again (no branch: SwiftShader runs a
  // lane-masked store lane by lane).
  let p = min((wid.x + wid.z * nwg.x) * LANES + li, npix - 1u);
  let ci = wid.y;
  let H = i32(u.in_h);
  let W = i32(u.in_w);
  let y0 = i32(p / u.out_w * u.stride) - 1;
  let x0 = i32(p % u.out_w * u.stride) - 1;
  let src = u.in_off + ci * u.in_h * u.in_w;
  let r0 = src + u32(clamp(y0, 0, H - 1)) * u.in_w;
  let r1 = src + u32(clamp(y0 + 1, 0, H - 1)) * u.in_w;
  let r2 = src + u32(clamp(y0 + 2, 0, H - 1)) * u.in_w;
  let c0 = u32(clamp(x0, 0, W - 1));
  let c1 = u32(clamp(x0 + 1, 0, W - 1));
  let c2 = u32(clamp(x0 + 2, 0, W - 1));
  let vy0 = y0 >= 0;
  let vy2 = y0 + 2 < H;
  let vx0 = x0 >= 0;
  let vx2 = x0 + 2 < W;
  let d = u.out_off + ci * 9u * npix + p;
  arena[d] = select(0.0, arena[r0 + c0], vy0 && vx0);
  arena[d + npix] = select(0.0, arena[r0 + c1], vy0);
  arena[d + 2u * npix] = select(0.0, arena[r0 + c2], vy0 && vx2);
  arena[d + 3u * npix] = select(0.0, arena[r1 + c0], vx0);
  arena[d + 4u * npix] = arena[r1 + c1];
  arena[d + 5u * npix] = select(0.0, arena[r1 + c2], vx2);
  arena[d + 6u * npix] = select(0.0, arena[r2 + c0], vy2 && vx0);
  arena[d + 7u * npix] = select(0.0, arena[r2 + c1], vy2);
  arena[d + 8u * npix] = select(0.0, arena[r2 + c2], vy2 && vx2);
}
