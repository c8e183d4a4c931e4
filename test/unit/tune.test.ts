/** The kernel tuner's pure parts (no GPU): representatives, the winner from timings, the cache key, entries and the file store. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLOSE_ROUNDS, ROUNDS, classChoices, fastest, hopelessFamilies, representatives, chosenKernels, roundOf, withRun, type Outcome } from '../../src/tune/choose.js';
import { cacheKey, defaultCachePath, fileStore, validEntry, type TuningEntry } from '../../src/tune/cache.js';
import { CONV_VARIANTS } from '../../src/ops/conv-variants.js';
import type { Dispatch } from '../../src/ops/types.js';

const conv = (label: string, k: number, stride: number, out: number, flops: number, variant = 'x', cin = 16, cout = 32): Dispatch =>
  ({ label, shader: 's', constants: {}, uniforms: { out_h: out, out_w: out, in_c: cin, out_c: cout }, workgroups: [1, 1, 1], conv: { k, stride, cin, cout, inH: out * stride, inW: out * stride, outH: out, outW: out, act: true, res: false }, flops, variant });

describe('representatives', () => {
  test('one per exact shape with the FLOPs of all its convolutions; non-convolutions ignored; heaviest first', () => {
    const ds = [
      conv('a', 3, 1, 80, 10), conv('b', 3, 1, 80, 30), conv('c', 3, 1, 20, 50), conv('d', 1, 1, 80, 5), conv('e', 3, 1, 80, 35, 'x', 16, 64),
      { label: 'pool', shader: 'sppf-pool', constants: {}, uniforms: {}, workgroups: [1, 1, 1] } as Dispatch,
    ];
    const r = representatives(ds);
    expect(r.map((c) => [c.shape, c.coarse, c.dispatch.label, c.shapeFlops])).toEqual([
      ['3x3s1/16>32@20x20', '3x3s1/T', 'c', 50], ['3x3s1/16>32@80x80', '3x3s1/M', 'a', 40], ['3x3s1/16>64@80x80', '3x3s1/M', 'e', 35], ['pw/16>32@80x80', 'pw/M', 'd', 5],
    ]);
  });

  test('classChoices: each class takes the choice of its heaviest measured shape', () => {
    const r = representatives([conv('a', 3, 1, 80, 40), conv('e', 3, 1, 80, 35, 'x', 16, 64), conv('f', 3, 1, 80, 1, 'x', 8, 8), conv('d', 1, 1, 80, 5)]);
    expect(classChoices(r, { '3x3s1/16>64@80x80': 'v2', '3x3s1/16>32@80x80': 'v1' })).toEqual({ '3x3s1/M': 'v1' });
  });

  test('chosenKernels: the variant each exact shape uses in a plan', () => {
    expect(chosenKernels([conv('a', 3, 1, 80, 1, 'v1'), conv('b', 3, 1, 80, 1, 'v2'), conv('c', 1, 1, 20, 1, 'v3')])).toEqual({ '3x3s1/16>32@80x80': 'v1', 'pw/16>32@20x20': 'v3' });
  });
});

describe('fastest', () => {
  test('the fastest that ran; failures and non-finite times never win', () => {
    expect(fastest({ a: { ms: 5 }, b: { ms: 3 }, c: { failed: 'disagrees' }, d: { ms: NaN }, e: { ms: 0 } })).toBe('b');
    expect(fastest({ a: { failed: 'x' } })).toBeUndefined();
    expect(fastest({})).toBeUndefined();
  });

  test('the incumbent keeps its place unless beaten by more than the margin (noise must not flip choices)', () => {
    expect(fastest({ inc: { ms: 10 }, other: { ms: 9.8 } }, 'inc')).toBe('inc');
    expect(fastest({ inc: { ms: 10 }, other: { ms: 9 } }, 'inc')).toBe('other');
    expect(fastest({ inc: { failed: 'x' }, other: { ms: 20 } }, 'inc')).toBe('other');
  });

  test('after the incumbent, a kernel the plan compiles anyway keeps its place within the margin', () => {
    const compiled = (id: string) => id === 'known';
    expect(fastest({ known: { ms: 10 }, other: { ms: 9.8 } }, undefined, 0.03, compiled)).toBe('known');
    expect(fastest({ known: { ms: 10 }, other: { ms: 9 } }, undefined, 0.03, compiled)).toBe('other');
    expect(fastest({ inc: { ms: 10 }, known: { ms: 9.9 }, other: { ms: 9.8 } }, 'inc', 0.03, compiled)).toBe('inc');
    expect(fastest({ inc: { ms: 12 }, known: { ms: 10 }, other: { ms: 9.8 } }, 'inc', 0.03, compiled)).toBe('known');
  });
});

describe('roundOf', () => {
  const ids = ['a', 'b', 'c', 'd'];
  /** The whole schedule: who runs in each round, each candidate's time per run drawn from `ms`. */
  const schedule = (ms: (id: string, round: number) => number | 'fail') => {
    const out: Record<string, Outcome> = {};
    const rounds: string[][] = [];
    for (let r = 0; r < 20; r++) {
      const who = roundOf(ids, out, r);
      if (!who.length) break;
      rounds.push(who);
      for (const id of who) {
        const t = ms(id, r);
        out[id] = t === 'fail' ? { failed: 'x' } : withRun(out[id], t);
      }
    }
    return rounds;
  };

  test('everyone in round 0; within GIVE_UP_RATIO of the best in the other ROUNDS; odd rounds reversed', () => {
    const far = { a: 10, b: 30, c: 19, d: 15 } as Record<string, number>;
    expect(ROUNDS).toBe(2);
    expect(schedule((id) => far[id])).toEqual([['a', 'b', 'c', 'd'], ['d', 'c', 'a']]);
  });

  test('candidates within CLOSE of the best are timed CLOSE_ROUNDS more times; a lone leader ends the race', () => {
    const near = { a: 10, b: 10.5, c: 10.9, d: 12 } as Record<string, number>;
    expect(CLOSE_ROUNDS).toBe(3);
    expect(schedule((id) => near[id])).toEqual([['a', 'b', 'c', 'd'], ['d', 'c', 'b', 'a'], ['a', 'b', 'c'], ['c', 'b', 'a'], ['a', 'b', 'c']]);
  });

  test('a contender whose close rounds show it slower drops out; failures never run again', () => {
    // b was close after two rounds (a slow moment for a), then a's true time shows.
    const t = (id: string, r: number) => (id === 'a' ? (r < 2 ? 10.5 : 8) : id === 'b' ? 10 : id === 'c' ? 'fail' as const : 40);
    expect(schedule(t)).toEqual([['a', 'b', 'c', 'd'], ['b', 'a'], ['a', 'b']]);
    expect(roundOf(ids, { a: { failed: 'x' } }, 1)).toEqual([]);
    expect(roundOf([], {}, 0)).toEqual([]);
  });
});

