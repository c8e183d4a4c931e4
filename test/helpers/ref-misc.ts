/**
 * Naive TS references (float64 accumulation) for the SPPF pool, the 2× upsample and C2PSA's
 * attention, written to follow PyTorch / Ultralytics forward passes literally.
 */

/** nn.MaxPool2d(k, stride 1, padding k//2) on (c, h, w): PyTorch pads max-pool with −inf. */
export function refMaxPool(x: Float32Array, c: number, h: number, w: number, k: number): Float32Array {
  const r = Math.floor(k / 2);
  const y = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < h; oy++) {
      for (let ox = 0; ox < w; ox++) {
        let m = -Infinity; // the padding value
        for (let ky = -r; ky <= r; ky++) {
          for (let kx = -r; kx <= r; kx++) {
            const iy = oy + ky;
            const ix = ox + kx;
            const v = iy < 0 || iy >= h || ix < 0 || ix >= w ? -Infinity : x[(ch * h + iy) * w + ix];
            m = Math.max(m, v);
          }
        }
        y[(ch * h + oy) * w + ox] = m;
      }
    }
  }
  return y;
}

/** SPPF's chain: y1 = m(x), y2 = m(y1), y3 = m(y2). */
export function refSppfPools(x: Float32Array, c: number, h: number, w: number, k = 5): [Float32Array, Float32Array, Float32Array] {
  const y1 = refMaxPool(x, c, h, w, k);
  const y2 = refMaxPool(y1, c, h, w, k);
  return [y1, y2, refMaxPool(y2, c, h, w, k)];
}

/** The same chain padded with zeros (candle's / tinygrad's bug), to show the test can tell them apart. */
export function refMaxPoolZeroPad(x: Float32Array, c: number, h: number, w: number, k: number): Float32Array {
  const r = Math.floor(k / 2);
  const y = refMaxPool(x, c, h, w, k);
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < h; oy++) {
      for (let ox = 0; ox < w; ox++) {
        const touchesPad = oy - r < 0 || oy + r >= h || ox - r < 0 || ox + r >= w;
        if (touchesPad) y[(ch * h + oy) * w + ox] = Math.max(0, y[(ch * h + oy) * w + ox]);
      }
    }
  }
  return y;
}

/** nn.Upsample(scale_factor=2, mode='nearest') on (c, h, w) → (c, 2h, 2w). */
export function refUpsample2x(x: Float32Array, c: number, h: number, w: number): Float32Array {
  const y = new Float32Array(c * 4 * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < 2 * h; oy++) {
      for (let ox = 0; ox < 2 * w; ox++) y[(ch * 2 * h + oy) * 2 * w + ox] = x[(ch * h + (oy >> 1)) * w + (ox >> 1)];
    }
  }
  return y;
}

/**
 * Ultralytics Attention.forward between `qkv(x)` and `proj(·)` (ultralytics/nn/modules/block.py):
 *   q, k, v = qkv.view(B, heads, 2·keyDim + headDim, N).split([keyDim, keyDim, headDim], dim=2)
 *   attn = softmax((q.transpose(-2, -1) @ k) * keyDim**-0.5, dim=-1)          # (heads, N, N)
 *   x = (v @ attn.transpose(-2, -1)).view(B, C, H, W) + pe(v.reshape(B, C, H, W))
 * with pe = depthwise 3×3 conv (pad 1, bias, no activation); weights OIHW [C, 1, 3, 3].
 * Input qkv: (heads·(2·keyDim + headDim), h, w); returns (heads·headDim, h, w).
 */
export function refAttention(
  qkv: Float32Array, h: number, w: number, heads: number, keyDim: number, headDim: number,
  peW: Float32Array, peB: Float32Array,
): Float32Array {
  const n = h * w;
  const per = 2 * keyDim + headDim;
  const C = heads * headDim;
  const out = new Float32Array(C * n);
  const scale = keyDim ** -0.5;
  const row = new Float64Array(n);
  for (let hd = 0; hd < heads; hd++) {
    const q = (k: number, i: number) => qkv[(hd * per + k) * n + i];
    const kk = (k: number, j: number) => qkv[(hd * per + keyDim + k) * n + j];
    const v = (d: number, j: number) => qkv[(hd * per + 2 * keyDim + d) * n + j];
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < keyDim; k++) s += q(k, i) * kk(k, j);
        row[j] = s * scale;
        mx = Math.max(mx, row[j]);
      }
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (row[j] = Math.exp(row[j] - mx));
      for (let d = 0; d < headDim; d++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += v(d, j) * (row[j] / sum);
        out[(hd * headDim + d) * n + i] = acc;
      }
    }
  }
  // pe(v.reshape(C, h, w)): channel c = hd·headDim + d.
  for (let c = 0; c < C; c++) {
    const hd = Math.floor(c / headDim);
    const d = c % headDim;
    const vb = (hd * per + 2 * keyDim + d) * n;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = peB[c];
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            const yy = y + ky - 1;
            const xx = x + kx - 1;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) s += peW[c * 9 + ky * 3 + kx] * qkv[vb + yy * w + xx];
          }
        }
        out[c * n + y * w + x] += s;
      }
    }
  }
  return out;
}
