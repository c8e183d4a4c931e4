/**
 * The project's tensor container, used for weight files (`.y11w`) and reference-tensor files (`.y11r`).
 *
 * Layout (little-endian):
 *   0   magic, 8 ASCII bytes ("YOLO11WG" weights, "YOLO11RT" references)
 *   8   u32 version (= 1)
 *   12  u32 manifest byte length M
 *   16  manifest, M bytes of UTF-8 JSON (see `Manifest`)
 *   …   zero padding up to the payload start, the first multiple of 256 ≥ 16 + M
 *   P   payload: each tensor at P + tensor.offset (offset a multiple of 256), f32 or f16 little-endian
 * The manifest's `payload` gives the payload byte length and its SHA-256 (hex); the file ends with the payload.
 *
 * One reader serves the runtime, the tools and the tests. It is strict: every defect is a distinct
 * typed error (src/errors.ts) and no allocation is sized from a length that was not checked first.
 */
import { SNIFF_BYTES, describe } from '../io/sniff.js';
import {
  BadMagicError, BadManifestError, ChecksumMismatchError, NonFiniteTensorError, OutOfRangeError,
  ShapeMismatchError, TruncatedFileError, UnsupportedVersionError,
} from '../errors.js';

export const WEIGHTS_MAGIC = 'YOLO11WG';
export const REFERENCE_MAGIC = 'YOLO11RT';
export const FORMAT_VERSION = 1;
export const ALIGN = 256;
const HEADER = 16;
/** Manifests larger than this are refused before decoding (a 1000-tensor model needs ~150 KB). */
const MAX_MANIFEST = 16 << 20;

export type DType = 'f32' | 'f16';
export const DTYPE_BYTES: Record<DType, number> = { f32: 4, f16: 2 };

export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte offset from the payload start; a multiple of 256. */
  offset: number;
  byteLength: number;
}

export interface Manifest {
  /** 'weights' or 'reference'. */
  kind: string;
  payload: { byteLength: number; sha256: string };
  tensors: TensorEntry[];
  /** Kind-specific fields (weights: family, task, scale, nc, names, imgsz, strides, source). */
  [key: string]: unknown;
}

export interface Tensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** f32 data as Float32Array; f16 data as raw Uint16Array bits. */
  data: Float32Array | Uint16Array;
}

export interface TensorFile<M extends Manifest = Manifest> {
  manifest: M;
  tensors: Map<string, Tensor>;
}

export const align = (n: number, a = ALIGN) => Math.ceil(n / a) * a;
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** IEEE half → float. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Float → IEEE half, round to nearest even. */
export function f32ToF16(v: number): number {
  const f32 = new Float32Array([v]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** Float32 view of a tensor (f16 is widened). */
export function toFloat32(t: Tensor): Float32Array {
  if (t.dtype === 'f32') return t.data as Float32Array;
  const src = t.data as Uint16Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f16ToF32(src[i]);
  return out;
}

export interface WriteTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Serialise tensors and manifest fields into a container. `dtype` f16 narrows every tensor. */
export async function writeTensorFile(
  magic: string,
  fields: Record<string, unknown>,
  tensors: WriteTensor[],
  dtype: DType = 'f32',
): Promise<Uint8Array> {
  const entries: TensorEntry[] = [];
  let off = 0;
  for (const t of tensors) {
    if (numel(t.shape) !== t.data.length) {
      throw new ShapeMismatchError(`tensor ${t.name}: shape [${t.shape}] has ${numel(t.shape)} elements, data has ${t.data.length}`);
    }
    const byteLength = t.data.length * DTYPE_BYTES[dtype];
    entries.push({ name: t.name, dtype, shape: t.shape, offset: off, byteLength });
    off = align(off + byteLength);
  }
  const payloadLength = entries.length ? entries[entries.length - 1].offset + entries[entries.length - 1].byteLength : 0;
  const payload = new Uint8Array(payloadLength);
  tensors.forEach((t, i) => {
    const e = entries[i];
    if (dtype === 'f32') {
      payload.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), e.offset);
    } else {
      const h = new Uint16Array(t.data.length);
      for (let j = 0; j < h.length; j++) h[j] = f32ToF16(t.data[j]);
      payload.set(new Uint8Array(h.buffer), e.offset);
    }
  });
  const manifest = { ...fields, payload: { byteLength: payloadLength, sha256: await sha256Hex(payload) }, tensors: entries };
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const start = align(HEADER + json.length);
  const out = new Uint8Array(start + payloadLength);
  out.set(new TextEncoder().encode(magic.padEnd(8).slice(0, 8)), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, json.length, true);
  out.set(json, HEADER);
  out.set(payload, start);
  return out;
}

