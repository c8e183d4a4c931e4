/**
 * Float64 reference of the GPU EigenCAM (src/explain/eigencam.ts), from activations read back:
 * pytorch-grad-cam's get_2d_projection (centre each channel over the pixels; the first right-singular
 * vector of the P × C matrix, here the top eigenvector of its C × C Gram matrix by cyclic Jacobi
 * rotations, independent of the GPU's power iteration), the same sign rule (Σ v ≥ 0), ReLU,
 * scale_cam_image per layer, the same resampling into image pixels, the mean, scale_cam_image again.
 */

export interface RefLayer {
  /** C × h × w activations. */
  data: Float32Array | number[];
  c: number;
  h: number;
  w: number;
  stride: number;
}

/** Eigenvalues and eigenvectors (columns of V, row-major n × n) of a symmetric matrix, by cyclic Jacobi. */
export function jacobiEigen(a: Float64Array, n: number, sweeps = 100): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let s = 0; s < sweeps; s++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off < 1e-22 * (A.reduce((m, x) => Math.max(m, Math.abs(x)), 0) ** 2 + 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) { // A ← Jᵀ A J (columns, then rows), V ← V J
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - sn * akq;
          A[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - sn * aqk;
          A[q * n + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - sn * vkq;
          V[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => A[i * n + i]), vectors: V };
}

/** One layer's projection on its first principal component, after ReLU (h × w), and the eigenvalue. */
export function projectRef(l: RefLayer): { map: Float64Array; eigenvalue: number; vector: Float64Array } {
  const { c, h, w } = l;
  const P = h * w;
  const x = (k: number, p: number) => (Number.isNaN(l.data[k * P + p]) ? 0 : l.data[k * P + p]);
  const mean = Float64Array.from({ length: c }, (_, k) => {
    let s = 0;
    for (let p = 0; p < P; p++) s += x(k, p);
    return s / P;
  });
  const G = new Float64Array(c * c);
  for (let i = 0; i < c; i++) {
    for (let j = i; j < c; j++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += (x(i, p) - mean[i]) * (x(j, p) - mean[j]);
      G[i * c + j] = G[j * c + i] = s;
    }
  }
  const { values, vectors } = jacobiEigen(G, c);
  let top = 0;
  for (let i = 1; i < c; i++) if (values[i] > values[top]) top = i;
  const v = Float64Array.from({ length: c }, (_, i) => vectors[i * c + top]);
  if (v.reduce((s, e) => s + e, 0) < 0) v.forEach((e, i) => (v[i] = -e));
  const map = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += (x(k, p) - mean[k]) * v[k];
    map[p] = Math.max(s, 0);
  }
  return { map, eigenvalue: values[top], vector: v };
}

/** The heat map in image pixels (img_w × img_h), as cam-combine.wgsl computes it. */
export function heatmapRef(layers: RefLayer[], img: { width: number; height: number }, lb: { newW: number; newH: number; left: number; top: number }): Float64Array {
  const maps = layers.map((l) => {
    const { map } = projectRef(l);
    const lo = map.reduce((m, x) => Math.min(m, x), Infinity);
    const hi = map.reduce((m, x) => Math.max(m, x), -Infinity);
    return { l, map, lo, hi };
  });
  const out = new Float64Array(img.width * img.height);
  for (let y = 0; y < img.height; y++) {
    const iy = lb.top + ((y + 0.5) * lb.newH) / img.height;
    for (let x = 0; x < img.width; x++) {
      const ix = lb.left + ((x + 0.5) * lb.newW) / img.width;
      let s = 0;
      for (const { l, map, lo, hi } of maps) {
        const fx = Math.min(Math.max(ix / l.stride - 0.5, 0), l.w - 1);
        const fy = Math.min(Math.max(iy / l.stride - 0.5, 0), l.h - 1);
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const x1 = Math.min(x0 + 1, l.w - 1);
        const y1 = Math.min(y0 + 1, l.h - 1);
        const ax = fx - x0;
        const ay = fy - y0;
        const at = (yy: number, xx: number) => map[yy * l.w + xx];
        const v = (1 - ay) * ((1 - ax) * at(y0, x0) + ax * at(y0, x1)) + ay * ((1 - ax) * at(y1, x0) + ax * at(y1, x1));
        s += (v - lo) / (1e-7 + hi - lo);
      }
      out[y * img.width + x] = Math.max(s / maps.length, 0);
    }
  }
  const lo = out.reduce((m, x) => Math.min(m, x), Infinity);
  const hi = out.reduce((m, x) => Math.max(m, x), -Infinity);
  return out.map((v) => (v - lo) / (1e-7 + hi - lo));
}
