/**
 * Sliced inference (SAHI) geometry and options: which tiles of an image are run, checked up front.
 * `sliceRects` is SAHI's get_slice_bboxes (sahi/slicing.py) transcribed: tiles of size × size start
 * every size − int(overlap · size) pixels; a tile that would cross the right or bottom edge is moved
 * back inside the image; an image narrower (shorter) than a tile gets one tile of its own width
 * (height). Rows run top to bottom, tiles in a row left to right, as SAHI lists them.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Rect } from '../image/source.js';

/** The most tiles one image may be cut into (the whole-image pass is not counted). */
export const MAX_TILES = 64;
/** Tile sizes: multiples of the largest stride, like network input sizes. */
const MAX_TILE = 8192;

export type MergeMethod = 'nmm' | 'nms';
export type MatchMetric = 'ios' | 'iou';

export interface SliceOptions {
  /** Tile side in image pixels, a multiple of 32 (default: the model's input size, its larger side). */
  size?: number;
  /** Overlap of neighbouring tiles as a fraction of the tile, in [0, 0.9) (default 0.2, SAHI's). */
  overlap?: number;
  /** Also run the whole image, letterboxed, when there is more than one tile (default true, SAHI's perform_standard_pred). */
  fullImage?: boolean;
  /**
   * How boxes from different tiles are combined (SAHI's defaults): 'nmm' greedy non-maximum merging
   * (GREEDYNMM: a kept box absorbs the boxes it matches, growing to their union), or 'nms' (NMS with the
   * same match test). Default 'nmm'.
   */
  merge?: MergeMethod;
  /** The match test: intersection over the smaller box ('ios', default) or over the union ('iou'). */
  matchMetric?: MatchMetric;
  /** Boxes match when the metric is ≥ this (default 0.5). */
  matchThreshold?: number;
}

export type ResolvedSlice = Required<SliceOptions>;

const bad = (m: string) => new InvalidArgumentError(`detect(): ${m}`);

/** Check `slice` options and fill in SAHI's defaults; `defaultSize` is the model's input size. */
export function resolveSlice(o: SliceOptions | true, defaultSize: number): ResolvedSlice {
  const s = o === true ? {} : o;
  if (!s || typeof s !== 'object') throw bad('slice must be true or an object { size?, overlap?, fullImage?, merge?, matchMetric?, matchThreshold? }');
  const r: ResolvedSlice = {
    size: s.size ?? defaultSize, overlap: s.overlap ?? 0.2, fullImage: s.fullImage ?? true,
    merge: s.merge ?? 'nmm', matchMetric: s.matchMetric ?? 'ios', matchThreshold: s.matchThreshold ?? 0.5,
  };
  if (!Number.isSafeInteger(r.size) || r.size < 32 || r.size > MAX_TILE || r.size % 32 !== 0) throw bad(`slice.size ${s.size} must be a multiple of 32 in 32..${MAX_TILE}`);
  if (!(typeof r.overlap === 'number' && r.overlap >= 0 && r.overlap < 0.9)) throw bad(`slice.overlap ${s.overlap} must be in [0, 0.9)`);
  if (typeof r.fullImage !== 'boolean') throw bad(`slice.fullImage must be true or false, got ${s.fullImage}`);
  if (r.merge !== 'nmm' && r.merge !== 'nms') throw bad(`slice.merge ${JSON.stringify(s.merge)} must be 'nmm' or 'nms'`);
  if (r.matchMetric !== 'ios' && r.matchMetric !== 'iou') throw bad(`slice.matchMetric ${JSON.stringify(s.matchMetric)} must be 'ios' or 'iou'`);
  if (!(typeof r.matchThreshold === 'number' && r.matchThreshold > 0 && r.matchThreshold <= 1)) throw bad(`slice.matchThreshold ${s.matchThreshold} must be in (0, 1]`);
  return r;
}

/** SAHI's get_slice_bboxes for a width × height image: tile rectangles, row by row. */
export function sliceRects(width: number, height: number, size: number, overlap: number): Rect[] {
  const ov = Math.trunc(overlap * size); // int(overlap_ratio * slice_size)
  const out: Rect[] = [];
  let yMin = 0;
  let yMax = 0;
  while (yMax < height) {
    let xMin = 0;
    let xMax = 0;
    yMax = yMin + size;
    while (xMax < width) {
      xMax = xMin + size;
      if (yMax > height || xMax > width) {
        const x2 = Math.min(width, xMax);
        const y2 = Math.min(height, yMax);
        const x1 = Math.max(0, x2 - size);
        const y1 = Math.max(0, y2 - size);
        out.push({ x: x1, y: y1, w: x2 - x1, h: y2 - y1 });
      } else {
        out.push({ x: xMin, y: yMin, w: size, h: size });
      }
      xMin = xMax - ov;
    }
    yMin = yMax - ov;
  }
  return out;
}

/** How many tiles sliceRects lists, without listing them: k with (k − 1)·step + size ≥ side, per side. */
export function tileCount(width: number, height: number, size: number, overlap: number): number {
  const step = size - Math.trunc(overlap * size);
  const along = (n: number) => (n <= size ? 1 : Math.ceil((n - size) / step) + 1);
  return along(width) * along(height);
}

/** The tiles of one image, checked against MAX_TILES; the whole image follows when asked for and there is more than one tile. */
export function planTiles(width: number, height: number, s: ResolvedSlice): { tiles: Rect[]; passes: Rect[] } {
  // Count before listing: a huge image with tiny tiles must fail fast, not build millions of rectangles.
  const count = tileCount(width, height, s.size, s.overlap);
  if (count > MAX_TILES) {
    throw bad(`slice: a ${width}×${height} image in ${s.size}-pixel tiles with overlap ${s.overlap} makes ${count} tiles, more than ${MAX_TILES}; use larger tiles or less overlap`);
  }
  const tiles = sliceRects(width, height, s.size, s.overlap);
  const passes = s.fullImage && tiles.length > 1 ? [...tiles, { x: 0, y: 0, w: width, h: height }] : tiles;
  return { tiles, passes };
}

/**
 * The slice options for one image with the tile size raised (in steps of 32) when the requested tiles
 * would make a grid above MAX_TILES (FracAtlas' 2304×2880 radiographs at 320-pixel tiles): what `eval`
 * and the viewer use so that every image runs; `adjusted` says so. detect() itself refuses such grids.
 */
export function fitSlice(width: number, height: number, s: SliceOptions, inputSize: number): { slice: SliceOptions; adjusted: boolean } {
  let size = s.size ?? inputSize;
  const overlap = s.overlap ?? 0.2;
  if (!(Number.isSafeInteger(size) && size % 32 === 0 && size >= 32 && overlap >= 0 && overlap < 0.9)) return { slice: s, adjusted: false }; // detect() reports it
  while (tileCount(width, height, size, overlap) > MAX_TILES) size += 32;
  return { slice: { ...s, size }, adjusted: size !== (s.size ?? inputSize) };
}
