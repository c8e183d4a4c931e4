/** Where a heat map is strongest: its peak and the box around the pixels within 10 % of the peak. */
export interface HeatSummary {
  /** The heat map's maximum [x, y] (the first, row by row), in image pixels, and its value. */
  peak: [number, number];
  value: number;
  /** [x1, y1, x2, y2] around every pixel ≥ 0.9 · the maximum (the strongest region), in image pixels. */
  region: [number, number, number, number];
}

export function heatSummary(h: { width: number; height: number; data: ArrayLike<number> }): HeatSummary {
  let best = 0;
  for (let i = 1; i < h.data.length; i++) if (h.data[i] > h.data[best]) best = i;
  const value = h.data[best] ?? 0;
  const region: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < h.data.length; i++) {
    if (h.data[i] < 0.9 * value) continue;
    const x = i % h.width;
    const y = Math.floor(i / h.width);
    region[0] = Math.min(region[0], x);
    region[1] = Math.min(region[1], y);
    region[2] = Math.max(region[2], x + 1);
    region[3] = Math.max(region[3], y + 1);
  }
  return { peak: [best % h.width, Math.floor(best / h.width)], value, region };
}

/** Does box [x1, y1, x2, y2] hold the peak? */
export const peakInBox = (s: HeatSummary, b: readonly number[]) => s.peak[0] + 0.5 >= b[0] && s.peak[0] + 0.5 <= b[2] && s.peak[1] + 0.5 >= b[1] && s.peak[1] + 0.5 <= b[3];
