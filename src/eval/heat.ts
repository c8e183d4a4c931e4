/**
 * `eval --explain`: how often the EigenCAM heat map's strongest place agrees with what was found and
 * with what is labelled. Per image with a confident box (score ≥ CONFIDENT): is the heat map's peak
 * inside its best box, and does the strongest region (pixels ≥ 0.9 · peak) overlap it; per image with
 * labels: is the peak inside a labelled box.
 */
import { peakInBox, type HeatSummary } from '../explain/summary.js';
import type { Box } from './metrics.js';

/** Ultralytics' predict default: a box the viewer's "balanced" preset shows. */
export const CONFIDENT = 0.25;

const overlaps = (a: readonly number[], b: readonly number[]) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

export class HeatAgreement {
  private confident = 0;
  private peakInTop = 0;
  private regionOnTop = 0;
  private labelled = 0;
  private peakInLabel = 0;

  add(h: HeatSummary, preds: { box: Box; score: number }[], labels: { box: Box }[]) {
    const top = preds.reduce<{ box: Box; score: number } | undefined>((a, p) => (!a || p.score > a.score ? p : a), undefined);
    if (top && top.score >= CONFIDENT) {
      this.confident++;
      if (peakInBox(h, top.box)) this.peakInTop++;
      if (overlaps(h.region, top.box)) this.regionOnTop++;
    }
    if (labels.length) {
      this.labelled++;
      if (labels.some((l) => peakInBox(h, l.box))) this.peakInLabel++;
    }
  }

  result() {
    return { confident: this.confident, peakInTopBox: this.peakInTop, regionOverlapsTopBox: this.regionOnTop, labelled: this.labelled, peakInLabelledBox: this.peakInLabel };
  }

  line() {
    const r = this.result();
    return `peak in the best box in ${r.peakInTopBox} of ${r.confident} images with a box ≥ ${CONFIDENT}, strongest region overlapping it in ${r.regionOverlapsTopBox}; peak inside a labelled box in ${r.peakInLabelledBox} of ${r.labelled} labelled images`;
  }
}
