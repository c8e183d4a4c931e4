/**
 * The tuner's decisions, pure (unit-tested in Node): which convolutions stand for which shape class,
 * and which candidate wins from measured times.
 */
import type { ConvDims, Dispatch } from '../ops/types.js';
import { convShape, shapeClass } from '../ops/conv-variants.js';

/** One convolution (groups = 1) of a plan, as the tuner sees it. */
export interface ConvCase {
  /** Its exact shape (`convShape`): the key its measured choice is kept under. */
  shape: string;
  /** Its shape class (`shapeClass`): the key for unmeasured convolutions of the class. */
  coarse: string;
  /** The planned dispatch (its `conv`: the kernel size and stride, the shape, SiLU and residual). */
  dispatch: Dispatch & { conv: ConvDims };
  flops: number;
  /** FLOPs of every convolution of the same exact shape together. */
  shapeFlops: number;
}

const keysOf = ({ k, stride, cin, cout, outH, outW }: ConvDims) => ({ exact: convShape(k, stride, cin, cout, outH, outW), coarse: shapeClass(k, stride, outH * outW) });

/** One case per exact shape (the same shape recurs: C3k2's bottlenecks), heaviest shape first. */
export function representatives(dispatches: readonly Dispatch[]): ConvCase[] {
  const best = new Map<string, ConvCase>();
  for (const d of dispatches) {
    if (!d.conv) continue;
    const { exact, coarse } = keysOf(d.conv);
    const old = best.get(exact);
    if (old) old.shapeFlops += d.flops ?? 0;
    else best.set(exact, { shape: exact, coarse, dispatch: d as ConvCase['dispatch'], flops: d.flops ?? 0, shapeFlops: d.flops ?? 0 });
  }
  return [...best.values()].sort((a, b) => b.shapeFlops - a.shapeFlops);
}

/** A candidate's outcome: its best time, or why it was dropped (wrong result, failed to compile, too slow to finish). */
export type Outcome = { ms: number } | { failed: string };

/** The candidates of `ids` (all by default) with a usable time — a finite, positive best run — as [id, ms]. */
export const timed = (outcomes: Record<string, Outcome>, ids: readonly string[] = Object.keys(outcomes)): (readonly [string, number])[] =>
  ids.flatMap((id) => { const o = outcomes[id]; return o && 'ms' in o && Number.isFinite(o.ms) && o.ms > 0 ? [[id, o.ms] as const] : []; });

/** A candidate's outcome after one more timed run: the best of its runs. */
export const withRun = (prev: Outcome | undefined, ms: number): Outcome => ({ ms: prev && 'ms' in prev ? Math.min(prev.ms, ms) : ms });

/**
 * The winner among measured candidates: the fastest, except that `incumbent` (the adapter's default)
 * keeps its place unless another is faster by more than `margin` (timing noise must not flip choices
 * between loads), and after it a candidate the plan compiles anyway (`compiled`: its shaders already
 * chosen for a heavier shape) keeps its place the same way: each further shader costs every cold start
 * a pipeline compile (0.2–1.6 s on SwiftShader) for a gain inside the noise. Undefined when nothing ran.
 */
export function fastest(outcomes: Record<string, Outcome>, incumbent?: string, margin = 0.03, compiled: (id: string) => boolean = () => false): string | undefined {
  const ok = timed(outcomes);
  if (!ok.length) return undefined;
  ok.sort((a, b) => a[1] - b[1]);
  const [winner, w] = ok[0];
  const holds = (e: readonly [string, number] | undefined) => !!e && w >= e[1] * (1 - margin);
  const inc = ok.find(([id]) => id === incumbent);
  if (holds(inc)) return inc![0];
  const known = ok.find(([id]) => compiled(id));
  if (holds(known)) return known![0];
  return winner;
}

/**
 * Shapes with less than this share of the model's convolution FLOPs are not measured: they take the
 * choice of their class's heaviest measured shape (or the default kernel where none was measured).
 */
