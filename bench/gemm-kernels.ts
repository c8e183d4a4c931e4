/**
 * A small family of plain fp32 matmul kernels, independent of the runtime's convolution kernels, to
 * measure what the adapter can do: C[M][N] = Σₖ A[k][M] · B[k][N] (A: weights-like, M contiguous;
 * B: activations-like, N contiguous; C row-major [M][N]). Each kernel clamps its loads and guards
 * its stores, so any M, N, K works; FLOPs are counted for the requested shape only. The register
 * kernels store without tests where M is a multiple of their TM (override FULL, as the runtime's
 * FULL_M): lanes past M or N hold a copy of a clamped lane's sums and store it there again.
 *
 * Written for this benchmark only (WGSL built from these functions at run time):
 * - `rt`: register tile TM×TN per lane, every accumulator a named variable; `coalesced` lanes take
 *   pixels n0 + lane + WX·j (neighbouring lanes, neighbouring addresses), otherwise n0 + TN·lane + j;
 *   `sg` loads A cooperatively (one vec4 per subgroup lane) and broadcasts it; `sums`: the same
 *   products, one sum per lane written instead of each output (what the writes cost).
 * - `loop`: the same register tile written with arrays and loops (how a GPU kernel is usually written).
 * - `smem`: 64×64 workgroup-memory tiles, 16×16 lanes with 4×4 each, K slices of 16, vec4 loads.
 */
export interface GemmKernel {
  name: string;
  code: string;
  workgroup: [number, number];
  /** Workgroups for an M×N output. */
  grid(m: number, n: number): [number, number, number];
  subgroups: boolean;
  /**
   * A kernel that computes the same products but writes one sum per lane (over the outputs its lane
   * owns) instead of each output: the time of the output writes is the difference.
   */
  sums?: { tm: number; tn: number; wx: number; wy: number; coalesced: boolean; /** the kernel it is the twin of */ of: string };
  /** This kernel's twin without output writes (register kernels). */
  twin?: () => GemmKernel;
  /** Pipeline-overridable constants for an M×N output. */
  constants?: (m: number, n: number) => Record<string, number>;
}

