/**
 * Getting weight bytes from what the caller passes: an ArrayBuffer, a Uint8Array, or a URL (string
 * or URL object) fetched with streaming progress. The library fetches nothing but that URL.
 */
import { InvalidArgumentError, WeightFileError } from '../errors.js';

export type ModelSource = ArrayBuffer | Uint8Array | string | URL;

export interface LoadProgress {
  loaded: number;
  /** Total bytes when the server sent Content-Length, else undefined. */
  total?: number;
}

export async function loadModelBytes(model: ModelSource, onProgress?: (p: LoadProgress) => void, signal?: AbortSignal): Promise<Uint8Array> {
  if (model instanceof Uint8Array) return model;
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  if (typeof model !== 'string' && !(model instanceof URL)) throw new InvalidArgumentError('model must be an ArrayBuffer, a Uint8Array or a URL');
  let res: Response;
  try {
    res = await fetch(model, { signal });
  } catch (e) {
    throw new WeightFileError('FETCH_FAILED', `could not fetch ${String(model)}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new WeightFileError('FETCH_FAILED', `fetching ${String(model)} failed: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || undefined;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ loaded, total });
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