export const MIN_SHAPE_SHARE = 0.003;

/** Per shape class, the choice of its heaviest measured shape (`cases` heaviest first). */
export function classChoices(cases: readonly ConvCase[], byShape: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of cases) if (byShape[c.shape] && !(c.coarse in out)) out[c.coarse] = byShape[c.shape];
  return out;
}

/** A candidate whose first run is this many times the best of the first round is not run again (it cannot win). */
export const GIVE_UP_RATIO = 2;

/** Rounds every candidate still in the race is timed in (one run each per round; its best run counts). */
export const ROUNDS = 2;

/**
 * Candidates whose best after ROUNDS is within this fraction of the best are timed CLOSE_ROUNDS more
 * times: best-of-two let one slow moment decide between kernels a few percent apart (the stem's m16n4
 * won by 7 % in a slow minute and ran 25 % slower than m16n8 in the forward after).
 */
export const CLOSE = 0.1;
export const CLOSE_ROUNDS = 3;

/**
 * Who is timed in round `round` (from 0) of a shape's measurement, given `ids` (the candidates that
 * computed the right result, in order) and the outcomes so far: every one in round 0; in the other
 * ROUNDS those within GIVE_UP_RATIO of the best; after them, for CLOSE_ROUNDS, those within CLOSE of
 * the best where at least two are (else nobody: the race is decided). Odd rounds run in reverse
 * order, so that no candidate always runs right after another's warm-up or slow start.
 */
export function roundOf(ids: readonly string[], outcomes: Record<string, Outcome>, round: number): string[] {
  const order = (xs: string[]) => (round % 2 ? xs.reverse() : xs);
  if (round === 0) return order([...ids]);
  const times = timed(outcomes, ids);
  if (!times.length) return [];
  const best = Math.min(...times.map(([, ms]) => ms));
  if (round < ROUNDS) return order(times.filter(([, ms]) => ms <= GIVE_UP_RATIO * best).map(([id]) => id));
  if (round >= ROUNDS + CLOSE_ROUNDS) return [];
  const close = times.filter(([, ms]) => ms <= (1 + CLOSE) * best).map(([id]) => id);
  return close.length >= 2 ? order(close) : [];
}

/** Shapes on which a kernel family must lose before the rest of a tuning pass stops timing it. */
export const FAMILY_GIVE_UP_SHAPES = 3;

/**
 * Kernel families (`family(id)`: register or tiled) not worth timing for the rest of a pass: every
 * candidate of the family was slower than GIVE_UP_RATIO × the shape's best on at least `shapes`
 * measured shapes, and none came within that ratio on any. Shapes are measured heaviest first, so on
 * SwiftShader the workgroup-tile kernels (2–30× slower there) stop costing a run per shape after the
 * first three, and on a GPU the register kernels would.
 */
export function hopelessFamilies(measured: readonly Record<string, Outcome>[], family: (id: string) => string | undefined, shapes = FAMILY_GIVE_UP_SHAPES): Set<string> {
  const lost = new Map<string, number>();
  const close = new Set<string>();
  for (const o of measured) {
    const times = timed(o);
    if (!times.length) continue;
    const best = Math.min(...times.map(([, ms]) => ms));
    const byFamily = new Map<string, number>();
    for (const [id, ms] of times) {
      const f = family(id);
      if (f) byFamily.set(f, Math.min(byFamily.get(f) ?? Infinity, ms));
    }
    for (const [f, ms] of byFamily) {
      if (ms > GIVE_UP_RATIO * best) lost.set(f, (lost.get(f) ?? 0) + 1);
      else close.add(f);
    }
  }
  return new Set([...lost].filter(([f, n]) => n >= shapes && !close.has(f)).map(([f]) => f));
}

/** Exact shape → the variant a plan uses for it. */
export function chosenKernels(dispatches: readonly Dispatch[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of dispatches) if (d.conv && d.variant) out[keysOf(d.conv).exact] ??= d.variant;
  return out;
}
