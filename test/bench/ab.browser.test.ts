/**
 * `npm run bench:ab` end to end on a tiny input: two kernel choices (one given as a benchmark JSON, one
 * as a plain map) timed side by side in one page; the table on stdout and the JSON. Timings are
 * printed, never asserted.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { abMain } from '../../bench/run.js';
import { cocoWeights } from '../helpers/parity-data.js';

test('npm run bench:ab -- --choices a.json,b.json --imgsz 64 --rounds 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'yolo11-ab-'));
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  writeFileSync(a, JSON.stringify({ ours: { tuning: { byClass: { 'pw/V': 'rt-pw-m16n8-sg-16x4' } } } }));
  writeFileSync(b, JSON.stringify({ 'pw/V': 'rt-pw-m16n4-sg-16x4', '3x3s1/V': 'rt-3x3s1-i2c-m16n8-sg-16x4' }));
  const json = join(dir, 'ab.json');
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof write;
  try {
    const weights = (await cocoWeights()).slice(1); // .cache/test/yolo11n-coco.y11w, under the repository
    expect(await abMain(['--choices', `${a},${b}`, '--weights', weights, '--imgsz', '64', '--rounds', '2', '--json', json])).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  console.log(out);
  const r = JSON.parse(readFileSync(json, 'utf8')) as { files: string[]; ms: number[][]; dispatches: number[] };
  expect(r.files).toEqual([a, b]);
  expect(r.ms.map((m) => m.length)).toEqual([2, 2]);
  expect(r.ms.flat().every((x) => x > 0)).toBe(true);
  expect(r.dispatches[1]).toBeGreaterThan(r.dispatches[0]); // b's 3×3 convs run as im2col: an unfold each
  expect(out).toMatch(/\| .*a\.json \| [\d.]+ ms \| [\d.]+ ms \| \d+ \| 1\.000× \|/);
  expect(out).toMatch(/\| .*b\.json \| [\d.]+ ms \| [\d.]+ ms \| \d+ \| [\d.]+× \| \d of 2 \|/);
  await expect(abMain(['--choices', a])).rejects.toThrow(/at least two/);
  await expect(abMain(['--choices', `${a},${b}`, '--weights', 'weights/no-such.y11w'])).rejects.toThrow(/no-such\.y11w: no such file.*npm run weights/);
}, 300_000);