describe('hopelessFamilies', () => {
  const family = (id: string) => (id.startsWith('t') ? 'tiled' : id.startsWith('r') ? 'register' : undefined);
  const lose = { r1: { ms: 1 }, r2: { ms: 1.5 }, t1: { ms: 2.5 }, t2: { failed: 'x' } };
  test('a family slower than GIVE_UP_RATIO × the best on three shapes, and never close, is dropped', () => {
    expect(hopelessFamilies([lose, lose], family)).toEqual(new Set());
    expect(hopelessFamilies([lose, lose, lose], family)).toEqual(new Set(['tiled']));
    expect(hopelessFamilies([lose, lose, lose, { r1: { ms: 1 }, t1: { ms: 1.9 } }], family)).toEqual(new Set()); // once within 2×: kept
    expect(hopelessFamilies([lose, lose, lose], family, 4)).toEqual(new Set());
  });
  test('the winning family is never dropped; failures, zero times and unknown ids count for nothing', () => {
    expect(hopelessFamilies([{ t1: { ms: 1 }, r1: { ms: 5 } }, { t1: { ms: 1 }, r1: { ms: 5 } }, { t1: { ms: 1 }, r1: { ms: 5 } }], family)).toEqual(new Set(['register']));
    expect(hopelessFamilies([{ t1: { failed: 'x' }, r1: { ms: 1 } }, { t1: { ms: 0 }, r1: { ms: 1 } }, { x: { ms: 9 }, r1: { ms: 1 } }], family)).toEqual(new Set());
  });
});