const BINDINGS = `struct P { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> u: P;`;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function rtKernel(tm: number, tn: number, o: { coalesced: boolean; sg: boolean; wx?: number; wy?: number; sums?: boolean }): GemmKernel {
  const wx = o.wx ?? 16;
  const wy = o.wy ?? 4;
  const q = tm / 4;
  const pix = (j: number) => (o.coalesced ? `n0 + ${j * wx}u` : `n0 + ${j}u`);
  const L: string[] = [];
  L.push(`${o.sg ? 'enable subgroups;\n' : ''}${BINDINGS}`);
  L.push(`// M is a multiple of ${tm}: stores need no tests (lanes past M or N store a clamped lane's copy again).
override FULL: bool = false;`);
  L.push(`@compute @workgroup_size(${wx}, ${wy})`);
  L.push(`fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u${o.sg ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {`);
  L.push(o.coalesced ? `  let n0 = wid.x * ${wx * tn}u + lid.x;` : `  let n0 = (wid.x * ${wx}u + lid.x) * ${tn}u;`);
  L.push(`  let m0 = (wid.y * ${wy}u + lid.y) * ${tm}u;`);
  L.push(`  let mp = (u.M + 3u) / 4u;`);
  for (const j of range(tn)) L.push(`  let p${j} = min(${pix(j)}, u.N - 1u);`);
  for (const j of range(tn)) L.push(`  ${range(q).map((i) => `var c${j}_${i} = vec4<f32>();`).join(' ')}`);
  L.push(`  var ai = min(m0 / 4u, mp - ${q}u)${o.sg ? ` + sid % ${q}u` : ''};`);
  L.push(`  var bi = 0u;`);
  L.push(`  for (var k = 0u; k < u.K; k++) {`);
  if (o.sg) {
    L.push(`    let al = A[ai];`);
    for (const i of range(q)) L.push(`    let a${i} = subgroupBroadcast(al, ${i}u);`);
  } else for (const i of range(q)) L.push(`    let a${i} = A[ai + ${i}u];`);
  for (const j of range(tn)) {
    L.push(`    let b${j} = B[bi + p${j}];`);
    for (const i of range(q)) L.push(`    c${j}_${i} = fma(a${i}, vec4<f32>(b${j}), c${j}_${i});`);
  }
  L.push(`    ai += mp;`, `    bi += u.N;`, `  }`);
  if (o.sums) {
    L.push(`  var s = 0.0;`);
    for (const j of range(tn)) for (const i of range(q)) L.push(`  s += kept(m0 + ${4 * i}u, ${pix(j)}, c${j}_${i});`);
    L.push(`  C[(wid.y * ${wy}u + lid.y) * nwg.x * ${wx}u + wid.x * ${wx}u + lid.x] = s;`);
  } else {
    // FULL: a lane past M computed the last row tile's sums (its A index is clamped), one past N the last column's.
    L.push(`  let ms = select(m0, min(m0, mp * 4u - ${tm}u), FULL);`);
    for (const j of range(tn)) for (const i of range(q)) L.push(`  put(ms + ${4 * i}u, select(${pix(j)}, p${j}, FULL), c${j}_${i});`);
  }
  L.push(`}`);
  L.push(o.sums ? `fn kept(m0: u32, n: u32, v: vec4<f32>) -> f32 {
  let live = vec4<u32>(m0) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(u.M);
  return select(0.0, dot(select(vec4<f32>(), v, live), vec4<f32>(1.0)), n < u.N);
}` : `fn put(m0: u32, n: u32, v: vec4<f32>) {
  let r = m0 * u.N + n;
  if (FULL) {
    C[r] = v.x; C[r + u.N] = v.y; C[r + 2u * u.N] = v.z; C[r + 3u * u.N] = v.w;
    return;
  }
  if (n >= u.N) { return; }
  if (m0 + 3u < u.M) {
    C[r] = v.x; C[r + u.N] = v.y; C[r + 2u * u.N] = v.z; C[r + 3u * u.N] = v.w;
  } else {
    if (m0 < u.M) { C[r] = v.x; }
    if (m0 + 1u < u.M) { C[r + u.N] = v.y; }
    if (m0 + 2u < u.M) { C[r + 2u * u.N] = v.z; }
  }
}`);
  const name = `rt ${tm}×${tn}${o.coalesced ? ' coalesced' : ' per-lane rows'}${o.sg ? ' subgroup' : ''} (${wx}×${wy})`;
  return {
    name: o.sums ? `${name} without stores` : name,
    ...(o.sums ? { sums: { tm, tn, wx, wy, coalesced: o.coalesced, of: name } } : {}),
    twin: o.sums ? undefined : () => rtKernel(tm, tn, { ...o, sums: true }),
    constants: (m) => ({ FULL: m % tm === 0 ? 1 : 0 }),
    code: L.join('\n'),
    workgroup: [wx, wy],
    grid: (m, n) => [Math.ceil(n / (wx * tn)), Math.ceil(m / (wy * tm)), 1],
    subgroups: o.sg,
  };
}

export function loopKernel(tm: number, tn: number): GemmKernel {
  const q = tm / 4;
  const code = `${BINDINGS}
@compute @workgroup_size(16, 4)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let n0 = wid.x * ${16 * tn}u + lid.x;
  let m0 = (wid.y * 4u + lid.y) * ${tm}u;
  let mp = (u.M + 3u) / 4u;
  var c: array<array<vec4<f32>, ${tn}>, ${q}>;
  var ai = min(m0 / 4u, mp - ${q}u);
  var bi = 0u;
  for (var k = 0u; k < u.K; k++) {
    for (var j = 0u; j < ${tn}u; j++) {
      let b = B[bi + min(n0 + j * 16u, u.N - 1u)];
      for (var i = 0u; i < ${q}u; i++) { c[i][j] = fma(A[ai + i], vec4<f32>(b), c[i][j]); }
    }
    ai += mp;
    bi += u.N;
  }
  for (var i = 0u; i < ${q}u; i++) {
    for (var j = 0u; j < ${tn}u; j++) {
      let n = n0 + j * 16u;
      for (var e = 0u; e < 4u; e++) { if (n < u.N && m0 + i * 4u + e < u.M) { C[(m0 + i * 4u + e) * u.N + n] = c[i][j][e]; } }
    }
  }
}`;
  return { name: `loop ${tm}×${tn} (arrays)`, code, workgroup: [16, 4], grid: (m, n) => [Math.ceil(n / (16 * tn)), Math.ceil(m / (4 * tm)), 1], subgroups: false };
}

