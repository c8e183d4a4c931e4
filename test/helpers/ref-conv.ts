/** Naive reference convolution (NCHW input, OIHW weights, zero padding k//2), for kernel tests. */
export function refConv(
  x: Float32Array, [c, h, w]: [number, number, number],
  wt: Float32Array, bias: Float32Array, cout: number, k: number, stride: number, groups: number, act: boolean,
  residual?: Float32Array,
): { y: Float32Array; oh: number; ow: number } {
  const pad = Math.floor(k / 2);
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const cinG = c / groups;
  const coutG = cout / groups;
  const y = new Float32Array(cout * oh * ow);
  for (let m = 0; m < cout; m++) {
    const g = Math.floor(m / coutG);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s = bias[m];
        for (let ci = 0; ci < cinG; ci++) {
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * stride - pad + ky;
              const ix = ox * stride - pad + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              s += wt[((m * cinG + ci) * k + ky) * k + kx] * x[((g * cinG + ci) * h + iy) * w + ix];
            }
          }
        }
        if (act) s = s / (1 + Math.exp(-s));
        const i = (m * oh + oy) * ow + ox;
        y[i] = s + (residual ? residual[i] : 0);
      }
    }
  }
  return { y, oh, ow };
}
