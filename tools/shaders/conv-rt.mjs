/** The register-tile convolution kernels (1×1 and 3×3, stride 1 and 2): see tools/gen-shaders.mjs for why they are unrolled. */
import { range } from './common.mjs';

/** Shared by the 3×3 kernels: per-lane clamped offsets and padding masks of `rows` input rows × 3 columns. */
export function taps(L, s, rows, oyExpr) {
  L.push(`  let H = i32(u.in_h);`);
  L.push(`  let W = i32(u.in_w);`);
  L.push(`  // Input column of kernel column kx: cx + kx; input row r: ry + r. Addresses are clamped into the`);
  L.push(`  // plane and the value zeroed where the tap falls in the padding, decided here, once per lane.`);
  L.push(`  let cx = i32(min(ox, u.out_w - 1u) * ${s}u) - 1;`);
  L.push(`  let ry = i32(${oyExpr} * ${s}u) - 1;`);
  for (const kx of range(3)) L.push(`  let c${kx} = u32(clamp(cx + ${kx}, 0, W - 1));`);
  L.push(`  let cv0 = cx >= 0;`);
  L.push(`  let cv2 = cx + 2 < W;`);
  for (const r of range(rows)) L.push(`  let r${r} = ry + ${r};`);
  for (const r of range(rows)) L.push(`  let rv${r} = r${r} >= 0 && r${r} < H;`);
  for (const r of range(rows)) L.push(`  let ro${r} = u32(clamp(r${r}, 0, H - 1)) * u.in_w;`);
  for (const r of range(rows)) for (const kx of range(3)) L.push(`  let o${r}_${kx} = ro${r} + c${kx};`);
  for (const r of range(rows)) {
    L.push(`  let v${r}_0 = rv${r} && cv0;`);
    L.push(`  let v${r}_2 = rv${r} && cv2;`);
  }
}

const PARAMS = `struct Params {
  in_off: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  out_off: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  w_off: u32,
  b_off: u32,
  res_off: u32,
  cout_pad: u32,
  act: u32,
  wx: u32,
}`;

/**
 * 1×1 kernels also run as a batch of GEMMs in one dispatch (Winograd's 16, src/ops/winograd.ts):
 * workgroup z is batch · zfold + the pixel-tile fold, and batch b reads its input at in_off + b·bat_in,
 * its weights at w_off + b·bat_w, writes at out_off + b·bat_out (one GEMM: zfold = z, strides 0).
 * With bat_rows ≠ 0 the batches are packed along the workgroup's rows of lanes instead, bat_rows rows
 * (channel tiles) each: lane row r of the grid computes channel tile r % bat_rows of batch r / bat_rows.
 * A small GEMM (Winograd's on a 10×10 plane: 25 tiles, 64 channels) then fills all 64 lanes of a
 * workgroup with narrow rows (wx = 4) instead of one batch's 4 channel tiles in rows of 16 lanes.
 */
/**
 * 3×3 kernels (a column of rows per lane): with yrows > 1 the workgroup's rows of lanes go yrows at a
 * time along output row tiles instead of all along channel tiles (row ly: channel tile ly / yrows, row
 * tile ly % yrows), so that a convolution with one channel tile (model.0: 16 channels) can still take
 * rows of fewer lanes where its columns do not fill 64 (160 columns: 2 rows of 32 instead of 3 × 64).
 */
const K3_PARAMS = PARAMS.replace('  wx: u32,\n}', '  wx: u32,\n  yrows: u32,\n}');

const PW_PARAMS = PARAMS.replace('  wx: u32,\n}', '  wx: u32,\n  bat_in: u32,\n  bat_w: u32,\n  bat_out: u32,\n  zfold: u32,\n  bat_rows: u32,\n}');

