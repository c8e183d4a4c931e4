/**
 * The EigenCAM overlay: the heat map (0–1 per pixel) coloured with a jet scale (cv2.COLORMAP_JET, what
 * pytorch-grad-cam's show_cam_on_image uses) into a canvas of the image's size, drawn over the
 * radiograph at the chosen opacity, under the boxes (so the PNG export carries it).
 */

/** cv2.COLORMAP_JET's piecewise-linear approximation: 0 dark blue → 0.5 green → 1 dark red. */
export function jet(v: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))];
}

/** CSS gradient of the same scale, for the legend. */
export const jetGradient = () => `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((v) => `rgb(${jet(v).join(' ')}) ${v * 100}%`).join(', ')})`;

export interface Heat {
  width: number;
  height: number;
  data: Float32Array;
}

/** The coloured heat map as a canvas (made once per image, reused while the opacity changes). */
export function heatCanvas(h: Heat): OffscreenCanvas {
  const c = new OffscreenCanvas(h.width, h.height);
  const img = new ImageData(h.width, h.height);
  const lut = Array.from({ length: 256 }, (_, i) => jet(i / 255));
  for (let i = 0; i < h.data.length; i++) {
    const [r, g, b] = lut[Math.round(Math.min(1, Math.max(0, h.data[i])) * 255)];
    img.data.set([r, g, b, 255], i * 4);
  }
  c.getContext('2d')!.putImageData(img, 0, 0);
  return c;
}