export interface ReadOptions {
  /** Skip the SHA-256 of the payload (tests of other defects; never for untrusted files). */
  skipChecksum?: boolean;
  /** Reject NaN/Inf in any tensor (default true). */
  finite?: boolean;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parse and validate a container. Throws a `WeightFileError` subclass on any defect. */
export async function readTensorFile(input: ArrayBuffer | Uint8Array, magic: string, opts: ReadOptions = {}): Promise<TensorFile> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < HEADER) throw new TruncatedFileError(`file is ${bytes.length} bytes, shorter than the 16-byte header`);
  const got = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  // Say what the bytes are instead (an ONNX model, an HTML error page served for the weights URL, …).
  if (got !== magic) throw new BadMagicError(`bad magic ${JSON.stringify(got)}, expected ${JSON.stringify(magic)}: this is ${describe(bytes.subarray(0, SNIFF_BYTES), bytes.length)}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) throw new UnsupportedVersionError(`format version ${version} is not supported (this reader reads ${FORMAT_VERSION})`);
  const mlen = dv.getUint32(12, true);
  if (mlen > MAX_MANIFEST) throw new BadManifestError(`manifest length ${mlen} exceeds the ${MAX_MANIFEST}-byte limit`);
  if (HEADER + mlen > bytes.length) throw new TruncatedFileError(`manifest of ${mlen} bytes runs past the end of the ${bytes.length}-byte file`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + mlen)));
  } catch (e) {
    throw new BadManifestError(`manifest is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) throw new BadManifestError('manifest is not a JSON object');
  const p = manifest.payload;
  if (!p || !isInt(p.byteLength) || typeof p.sha256 !== 'string') throw new BadManifestError('manifest.payload must be {byteLength, sha256}');
  if (!Array.isArray(manifest.tensors)) throw new BadManifestError('manifest.tensors must be an array');
  const start = align(HEADER + mlen);
  if (start + p.byteLength > bytes.length) {
    throw new TruncatedFileError(`payload of ${p.byteLength} bytes at ${start} runs past the end of the ${bytes.length}-byte file`);
  }
  if (start + p.byteLength < bytes.length) throw new OutOfRangeError(`${bytes.length - start - p.byteLength} unexpected bytes after the payload`);
  const payload = bytes.subarray(start, start + p.byteLength);
  if (!opts.skipChecksum) {
    const sum = await sha256Hex(payload);
    if (sum !== p.sha256) throw new ChecksumMismatchError(`payload SHA-256 ${sum.slice(0, 16)}… does not match the manifest's ${String(p.sha256).slice(0, 16)}…`);
  }
  const tensors = new Map<string, Tensor>();
  for (const e of manifest.tensors as TensorEntry[]) {
    if (!e || typeof e.name !== 'string') throw new BadManifestError('a tensor entry has no name');
    if (tensors.has(e.name)) throw new BadManifestError(`tensor ${e.name} is listed twice`);
    if (e.dtype !== 'f32' && e.dtype !== 'f16') throw new BadManifestError(`tensor ${e.name}: unsupported dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || e.shape.length > 8 || !e.shape.every(isInt)) throw new BadManifestError(`tensor ${e.name}: bad shape ${JSON.stringify(e.shape)}`);
    if (!isInt(e.offset) || !isInt(e.byteLength)) throw new BadManifestError(`tensor ${e.name}: offset and byteLength must be non-negative integers`);
    if (e.offset % ALIGN !== 0) throw new OutOfRangeError(`tensor ${e.name}: offset ${e.offset} is not ${ALIGN}-byte aligned`);
    if (e.offset + e.byteLength > p.byteLength) {
      throw new OutOfRangeError(`tensor ${e.name}: bytes ${e.offset}..${e.offset + e.byteLength} lie outside the ${p.byteLength}-byte payload`);
    }
    const n = numel(e.shape);
    if (n * DTYPE_BYTES[e.dtype] !== e.byteLength) {
      throw new ShapeMismatchError(`tensor ${e.name}: shape [${e.shape}] ${e.dtype} needs ${n * DTYPE_BYTES[e.dtype]} bytes, entry says ${e.byteLength}`);
    }
    const at = payload.byteOffset + e.offset;
    const Ctor = e.dtype === 'f32' ? Float32Array : Uint16Array;
    const data = at % Ctor.BYTES_PER_ELEMENT === 0
      ? new Ctor(payload.buffer as ArrayBuffer, at, n)
      : new Ctor(payload.slice(e.offset, e.offset + e.byteLength).buffer as ArrayBuffer);
    const t: Tensor = { name: e.name, dtype: e.dtype, shape: e.shape, data };
    if (opts.finite !== false) checkFinite(t);
    tensors.set(e.name, t);
  }
  return { manifest, tensors };
}

function checkFinite(t: Tensor) {
  if (t.dtype === 'f32') {
    const d = t.data as Float32Array;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) throw new NonFiniteTensorError(`tensor ${t.name}: element ${i} is ${d[i]}`);
    }
  } else {
    const d = t.data as Uint16Array;
    for (let i = 0; i < d.length; i++) {
      if ((d[i] & 0x7c00) === 0x7c00) throw new NonFiniteTensorError(`tensor ${t.name}: element ${i} is ${f16ToF32(d[i])}`);
    }
  }
}
