/**
 * Ultralytics-layout datasets: a data.yaml (path, train/val/test, names) whose split entries are
 * image folders or list files; labels in `labels/…/<stem>.txt` beside `images/…` as
 * `class cx cy w h` normalised. Bad entries are errors or counted, named skips — never silent drops.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { Yolo11Error } from '../errors.js';

export class DatasetError extends Yolo11Error {
  static override readonly errorName: string = 'DatasetError';
  constructor(m: string) { super('DATASET', m); }
}

export interface DatasetImage {
  image: string;
  label: string;
  /** Normalised YOLO boxes; empty for negatives. */
  boxes: { cls: number; cx: number; cy: number; w: number; h: number }[];
}

export interface Dataset {
  names: string[];
  images: DatasetImage[];
  skipped: { file: string; why: string }[];
}

const IMG = /\.(jpe?g|png|bmp|tiff?|webp)$/i;

function readYaml(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new DatasetError(`${path}: no such file`);
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DatasetError(`${path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object') throw new DatasetError(`${path}: expected a mapping with path, val/test and names`);
  return doc as Record<string, unknown>;
}

const labelFor = (img: string) => img.replace(/([\\/])images([\\/])(?!.*[\\/]images[\\/])/, '$1labels$2').replace(/\.[^.\\/]+$/, '.txt');

/** Load a split (`val`, `test`, …) or an explicit list/folder given instead of a split name. */
export function loadDataset(yamlPath: string, split: string): Dataset {
  const doc = readYaml(yamlPath);
  const root = resolve(dirname(yamlPath), typeof doc.path === 'string' ? doc.path : '.');
  const names = Array.isArray(doc.names) ? doc.names.map(String)
    : doc.names && typeof doc.names === 'object' ? Object.entries(doc.names as Record<string, string>).sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => String(v))
      : undefined;
  if (!names?.length) throw new DatasetError(`${yamlPath}: no class names`);
  const key = split === 'val' && !doc.val && doc.valid ? 'valid' : split;
  const entry = typeof doc[key] === 'string' ? (doc[key] as string) : split;
  const src = isAbsolute(entry) ? entry : resolve(root, entry);
  if (!existsSync(src)) throw new DatasetError(`split "${split}": ${src} does not exist`);
  let files: string[];
  if (statSync(src).isDirectory()) files = readdirSync(src).filter((f) => IMG.test(f)).sort().map((f) => join(src, f));
  else files = readFileSync(src, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => (isAbsolute(l) ? l : resolve(root, l)));
  const images: DatasetImage[] = [];
  const skipped: Dataset['skipped'] = [];
  for (const image of files) {
    if (!existsSync(image)) {
      skipped.push({ file: image, why: 'listed but missing' });
      continue;
    }
    const label = labelFor(image);
    const boxes: DatasetImage['boxes'] = [];
    let bad = '';
    if (existsSync(label)) {
      readFileSync(label, 'utf8').split(/\r?\n/).forEach((line, n) => {
        if (!line.trim() || bad) return;
        const v = line.trim().split(/\s+/).map(Number);
        const [cls, cx, cy, w, h] = v;
        if (v.length < 5 || v.some((x) => !Number.isFinite(x)) || !Number.isInteger(cls) || cls < 0 || cls >= names.length || [cx, cy, w, h].some((x) => x < 0 || x > 1)) {
          bad = `${label}:${n + 1}: bad label line "${line.trim()}"`;
          return;
        }
        boxes.push({ cls, cx, cy, w, h });
      });
    }
    if (bad) skipped.push({ file: image, why: bad });
    else images.push({ image, label, boxes });
  }
  if (!images.length) throw new DatasetError(`split "${split}" (${src}) has no usable images`);
  return { names, images, skipped };
}

/**
 * Add the negatives (images without boxes) of another split or list to a dataset — e.g. FracAtlas's
 * 99 negatives, which its fixtures ship only beside the test split. `part` takes every other one
 * (sorted by path: 'even' = 0th, 2nd, …; 'odd' = 1st, 3rd, …) so that one half can choose a threshold
 * with the validation split and the other half can report on the test split.
 */
export function withNegatives(ds: Dataset, yamlPath: string, list: string, part: 'all' | 'even' | 'odd' = 'all'): Dataset {
  const extra = loadDataset(yamlPath, list);
  const have = new Set(ds.images.map((i) => i.image));
  const negatives = extra.images.filter((i) => !i.boxes.length && !have.has(i.image)).sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
  if (!negatives.length) throw new DatasetError(`--negatives ${list}: no images without boxes that are not already in the split`);
  const picked = part === 'all' ? negatives : negatives.filter((_, i) => i % 2 === (part === 'even' ? 0 : 1));
  return { names: ds.names, images: [...ds.images, ...picked], skipped: [...ds.skipped, ...extra.skipped] };
}
