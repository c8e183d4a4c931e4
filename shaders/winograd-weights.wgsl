// Winograd F(M×M, 3×3)'s transformed weights U = G g Gᵀ on the GPU, for weights that change every
// step (the trainer's; inference packs them once on the CPU: src/ops/winograd.ts packWinogradWeights,
// the same layout). Reads the 3×3 weights g of every (output o, input i) channel pair from the
// convolutions' packed layout ([Cin·9][cout_pad] at w_off) and writes U[ξ][i][o], ξ = (M+2)² elements,
// as (M+2)² blocks of [Cin][cout_pad] at u_off. Padding columns (o ≥ Cout) and the GEMMs' zero bias
// after the blocks are never written (the buffer's zeros). One invocation per pair, neighbouring lanes
// on neighbouring output channels (contiguous in both layouts). M = 2: G with points 0, ±1; M = 4: 0,
// ±1, ±2 (Lavin & Gray), as packWinogradWeights.
struct Params {
  w_off: u32,
  u_off: u32,
  cin: u32,
  cout: u32,
  cout_pad: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

override M: u32 = 2;
override WG: u32 = 64;

// G's rows ((M+2) × 3).
const G2 = array<vec3f, 4>(vec3f(1.0, 0.0, 0.0), vec3f(0.5, 0.5, 0.5), vec3f(0.5, -0.5, 0.5), vec3f(0.0, 0.0, 1.0));
const G4 = array<vec3f, 6>(
  vec3f(1.0 / 4.0, 0.0, 0.0), vec3f(-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0), vec3f(-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0),
  vec3f(1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0), vec3f(1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0), vec3f(0.0, 0.0, 1.0)
);

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let o = gid.x;
  let i = gid.y;
  if (o >= u.cout || i >= u.cin) {
    return;
  }
  // g's rows r (columns 0, 1, 2).
  var g: array<vec3f, 3>;
  for (var r = 0u; r < 3u; r++) {
    let k = u.w_off + (i * 9u + r * 3u) * u.cout_pad + o;
    g[r] = vec3f(src[k], src[k + u.cout_pad], src[k + 2u * u.cout_pad]);
  }
  let a = M + 2u;
  // U[p][q] = (G g)'s row p · G's row q, G's rows kept in registers.
  var gr: array<vec3f, 6>;
  for (var p = 0u; p < a; p++) {
    gr[p] = select(G4[min(p, 5u)], G2[min(p, 3u)], M == 2u);
  }
  for (var p = 0u; p < a; p++) {
    let t = gr[p].x * g[0] + gr[p].y * g[1] + gr[p].z * g[2];
    let row = u.u_off + p * a * u.cin * u.cout_pad + i * u.cout_pad + o;
    for (var q = 0u; q < a; q++) {
      dst[row + q * u.cin * u.cout_pad] = dot(t, gr[q]);
    }
  }
}
