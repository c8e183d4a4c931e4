/**
 * Float64 references for the backward-kernel tests: forward functions of a scalar loss and their
 * gradients by central finite differences. Each test projects a layer's output on a random tensor r
 * (L = Σ r ⊙ y), so ∂L/∂y = r is the upstream gradient handed to the GPU kernel, and compares the
 * kernel's result with the finite differences of L.
 */

/** y = conv(x, w) + b in f64 (no activation), NCHW / OIHW, zero padding k/2, groups 1 or C. */
export function convF64(x: Float64Array, [c, h, w]: number[], wt: Float64Array, b: Float64Array, cout: number, k: number, s: number, groups: number) {
  const pad = Math.floor(k / 2);
  const oh = Math.floor((h + 2 * pad - k) / s) + 1;
  const ow = Math.floor((w + 2 * pad - k) / s) + 1;
  const cg = c / groups;
  const y = new Float64Array(cout * oh * ow);
  for (let m = 0; m < cout; m++) {
    const g = Math.floor(m / (cout / groups));
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let acc = b[m];
        for (let ci = 0; ci < cg; ci++) {
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * s - pad + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * s - pad + kx;
              if (ix < 0 || ix >= w) continue;
              acc += wt[((m * cg + ci) * k + ky) * k + kx] * x[((g * cg + ci) * h + iy) * w + ix];
            }
          }
        }
        y[(m * oh + oy) * ow + ox] = acc;
      }
    }
  }
  return { y, oh, ow };
}

/** Σ r ⊙ y. */
export const project = (r: ArrayLike<number>, y: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += r[i] * y[i];
  return s;
};

/** ∂f/∂v by central differences, element by element (v is restored). */
export function finiteDiff(v: Float64Array, f: () => number, h = 1e-3): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i];
    v[i] = keep + h;
    const p = f();
    v[i] = keep - h;
    const m = f();
    v[i] = keep;
    g[i] = (p - m) / (2 * h);
  }
  return g;
}

/** max |a − b| / max |b|: the relative error the tests state. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / Math.max(m, 1e-30);
}

/** Round to f32, as the values the GPU sees. */
export const f32 = (n: number, r: (lo: number, hi: number) => number, lo = -1, hi = 1) => Float64Array.from({ length: n }, () => Math.fround(r(lo, hi)));