const EPILOGUE = `// SiLU, residual (after the activation, as Ultralytics' Bottleneck), for channels m0 .. m0+3 at pixel n
// (acc already holds the bias: see accumulators()), as vec4 arithmetic (no loop: a dynamic vector index
// costs CPU adapters a memory round trip).
// SiLU is selected, not branched on: SwiftShader runs both sides of a branch under lane masks, and
// branches around this epilogue cost 16 % of a forward at 320 (npm run bench, 396 → 333 ms with the
// callers' bounds branches also removed). The residual is an override (RES), so convolutions without
// one load nothing (5 % of those convolutions' time at 320, measured the same way).
fn put4(ob: u32, m0: u32, n: u32, npix: u32, acc: vec4<f32>, own: bool) {
  if (IN_PLACE && !own) {
    return; // a clamped copy must not add the residual a second time
  }
  let b = acc;
  var v = select(b, b / (1.0 + exp(-b)), u.act != 0u);
  let o = m0 * npix + n;
  if (RES) { // an override: resolved when the pipeline is compiled
    let last = u.out_c - 1u; // channels past Cout read the last one's residual and store nothing
    let r = u.res_off + n;
    v += vec4<f32>(arena[r + min(m0, last) * npix], arena[r + min(m0 + 1u, last) * npix], arena[r + min(m0 + 2u, last) * npix], arena[r + min(m0 + 3u, last) * npix]);
  }
  if (FULL_M || m0 + 3u < u.out_c) {
    arena[ob + o] = v.x;
    arena[ob + o + npix] = v.y;
    arena[ob + o + 2u * npix] = v.z;
    arena[ob + o + 3u * npix] = v.w;
  } else {
    if (m0 < u.out_c) {
      arena[ob + o] = v.x;
    }
    if (m0 + 1u < u.out_c) {
      arena[ob + o + npix] = v.y;
    }
    if (m0 + 2u < u.out_c) {
      arena[ob + o + 2u * npix] = v.z;
    }
  }
}`;

/**
 * The lane's accumulators, declared at the bias of the channel tile whose weights it reads (the
 * epilogue then adds none): q vec4 loads per lane instead of one per stored vec4. yolo11n's stem at
 * 640 (model.0, K = 27) ran 24.1 → 22.0 ms in two runs of `npm run bench:probe -- epilogue`; the 1×1
 * 32 → 32 at 160×160 unchanged. Needs m0 (the lane's channel tile) in scope; declares `mt`, the tile
 * the lane reads, which the weight index and `storeBase` use too.
 */
export function accumulators(k) {
  const q = k.tm / 4;
  return [
    `  // The channel tile whose weights and bias the lane reads: its own, or the last one past cout_pad.`,
    `  let mt = min(m0, u.cout_pad - ${k.tm}u);`,
    `  // Accumulators start at the bias.`,
    `  let bt = (u.b_off + mt) / 4u;`,
    ...range(q).map((i) => `  let bias${i} = weights[bt${i ? ` + ${i}u` : ''}];`),
    ...range(k.tn).map((j) => `  ${range(q).map((i) => `var a${j}_${i} = bias${i};`).join(' ')}`),
  ];
}

