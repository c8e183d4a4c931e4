/**
 * The "thorough" analysis: the slice/TTA setting chosen on FracAtlas valid (docs/FRACTURE.md), and
 * what it costs before it runs: its work relative to a normal analysis (detector.cost's factor, from
 * src/infer/cost.ts) times the time this browser took for a normal analysis of the same file.
 */
import { passCost } from '../src/infer/cost.js';
import { fitSlice, type SliceOptions } from '../src/infer/tiles.js';

/**
 * SAHI's defaults (tiles of the input size, overlap 0.2, greedy merging by IOS ≥ 0.5, plus the whole
 * image): an image no larger than the input runs as it does normally; a large one is read at its own
 * resolution. Measured on FracAtlas (docs/FRACTURE.md, "Small fractures"): with the default fracture
 * model no setting beat the normal analysis — slices of 320 px, TTA, and these tiles on 2304×2880
 * radiographs all lowered mAP50 — so the viewer offers it as an option for models trained on tiles,
 * and says so.
 */
export const THOROUGH: { slice?: SliceOptions; tta?: boolean } = { slice: {} };
export const THOROUGH_NAME = 'tiles of the input size + the whole image (SAHI); on FracAtlas it did not beat the normal analysis with the default model';

/** The thorough options for a w × h image (tiles made larger where a huge image would need more than 64). */
export function thoroughFor(w: number, h: number, inputSize: [number, number]) {
  return THOROUGH.slice ? { ...THOROUGH, slice: fitSlice(w, h, THOROUGH.slice, Math.max(...inputSize)).slice } : THOROUGH;
}

/** Its work relative to a normal analysis, and the time that makes for a file whose normal analysis took `ms`. */
export function thoroughCost(w: number, h: number, inputSize: [number, number], ms?: number) {
  const { factor } = passCost(w, h, thoroughFor(w, h, inputSize), inputSize, 1);
  return { factor, ms: ms === undefined ? undefined : ms * factor };
}

export const fmtSeconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);
