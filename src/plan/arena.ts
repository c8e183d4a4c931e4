/**
 * Arena planning: every activation tensor gets an element offset in ONE storage buffer, reusing
 * memory between tensors whose lifetimes [first, last] (step indices) do not overlap.
 * Greedy best-fit by decreasing size (as in wonnx's BufferManager / llama2.c's RunState, done once).
 */

/** Elements per alignment unit: 64 f32 = 256 bytes. */
export const ARENA_ALIGN = 64;

export interface Lifetime {
  /** Size in elements. */
  size: number;
  first: number;
  last: number;
}

export interface ArenaLayout {
  offsets: number[];
  /** Total elements. */
  size: number;
}

const alignUp = (n: number) => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

/** Offsets for each lifetime; `reuse: false` gives every tensor its own region (debug / layer dumps). */
export function planArena(items: Lifetime[], reuse = true): ArenaLayout {
  const offsets = new Array<number>(items.length).fill(0);
  if (!reuse) {
    let at = 0;
    items.forEach((t, i) => {
      offsets[i] = at;
      at += alignUp(t.size);
    });
    return { offsets, size: at };
  }
  const order = items.map((_, i) => i).sort((a, b) => items[b].size - items[a].size || items[a].first - items[b].first);
  const placed: { start: number; end: number; first: number; last: number }[] = [];
  let size = 0;
  for (const i of order) {
    const t = items[i];
    const need = alignUp(t.size);
    // Regions alive at the same time as t, by start offset.
    const busy = placed.filter((p) => p.first <= t.last && t.first <= p.last).sort((a, b) => a.start - b.start);
    let best = -1;
    let bestGap = Infinity;
    let cursor = 0;
    for (const p of busy) {
      const gap = p.start - cursor;
      if (gap >= need && gap < bestGap) {
        best = cursor;
        bestGap = gap;
      }
      cursor = Math.max(cursor, p.end);
    }
    if (best < 0) best = cursor;
    offsets[i] = best;
    placed.push({ start: best, end: best + need, first: t.first, last: t.last });
    size = Math.max(size, best + need);
  }
  return { offsets, size };
}
