/**
 * The convolution kernel tuner: for each exact convolution shape of a model that carries at least
 * MIN_SHAPE_SHARE of its FLOPs, time every kernel variant that can run on this adapter (a family that
 * lost by far on the heaviest shapes is dropped for the rest: `hopelessFamilies`), keep the
 * fastest that computes the same result (lighter shapes take their shape class's choice), and cache
 * the choices per adapter and model. Run by the benchmark always
 * and by `createDetector({ tune: true })` on request; otherwise the adapter default
 * (src/ops/conv-variants.ts `defaultConvTuning`) is used.
 */
import { GENERIC, candidates, convKind, convVariant, pickVariant, scratchFits, suits, variantShaders, withChoice, type AdapterTraits, type ConvTuning } from '../ops/conv-variants.js';
import type { Dispatch } from '../ops/types.js';
import type { PipelineCache } from '../gpu/pipelines.js';
import { FAMILY_GIVE_UP_SHAPES, GIVE_UP_RATIO, MIN_SHAPE_SHARE, classChoices, fastest, hopelessFamilies, representatives, type Outcome } from './choose.js';
import { measureCandidates } from './measure.js';
import { cacheKey, defaultCachePath, fileStore, indexedDbStore, type CacheKeyParts, type TuningEntry, type TuningStore } from './cache.js';

export interface TuneOptions {
  /** Where to keep the result: true (default: IndexedDB in browsers, ~/.cache/yolo11-webgpu in Node), false (measure, keep nothing), or a Node file path. */
  cache?: boolean | string;
  /** Progress lines. */
  log?: (line: string) => void;
  /**
   * A choice measured before (shape class → kernel id, as `info.tuning.byClass`): used as it is, nothing
   * measured. An id this version lacks (a choice saved by another version) leaves its key on the
   * default, said on `log`.
   */
  choice?: Record<string, string>;
}

export interface TuningInfo {
  /** 'measured' now, read from the 'cache', the adapter 'default' (no tuning asked for), or given as an 'option' (convKernel, tune.choice). */
  source: 'measured' | 'cache' | 'default' | 'option';
  tuning: ConvTuning;
  /** Shape class → chosen variant id. */
  byClass: Record<string, string>;
  /** Milliseconds the measurement took, and each candidate's time (or why it was dropped) per class. */
  ms?: number;
  timings?: TuningEntry['timings'];
}

/** The entries of a given `choice` whose kernel this version has; each other one is said on `log`. */
export function knownChoice(choice: Record<string, string>, log?: (line: string) => void): Record<string, string> {
  const known: Record<string, string> = {};
  for (const [key, id] of Object.entries(choice)) {
    if (convVariant(id)) known[key] = id;
    else log?.(`[tune] choice ${key} → ${id}: not a kernel of this version, the default is used`);
  }
  return known;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

export function tuningStore(cache: boolean | string | undefined): TuningStore | undefined {
  if (cache === false) return undefined;
  if (typeof cache === 'string') return fileStore(cache);
  if (typeof indexedDB !== 'undefined') return indexedDbStore();
  if (isNode) {
    const path = defaultCachePath(process.env);
    return path ? fileStore(path) : undefined;
  }
  return undefined;
}

/** Measure and choose (no cache). `dispatches`: the model planned with the default kernels. */
export async function measureTuning(device: GPUDevice, pipelines: PipelineCache, dispatches: readonly Dispatch[], traits: AdapterTraits, base: ConvTuning, log?: (m: string) => void): Promise<Omit<TuningEntry, 'key' | 'date'>> {
  const t0 = performance.now();
  const byClass: Record<string, string> = {};
  const timings: TuningEntry['timings'] = {};
  const reps = representatives(dispatches);
  const measured: Record<string, Outcome>[] = [];
  // Shaders the choices so far compile (a variant's own, and the unfold for an im2col one).
  const shaders = new Set<string>();
  const shadersOf = (id: string) => { const v = convVariant(id); return v ? variantShaders(v) : [id]; };
  const total = reps.reduce((s, c) => s + c.shapeFlops, 0);
  for (const c of reps) {
    const incumbent = pickVariant(base, traits, c.dispatch.conv);
    if (c.shapeFlops < MIN_SHAPE_SHARE * total) {
      log?.(`${c.shape}: ${((100 * c.shapeFlops) / total).toFixed(1)} % of the FLOPs, keeps ${incumbent.id}`);
      continue;
    }
    // Every candidate is checked against the generic kernel; the generic one itself is not timed
    // where a kernel of the convolution's own kind exists (the workgroup-tile kernels supersede it).
    const own = candidates(convKind(c.dispatch.conv.k, c.dispatch.conv.stride), traits).filter((v) => v !== GENERIC && scratchFits(v, c.dispatch.conv) && suits(v, c.dispatch.conv));
    // A family that lost by far on the heaviest shapes is not timed again (the incumbent always is).
    const skip = hopelessFamilies(measured, (id) => convVariant(id)?.family);
    const timed = own.filter((v) => !skip.has(v.family) || v.id === incumbent.id);
    if (timed.length < own.length) log?.(`${c.shape}: ${[...skip].join(', ')} kernels not timed (slower than ${GIVE_UP_RATIO}× the best on ${FAMILY_GIVE_UP_SHAPES} heavier shapes)`);
    const outcomes = await measureCandidates(device, pipelines, c, timed.length ? timed : own.length ? own : [GENERIC], log);
    measured.push(outcomes);
    const win = fastest(outcomes, incumbent.id, undefined, (id) => shadersOf(id).every((sh) => shaders.has(sh)));
    if (win) {
      byClass[c.shape] = win;
      for (const sh of shadersOf(win)) shaders.add(sh);
    }
    timings[c.shape] = Object.fromEntries(Object.entries(outcomes).map(([id, o]) => [id, 'ms' in o ? +o.ms.toFixed(3) : o.failed]));
  }
  return { byClass: { ...classChoices(reps, byClass), ...byClass }, timings, ms: performance.now() - t0 };
}

/** The cached choice for this key, or a fresh measurement (then cached). */
export async function tune(device: GPUDevice, pipelines: PipelineCache, dispatches: readonly Dispatch[], traits: AdapterTraits, base: ConvTuning, key: CacheKeyParts, o: TuneOptions = {}): Promise<TuningInfo> {
  const store = tuningStore(o.cache);
  const k = cacheKey(key);
  const hit = await store?.get(k);
  if (hit) {
    o.log?.(`[tune] cached: ${JSON.stringify(hit.byClass)}`);
    return { source: 'cache', tuning: withChoice(base, hit.byClass), byClass: hit.byClass, timings: hit.timings };
  }
  const m = await measureTuning(device, pipelines, dispatches, traits, base, (line) => o.log?.(`[tune] ${line}`));
  await store?.put({ key: k, ...m, date: new Date().toISOString() });
  return { source: 'measured', tuning: withChoice(base, m.byClass), byClass: m.byClass, ms: m.ms, timings: m.timings };
}
