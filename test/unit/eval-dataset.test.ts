/** Dataset loading for `eval`: bad data.yaml, missing list entries and bad label lines are reported, never silently dropped. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DatasetError, loadDataset, withNegatives } from '../../src/eval/dataset.js';
import { fixture } from '../helpers/fixtures.js';

function makeDataset(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'yolo11-ds-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

describe('eval datasets', () => {
  test('FracAtlas test split: 61 images, 67 boxes; test + negatives: 160 images, 99 without boxes', () => {
    const yaml = fixture('datasets/fracatlas/data.yaml');
    const t = loadDataset(yaml, 'test');
    expect(t.names).toEqual(['fractured']);
    expect(t.images).toHaveLength(61);
    expect(t.images.reduce((s, i) => s + i.boxes.length, 0)).toBe(67);
    const tn = loadDataset(yaml, 'test_plus_negatives.txt');
    expect(tn.images).toHaveLength(160);
    expect(tn.images.filter((i) => !i.boxes.length)).toHaveLength(99);
    expect(loadDataset(yaml, 'val').images).toHaveLength(82);
  });

  test('negatives from test_plus_negatives split in disjoint halves: valid + 50, test + 49', () => {
    const yaml = fixture('datasets/fracatlas/data.yaml');
    const even = withNegatives(loadDataset(yaml, 'val'), yaml, 'test_plus_negatives.txt', 'even');
    const odd = withNegatives(loadDataset(yaml, 'test'), yaml, 'test_plus_negatives.txt', 'odd');
    const negs = (d: typeof even) => d.images.filter((i) => !i.boxes.length).map((i) => i.image);
    expect([even.images.length, negs(even).length]).toEqual([132, 50]);
    expect([odd.images.length, negs(odd).length]).toEqual([110, 49]);
    expect(negs(even).filter((n) => negs(odd).includes(n))).toEqual([]);
    expect(negs(even).every((n) => n.includes('Non_fractured'))).toBe(true);
    expect(() => withNegatives(loadDataset(yaml, 'test'), yaml, 'test.txt')).toThrow(DatasetError);
  });

  test('bad input: clear errors or named skips', () => {
    const dir = makeDataset({
      'data.yaml': 'path: .\nval: val.txt\nnames:\n  0: fracture\n',
      'val.txt': './images/a.jpg\n./images/missing.jpg\n./images/b.jpg\n',
      'images/a.jpg': 'x',
      'images/b.jpg': 'x',
      'labels/a.txt': '0 0.5 0.5 0.1 0.1\n',
      'labels/b.txt': '3 0.5 0.5 0.1 0.1\n',
      'bad.yaml': 'names: [unclosed\n',
      'nonames.yaml': 'path: .\nval: val.txt\n',
    });
    const ds = loadDataset(join(dir, 'data.yaml'), 'val');
    expect(ds.images.map((i) => i.image.split('/').pop())).toEqual(['a.jpg']);
    expect(ds.skipped.map((s) => s.why)).toEqual(['listed but missing', expect.stringMatching(/labels\/b\.txt:1: bad label line "3 0\.5/)]);
    expect(() => loadDataset(join(dir, 'nope.yaml'), 'val')).toThrow(DatasetError);
    expect(() => loadDataset(join(dir, 'bad.yaml'), 'val')).toThrow(/not valid YAML/);
    expect(() => loadDataset(join(dir, 'nonames.yaml'), 'val')).toThrow(/no class names/);
    expect(() => loadDataset(join(dir, 'data.yaml'), 'test')).toThrow(/does not exist/);
  });
});
