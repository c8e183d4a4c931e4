/**
 * The tuning cache: one entry per (adapter, browser or Dawn, model, input size, kernel table),
 * in IndexedDB in the browser and in a JSON file in Node, so a second load does not measure again.
 * An entry that is corrupt, from another adapter or model, or names kernels this version lacks is
 * ignored (and overwritten by the next measurement); storage that fails (private mode, read-only
 * disk) is a miss, never an error.
 */
import { CONV_VARIANTS, SHAPE_CLASSES, convVariant } from '../ops/conv-variants.js';

export interface TuningEntry {
  key: string;
  byClass: Record<string, string>;
  /** Milliseconds per candidate per class, as measured. */
  timings: Record<string, Record<string, number | string>>;
  ms: number;
  date: string;
}

export interface CacheKeyParts {
  adapter: Record<string, unknown>;
  features: readonly string[];
  /** The browser's user agent, or 'dawn' and its version in Node. */
  runtime: string;
  /** The weight file's payload SHA-256 (its manifest's). */
  model: string;
  inputSize: readonly [number, number];
}

/** The kernel table's identity: a cached choice is valid only for the variants and shape classes it was chosen from. */
export const KERNEL_TABLE = `${CONV_VARIANTS.map((v) => v.id).join(',')};${SHAPE_CLASSES}`;

export function cacheKey(p: CacheKeyParts): string {
  return JSON.stringify({ adapter: p.adapter, features: [...p.features].sort(), runtime: p.runtime, model: p.model, inputSize: p.inputSize, kernels: KERNEL_TABLE });
}

/** The entry if it is well-formed, for this key, and names only known kernels; else undefined. */
export function validEntry(raw: unknown, key: string): TuningEntry | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const e = raw as Partial<TuningEntry>;
  if (e.key !== key || !e.byClass || typeof e.byClass !== 'object' || Array.isArray(e.byClass)) return undefined;
  for (const [cls, id] of Object.entries(e.byClass)) if (typeof cls !== 'string' || typeof id !== 'string' || !convVariant(id)) return undefined;
  return { key, byClass: e.byClass, timings: e.timings && typeof e.timings === 'object' ? e.timings : {}, ms: Number(e.ms) || 0, date: String(e.date ?? '') };
}

export interface TuningStore {
  get(key: string): Promise<TuningEntry | undefined>;
  put(entry: TuningEntry): Promise<void>;
}

const DB = 'yolo11-webgpu';
const STORE = 'conv-tuning';

/** IndexedDB, keyed by the cache key. */
export function indexedDbStore(idb: IDBFactory = indexedDB): TuningStore {
  const open = () => new Promise<IDBDatabase>((resolve, reject) => {
    const r = idb.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const tx = async <T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>) => {
    const db = await open();
    try {
      return await new Promise<T>((resolve, reject) => {
        const req = fn(db.transaction(STORE, mode).objectStore(STORE));
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    } finally {
      db.close();
    }
  };
  return {
    async get(key) {
      try {
        return validEntry(await tx('readonly', (s) => s.get(key)), key);
      } catch {
        return undefined;
      }
    },
    async put(entry) {
      try {
        await tx('readwrite', (s) => s.put(entry, entry.key));
      } catch {
        // Storage refused (private browsing, quota): the next load measures again.
      }
    },
  };
}

/** A JSON file holding every entry (Node): `{ entries: { [key]: entry } }`. */
export function fileStore(path: string): TuningStore {
  const fs = () => import(/* @vite-ignore */ 'node:fs/promises' as string) as Promise<typeof import('node:fs/promises')>;
  const readAll = async (): Promise<Record<string, unknown>> => {
    try {
      const j = JSON.parse(await (await fs()).readFile(path, 'utf8'));
      return j && typeof j.entries === 'object' && !Array.isArray(j.entries) ? j.entries : {};
    } catch {
      return {}; // missing or corrupt: a miss
    }
  };
  return {
    async get(key) {
      return validEntry((await readAll())[key], key);
    },
    async put(entry) {
      try {
        const f = await fs();
        const entries = await readAll();
        entries[entry.key] = entry;
        const dir = path.replace(/[\\/][^\\/]*$/, '');
        if (dir && dir !== path) await f.mkdir(dir, { recursive: true });
        const tmp = `${path}.${Date.now()}.tmp`;
        await f.writeFile(tmp, `${JSON.stringify({ entries }, null, 1)}\n`);
        await f.rename(tmp, path);
      } catch {
        // Read-only disk: the next load measures again.
      }
    },
  };
}

/** Where Node keeps the file by default: $XDG_CACHE_HOME or ~/.cache, yolo11-webgpu/conv-tuning.json. */
export function defaultCachePath(env: Record<string, string | undefined>): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? `${env.HOME}/.cache` : undefined);
  return base ? `${base}/yolo11-webgpu/conv-tuning.json` : undefined;
}
