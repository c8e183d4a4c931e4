/** The --slice, --slice-size, --slice-overlap, --slice-merge and --tta flags of `detect` and `eval`. */
import { UsageError } from './main.js';
import type { SliceOptions } from '../infer/tiles.js';

export { fitSlice } from '../infer/tiles.js';

export const THOROUGH_FLAGS = {
  slice: { type: 'boolean', default: false },
  'slice-size': { type: 'string' },
  'slice-overlap': { type: 'string' },
  'slice-merge': { type: 'string' },
  tta: { type: 'boolean', default: false },
} as const;

export const THOROUGH_USAGE = '[--slice [--slice-size N] [--slice-overlap 0.2] [--slice-merge nmm|nms]] [--tta]';

type Values = { slice?: boolean; 'slice-size'?: string; 'slice-overlap'?: string; 'slice-merge'?: string; tta?: boolean };

/** detect() options from the flags; any --slice-* flag implies --slice. Ranges are checked by detect() itself. */
export function thoroughOptions(v: Values): { slice?: SliceOptions; tta?: boolean } {
  const num = (k: keyof Values) => {
    const n = Number(v[k]);
    if (!Number.isFinite(n)) throw new UsageError(`--${k} ${v[k]} is not a number`);
    return n;
  };
  const any = v.slice || v['slice-size'] !== undefined || v['slice-overlap'] !== undefined || v['slice-merge'] !== undefined;
  const out: { slice?: SliceOptions; tta?: boolean } = {};
  if (any) {
    const s: SliceOptions = {};
    if (v['slice-size'] !== undefined) s.size = num('slice-size');
    if (v['slice-overlap'] !== undefined) s.overlap = num('slice-overlap');
    if (v['slice-merge'] !== undefined) {
      if (v['slice-merge'] !== 'nmm' && v['slice-merge'] !== 'nms') throw new UsageError(`--slice-merge ${v['slice-merge']}: expected nmm or nms`);
      s.merge = v['slice-merge'];
    }
    out.slice = s;
  }
  if (v.tta) out.tta = true;
  return out;
}

/** A short name for the setting, for output lines: 'plain', 'slice 320', 'tta', 'slice 320 + tta'. */
export function thoroughName(o: { slice?: SliceOptions; tta?: boolean }, inputSize: number): string {
  const parts = [];
  if (o.slice) parts.push(`slice ${o.slice.size ?? inputSize}${o.slice.overlap !== undefined ? ` overlap ${o.slice.overlap}` : ''}${o.slice.merge ? ` ${o.slice.merge}` : ''}`);
  if (o.tta) parts.push('tta');
  return parts.join(' + ') || 'plain';
}
