/** Crops of FracAtlas radiographs, as raw RGBA pixels, for tests that need many different small images. */
import { fixture } from './fixtures.js';
import { decodeImageFile } from '../../src/image/decode-node.js';

export type Crop = { width: number; height: number; channels: 4; data: number[] };

/** A w×h crop of a FracAtlas radiograph at (x0, y0), RGBA. */
export async function crop(name: string, x0: number, y0: number, w: number, h: number): Promise<Crop> {
  const img = await decodeImageFile(fixture(`datasets/fracatlas/images/Fractured/${name}`));
  const data: number[] = [];
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) for (let c = 0; c < 4; c++) data.push(img.data[(y * img.width + x) * 4 + c]);
  return { width: w, height: h, channels: 4, data };
}

/** 50 different 96–120 × 96 crops of five radiographs (the overlapping-calls tests' inputs). */
export async function fiftyCrops(): Promise<Crop[]> {
  const names = ['IMG0003458.jpg', 'IMG0003342.jpg', 'IMG0000019.jpg', 'IMG0001572.jpg', 'IMG0003297.jpg'];
  const images = [];
  for (let i = 0; i < 50; i++) images.push(await crop(names[i % 5], 40 + 7 * i, 60 + 3 * i, 96 + (i % 4) * 8, 96));
  return images;
}