export function header(k) {
  const what = k.kind === 'pw'
    ? `1×1 convolution, stride 1, groups 1 (a GEMM over pixels): each lane owns ${k.tm} output channels × ${k.tn} pixels n0 + lane + WX·j`
    : k.kind === 'k3px'
      ? `3×3 convolution, stride ${k.stride}, zero padding 1, groups 1: each lane owns ${k.tm} output channels × ${k.tn} pixels n0 + lane + WX·j of the flattened output plane`
      : `3×3 convolution, stride ${k.stride}, zero padding 1, groups 1: each lane owns ${k.tm} output channels × ${k.tn} rows of one output column`;
  return `// GENERATED by tools/gen-shaders.mjs (npm run gen:shaders): do not edit by hand.
// ${what},
// every accumulator a named variable (no arrays: see the generator for why). SiLU (uniform act) and the residual
// (override RES) are applied in the epilogue.${k.sg ? `
// Weights of a K step are loaded one vec4 per subgroup lane and broadcast: needs subgroups of
// >= ${k.tm / 4} lanes lying within one row of u.wx lanes (the tuner checks the adapter's sizes).` : ''}
//
// arena   : activations, NCHW f32; input at in_off, output at out_off, residual at res_off.
// weights : packed [K = Cin·k·k][cout_pad] (cout_pad a multiple of ${k.tm}), vec4-aligned at w_off; bias [Cout] at b_off.
${k.sg ? 'enable subgroups;\n\n' : ''}${k.kind === 'pw' ? PW_PARAMS : k.kind === 'k3' ? K3_PARAMS : PARAMS}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> u: Params;

// 64 lanes: u.wx along pixels × 64 / u.wx rows along channels, a uniform so that one pipeline serves
// every split (each pipeline is a compile of this unrolled code, which takes CPU adapters a while).
const LANES: u32 = 64u;

// Adds the residual at res_off (after the activation).
override RES: bool = false;
// The output is the residual (accumulated in place, as training's input gradients are): lanes holding
// a clamped copy of another lane's pixel store nothing. Without it they store the same value again.
override IN_PLACE: bool = false;

// Cout is a multiple of 16 (= cout_pad): lanes past it hold a copy of the last channel tile (their
// weights are clamped) and store it there again, so the epilogue tests no channel. SwiftShader runs
// both sides of a branch under lane masks, so the partial-tile side costs as much as the stores it skips.
override FULL_M: bool = false;
${k.kind === 'k3' ? `
// The output's rows are a multiple of the lane's ${k.tn} (the row tests compile away: see FULL_M).
override FULL_N: bool = false;
` : ''}

${EPILOGUE}
`;
}


/** Lane (lx, ly) of the conv kernels' 64: u.wx lanes along pixels (neighbouring lanes, neighbouring pixels), rows along channels. */
export const LANE_SPLIT = ['  let WX = u.wx;', '  let WY = LANES / WX;', '  let lx = li % WX;', '  let ly = li / WX;'];

/** Weight loads of one K step at row offset `row` (a WGSL expression in vec4 units). */
export function loadWeights(k, row, indent) {
  const q = k.tm / 4;
  if (k.sg) {
    return [`${indent}let wl = weights[wi${row}];`, ...range(q).map((i) => `${indent}let w${i} = subgroupBroadcast(wl, ${i}u);`)];
  }
  return range(q).map((i) => `${indent}let w${i} = weights[wi${row}${i ? ` + ${i}u` : ''}];`);
}

export const fmas = (k, j, x, indent) => range(k.tm / 4).map((i) => `${indent}a${j}_${i} = fma(w${i}, vec4<f32>(${x}), a${j}_${i});`);

export function pw(k) {
  const q = k.tm / 4;
  const L = [];
  L.push(`@compute @workgroup_size(LANES)`);
  L.push(`fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u${k.sg ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {`);
  L.push(...LANE_SPLIT);
  L.push(`  let npix = u.out_h * u.out_w;`);
  L.push(`  // Pixel tiles run along x, folded into z past the per-dimension workgroup limit.`);
  L.push(`  // Batch (Winograd's GEMMs) and pixel-tile fold share z, or batches are packed along rows (bat_rows).`);
  L.push(`  let row = wid.y * WY + ly;`);
  L.push(`  let packed = u.bat_rows != 0u;`);
  L.push(`  let rb = max(u.bat_rows, 1u);`);
  L.push(`  let bz = wid.z / u.zfold + select(0u, row / rb, packed);`);
  L.push(`  let ob = u.out_off + bz * u.bat_out;`);
  L.push(`  let n0 = (wid.x + (wid.z % u.zfold) * nwg.x) * WX * ${k.tn}u + lx;`);
  L.push(`  let m0 = select(row, row % rb, packed) * ${k.tm}u;`);
  L.push(`  // Lanes past the end compute clamped copies and store nothing: every lane runs the K loop.`);
  for (const j of range(k.tn)) L.push(`  let p${j} = min(n0 + ${j}u * WX, npix - 1u);`);
  L.push(...accumulators(k));
  L.push(`  let wrow = u.cout_pad / 4u;`);
  L.push(`  var wi = (u.w_off + bz * u.bat_w + mt) / 4u${k.sg ? ` + sid % ${q}u` : ''};`);
  L.push(`  var xi = u.in_off + bz * u.bat_in;`);
  L.push(`  for (var ci = 0u; ci < u.in_c; ci++) {`);
  L.push(...loadWeights(k, '', '    '));
  for (const j of range(k.tn)) {
    L.push(`    let x${j} = arena[xi + p${j}];`);
    L.push(...fmas(k, j, `x${j}`, '    '));
  }
  L.push(`    xi += npix;`);
  L.push(`    wi += wrow;`);
  L.push(`  }`);
  // A lane past the end holds a copy of the last pixel's values and stores them there again (no
  // branch: on CPU adapters a divergent branch around the epilogue cost more than the stores).
  L.push(...storeBase(k));
  for (const j of range(k.tn)) for (const i of range(q)) L.push(`  put4(ob, ms + ${4 * i}u, p${j}, npix, a${j}_${i}, mown && n0 + ${j}u * WX < npix);`);
  L.push(`}`);
  return L.join('\n');
}

/** The channel tile a lane stores: its own, or with FULL_M the last one (`mt`) when it is past Cout (a copy of it). */
export const storeBase = (k) => [
  `  let ms = select(m0, mt, FULL_M);`,
  `  let mown = ms == m0;`,
];

export function k3(k) {
  const q = k.tm / 4;
  const s = k.stride;
  const rows = s * (k.tn - 1) + 3; // input rows one lane reads
  const L = [];
  L.push(`@compute @workgroup_size(LANES)`);
  L.push(`fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32${k.sg ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {`);
  L.push(...LANE_SPLIT);
  L.push(`  let npix = u.out_h * u.out_w;`);
  L.push(`  let ox = wid.x * WX + lx;`);
  L.push(`  // yrows rows of lanes along output row tiles, the rest along channel tiles (yrows 1: all).`);
  L.push(`  let yr = max(u.yrows, 1u);`);
  L.push(`  let oy0 = (wid.y * yr + ly % yr) * ${k.tn}u;`);
  L.push(`  let m0 = (wid.z * (WY / yr) + ly / yr) * ${k.tm}u;`);
  taps(L, s, rows, 'oy0');
  L.push(...accumulators(k));
  L.push(`  let wrow = u.cout_pad / 4u;`);
  L.push(`  var wi = (u.w_off + mt) / 4u${k.sg ? ` + sid % ${q}u` : ''};`);
  L.push(`  var xi = u.in_off;`);
  L.push(`  let in_hw = u.in_h * u.in_w;`);
  L.push(`  for (var ci = 0u; ci < u.in_c; ci++) {`);
  for (const kx of range(3)) {
    L.push(`    {`);
    L.push(`      // kernel column ${kx}`);
    for (const r of range(rows)) {
      const v = kx === 1 ? `rv${r}` : `v${r}_${kx}`;
      L.push(`      let x${r} = select(0.0, arena[xi + o${r}_${kx}], ${v});`);
    }
    for (const ky of range(3)) {
      const t = ky * 3 + kx;
      L.push(`      {`);
      L.push(...loadWeights(k, t ? ` + ${t}u * wrow` : '', '        '));
      for (const j of range(k.tn)) L.push(...fmas(k, j, `x${s * j + ky}`, '        '));
      L.push(`      }`);
    }
    L.push(`    }`);
  }
  L.push(`    xi += in_hw;`);
  L.push(`    wi += 9u * wrow;`);
  L.push(`  }`);
  // A lane past the last column holds a copy of that column's values and stores them there again (no
  // divergent branch around the epilogue); rows past the end are skipped.
  L.push(`  let oxs = min(ox, u.out_w - 1u);`);
  L.push(...storeBase(k));
  for (const j of range(k.tn)) {
    L.push(`  if (FULL_N || oy0 + ${j}u < u.out_h) {`);
    for (const i of range(q)) L.push(`    put4(u.out_off, ms + ${4 * i}u, (oy0 + ${j}u) * u.out_w + oxs, npix, a${j}_${i}, mown && ox < u.out_w);`);
    L.push(`  }`);
  }
  L.push(`}`);
  return L.join('\n');
}


/**
 * 3×3 convolution with lanes along flattened output pixels, as `pw`: lane (lx, ly) owns `tm` channels ×
 * `tn` pixels n0 + lx + WX·j. Each pixel keeps its nine clamped tap offsets and padding masks (computed
 * once, outside the K loop), so no input value is reused across rows as in `k3`; what it buys is lanes
 * that are all busy on small planes (a 10×10 output in rows of 16 columns × 8 rows idles 61 % of them).
 */
export function k3px(k) {
  const q = k.tm / 4;
  const s = k.stride;
  const L = [];
  L.push(`@compute @workgroup_size(LANES)`);
  L.push(`fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u${k.sg ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {`);
  L.push(...LANE_SPLIT);
  L.push(`  let npix = u.out_h * u.out_w;`);
  L.push(`  // Pixel tiles run along x, folded into z past the per-dimension workgroup limit.`);
  L.push(`  let n0 = (wid.x + wid.z * nwg.x) * WX * ${k.tn}u + lx;`);
  L.push(`  let m0 = (wid.y * WY + ly) * ${k.tm}u;`);
  L.push(`  let H = i32(u.in_h);`);
  L.push(`  let W = i32(u.in_w);`);
  L.push(`  // Pixel j's taps: input row ry + ky, column cx + kx, the address clamped into the plane and the`);
  L.push(`  // value zeroed in the padding (lanes past the end compute a clamped copy and store nothing).`);
  for (const j of range(k.tn)) {
    L.push(`  let p${j} = min(n0 + ${j}u * WX, npix - 1u);`);
    L.push(`  let ry${j} = i32(p${j} / u.out_w * ${s}u) - 1;`);
    L.push(`  let cx${j} = i32(p${j} % u.out_w * ${s}u) - 1;`);
    for (const ky of range(3)) for (const kx of range(3)) {
      L.push(`  let o${j}_${ky}${kx} = u32(clamp(ry${j} + ${ky}, 0, H - 1)) * u.in_w + u32(clamp(cx${j} + ${kx}, 0, W - 1));`);
      L.push(`  let v${j}_${ky}${kx} = ry${j} + ${ky} >= 0 && ry${j} + ${ky} < H && cx${j} + ${kx} >= 0 && cx${j} + ${kx} < W;`);
    }
  }
  L.push(...accumulators(k));
  L.push(`  let wrow = u.cout_pad / 4u;`);
  L.push(`  var wi = (u.w_off + mt) / 4u${k.sg ? ` + sid % ${q}u` : ''};`);
  L.push(`  var xi = u.in_off;`);
  L.push(`  let in_hw = u.in_h * u.in_w;`);
  L.push(`  for (var ci = 0u; ci < u.in_c; ci++) {`);
  for (const ky of range(3)) for (const kx of range(3)) {
    const t = ky * 3 + kx;
    L.push(`    {`);
    L.push(...loadWeights(k, t ? ` + ${t}u * wrow` : '', '      '));
    for (const j of range(k.tn)) {
      L.push(`      let x${j} = select(0.0, arena[xi + o${j}_${ky}${kx}], v${j}_${ky}${kx});`);
      L.push(...fmas(k, j, `x${j}`, '      '));
    }
    L.push(`    }`);
  }
  L.push(`    xi += in_hw;`);
  L.push(`    wi += 9u * wrow;`);
  L.push(`  }`);
  // A lane past the end holds a copy of the last pixel's values and stores them there again (no
  // branch: on CPU adapters a divergent branch around the epilogue cost more than the stores).
  L.push(...storeBase(k));
  for (const j of range(k.tn)) for (const i of range(q)) L.push(`  put4(u.out_off, ms + ${4 * i}u, p${j}, npix, a${j}_${i}, mown && n0 + ${j}u * WX < npix);`);
  L.push(`}`);
  return L.join('\n');
}