export function smemKernel(): GemmKernel {
  const code = `${BINDINGS}
var<workgroup> As: array<vec4<f32>, 256>; // [16 k][16 vec4 = 64 m]
var<workgroup> Bs: array<vec4<f32>, 256>; // [16 k][16 vec4 = 64 n]
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = lid.y * 16u + lid.x;
  let n0 = wid.x * 64u;
  let m0 = wid.y * 64u;
  let mp = (u.M + 3u) / 4u;
  var acc: array<vec4<f32>, 4>; // 4 m × 4 n (vec4 over n)
  for (var k0 = 0u; k0 < u.K; k0 += 16u) {
    let kk = t / 16u;
    let c4 = t % 16u;
    let k = min(k0 + kk, u.K - 1u);
    let keep = k0 + kk < u.K;
    As[t] = select(vec4<f32>(), A[k * mp + min(m0 / 4u + c4, mp - 1u)], keep);
    let n = n0 + c4 * 4u;
    var b = vec4<f32>();
    for (var e = 0u; e < 4u; e++) { b[e] = B[k * u.N + min(n + e, u.N - 1u)]; }
    Bs[t] = select(vec4<f32>(), b, keep);
    workgroupBarrier();
    for (var s = 0u; s < 16u; s++) {
      let a = As[s * 16u + lid.y];
      let bv = Bs[s * 16u + lid.x];
      acc[0] = fma(vec4<f32>(a.x), bv, acc[0]);
      acc[1] = fma(vec4<f32>(a.y), bv, acc[1]);
      acc[2] = fma(vec4<f32>(a.z), bv, acc[2]);
      acc[3] = fma(vec4<f32>(a.w), bv, acc[3]);
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y * 4u + i;
    for (var e = 0u; e < 4u; e++) {
      let n = n0 + lid.x * 4u + e;
      if (m < u.M && n < u.N) { C[m * u.N + n] = acc[i][e]; }
    }
  }
}`;
  return { name: 'smem 64×64 (workgroup memory, 16×16 lanes × 4×4)', code, workgroup: [16, 16], grid: (m, n) => [Math.ceil(n / 64), Math.ceil(m / 64), 1], subgroups: false };
}

/**
 * The family the ceiling is the best of; subgroup kernels only where the adapter has subgroups, with
 * rows of lanes (wx) at least as wide as its largest subgroup, so that no subgroup spans two rows of
 * different output channels (16×4 where subgroups have ≤ 16 lanes, 32×2 for 32, 64×1 for 64).
 */
export function gemmKernels(subgroups: boolean, subgroupMaxSize = 4): GemmKernel[] {
  const k = [
    rtKernel(16, 8, { coalesced: true, sg: false }),
    rtKernel(16, 16, { coalesced: true, sg: false }),
    rtKernel(8, 8, { coalesced: true, sg: false }),
    rtKernel(16, 8, { coalesced: false, sg: false }),
    loopKernel(8, 8),
    smemKernel(),
  ];
  const wx = Math.max(16, subgroupMaxSize);
  if (subgroups && wx <= 64) k.push(rtKernel(16, 8, { coalesced: true, sg: true, wx, wy: 64 / wx }), rtKernel(16, 16, { coalesced: true, sg: true, wx, wy: 64 / wx }));
  return k;
}