describe('tuning cache', () => {
  const parts = { adapter: { vendor: 'google', architecture: 'swiftshader' }, features: ['subgroups', 'timestamp-query'], runtime: 'ua', model: 'abc', inputSize: [640, 640] as const };
  const id = CONV_VARIANTS[0].id;
  const entry = (key: string): TuningEntry => ({ key, byClass: { 'pw/M': id }, timings: { 'pw/M': { [id]: 1.5 } }, ms: 100, date: '2026-12-01' });

  test('the key changes with the adapter, features, runtime, model and input size, not with feature order', () => {
    const k = cacheKey(parts);
    expect(cacheKey({ ...parts, features: ['timestamp-query', 'subgroups'] })).toBe(k);
    for (const other of [{ adapter: { vendor: 'nvidia' } }, { features: ['subgroups'] }, { runtime: 'other' }, { model: 'def' }, { inputSize: [320, 320] as const }]) {
      expect(cacheKey({ ...parts, ...other })).not.toBe(k);
    }
  });

  test('entries: valid only for their key and with known kernels', () => {
    const k = cacheKey(parts);
    expect(validEntry(entry(k), k)?.byClass).toEqual({ 'pw/M': id });
    expect(validEntry(entry(k), `${k}x`)).toBeUndefined();
    expect(validEntry({ ...entry(k), byClass: { 'pw/M': 'gone-kernel' } }, k)).toBeUndefined();
    expect(validEntry({ ...entry(k), byClass: [id] }, k)).toBeUndefined();
    for (const junk of [null, 42, 'x', [], { key: k }]) expect(validEntry(junk, k)).toBeUndefined();
  });

  test('file store: round trip, several keys in one file, corrupt or missing file is a miss, then rewritten', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yolo11-tune-'));
    const path = join(dir, 'sub', 'conv-tuning.json');
    const store = fileStore(path);
    const k1 = cacheKey(parts);
    const k2 = cacheKey({ ...parts, model: 'other' });
    expect(await store.get(k1)).toBeUndefined(); // no file yet
    await store.put(entry(k1));
    await store.put(entry(k2));
    expect((await store.get(k1))?.byClass).toEqual({ 'pw/M': id });
    expect((await store.get(k2))?.key).toBe(k2);
    writeFileSync(path, '{"entries": {"broken'); // truncated JSON
    expect(await store.get(k1)).toBeUndefined();
    await store.put(entry(k1));
    expect(JSON.parse(readFileSync(path, 'utf8')).entries[k1].byClass).toEqual({ 'pw/M': id });
    writeFileSync(path, JSON.stringify({ entries: { [k1]: { ...entry(k1), key: k2 } } })); // an entry filed under another key
    expect(await store.get(k1)).toBeUndefined();
  });

  test('a store that cannot write is a miss, not an error', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'yolo11-tune-')), 'a-file');
    writeFileSync(file, 'x');
    const store = fileStore(join(file, 'sub', 'conv-tuning.json')); // its "folder" is a file: ENOTDIR
    await expect(store.put(entry('k'))).resolves.toBeUndefined();
    expect(await store.get('k')).toBeUndefined();
  });

  test('default path: XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCachePath({ XDG_CACHE_HOME: '/x' })).toBe('/x/yolo11-webgpu/conv-tuning.json');
    expect(defaultCachePath({ HOME: '/home/u' })).toBe('/home/u/.cache/yolo11-webgpu/conv-tuning.json');
    expect(defaultCachePath({})).toBeUndefined();
  });
});

describe('a given choice (tune.choice)', () => {
  test('ids this version has are kept; any other leaves its key on the default and is said on log', async () => {
    const { knownChoice } = await import('../../src/tune/index.js');
    const lines: string[] = [];
    const id = CONV_VARIANTS[0].id;
    expect(knownChoice({ 'pw/M': id, '3x3s1/S': 'rt-3x3s1-m99n1', 'pw/L': '' }, (l) => lines.push(l))).toEqual({ 'pw/M': id });
    expect(lines).toEqual([
      '[tune] choice 3x3s1/S → rt-3x3s1-m99n1: not a kernel of this version, the default is used',
      '[tune] choice pw/L → : not a kernel of this version, the default is used',
    ]);
    expect(knownChoice({ 'pw/M': 'nope' })).toEqual({});
  });
});
