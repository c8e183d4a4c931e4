/**
 * Decoding image files in Node into 8-bit RGBA (4 bytes per pixel, row-major), matching what
 * Ultralytics gets from `cv2.imread(path)` (IMREAD_COLOR) as closely as the pure-JS decoders allow:
 *  - JPEG (jpeg-js): greyscale is replicated to RGB, Adobe CMYK/YCCK is converted to RGB by jpeg-js,
 *    and the EXIF orientation is applied as cv2 does. jpeg-js's IDCT is not libjpeg-turbo's: pixels
 *    differ from cv2's by at most 1 (on ~3–6 % of the pixels of the FracAtlas radiographs).
 *  - PNG (pngjs): grey, palette and 1/2/4-bit are expanded (bit replication, as libpng); 16-bit takes
 *    the high byte of each sample (libpng's png_set_strip_16, which cv2 uses for 8-bit reads); alpha is
 *    kept in A but never composited (cv2 drops it); tRNS colour keys are ignored (cv2 ignores them too).
 * Hostile headers are refused before any pixel allocation: at most MAX_MEGAPIXELS, and jpeg-js gets a
 * memory cap. Every failure is an `ImageDecodeError` with a one-line message that names the file.
 */
import { readFile } from 'node:fs/promises';
import { ImageDecodeError } from '../errors.js';
import { describe, sniff } from '../io/sniff.js';
import type { RGBAImage } from '../draw/draw-boxes.js';

/** 40 MP (e.g. 7300×5475): far above any radiograph here (2304×2880 = 6.6 MP); RGBA ≤ 160 MB. */
export const MAX_MEGAPIXELS = 40;
/** jpeg-js's own accounting (coefficient blocks + output) for a 40 MP 4:4:4 colour JPEG stays below this. */
const JPEG_MAX_MEMORY_MB = 768;

/** Decode a PNG or JPEG file (or its bytes; `name` is then used in messages). */
export async function decodeImageFile(input: string | Uint8Array, name = typeof input === 'string' ? input : 'image'): Promise<RGBAImage> {
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? new Uint8Array(await readFile(input)) : input;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageDecodeError(`${name}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0]}`, 'IMAGE_NOT_FOUND');
  }
  const kind = sniff(bytes);
  if (kind === 'png') return decodePng(bytes, name);
  if (kind === 'jpeg') return decodeJpeg(bytes, name);
  throw new ImageDecodeError(`${name}: not a PNG or JPEG image but ${describe(bytes)}`);
}

const oneLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

function checkSize(w: number, h: number) {
  if (!(w > 0 && h > 0)) throw new Error(`zero-size image ${w}×${h}`);
  if (w * h > MAX_MEGAPIXELS * 1e6) throw new Error(`${w}×${h} exceeds the ${MAX_MEGAPIXELS}-megapixel limit`);
}

/** The PNG without its tRNS chunk (pngjs would zero the RGB of colour-keyed pixels). */
function withoutTrns(b: Uint8Array): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const keep: Uint8Array[] = [b.subarray(0, 8)];
  let p = 8;
  let dropped = false;
  while (p + 12 <= b.length) {
    const len = dv.getUint32(p);
    const end = p + 12 + len;
    if (end > b.length) break; // truncated: leave the rest for pngjs to complain about
    const type = String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    if (type === 'tRNS') dropped = true;
    else keep.push(b.subarray(p, end));
    p = end;
  }
  if (!dropped) return b;
  keep.push(b.subarray(p));
  return Buffer.concat(keep);
}

async function decodePng(bytes: Uint8Array, name: string): Promise<RGBAImage> {
  const { PNG } = await import('pngjs');
  try {
    if (bytes.length < 33) throw new Error('file ends inside the header');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [w, h, depth] = [dv.getUint32(16), dv.getUint32(20), bytes[24]];
    checkSize(w, h);
    const clean = withoutTrns(bytes);
    const png = PNG.sync.read(Buffer.from(clean.buffer, clean.byteOffset, clean.byteLength), { skipRescale: depth === 16 });
    const src = png.data as unknown as ArrayLike<number>;
    if (png.width !== w || png.height !== h || src.length !== w * h * 4) throw new Error('inconsistent header');
    if (depth !== 16) return { width: w, height: h, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    const data = new Uint8Array(w * h * 4);
    for (let i = 0; i < data.length; i++) data[i] = src[i] >>> 8; // high byte, as libpng's strip_16
    return { width: w, height: h, data };
  } catch (e) {
    throw new ImageDecodeError(`${name}: cannot decode PNG: ${oneLine(e)}`);
  }
}

async function decodeJpeg(bytes: Uint8Array, name: string): Promise<RGBAImage> {
  const jpeg = await import('jpeg-js');
  try {
    const img = jpeg.decode(bytes, {
      useTArray: true, formatAsRGBA: true, tolerantDecoding: true,
      maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
    });
    checkSize(img.width, img.height);
    const out: RGBAImage = { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
    const exif = (img as { exifBuffer?: Uint8Array }).exifBuffer;
    return exif ? applyOrientation(out, exifOrientation(exif)) : out;
  } catch (e) {
    throw new ImageDecodeError(`${name}: cannot decode JPEG: ${oneLine(e)}`);
  }
}

/** EXIF orientation tag (0x0112) from an APP1 payload after "Exif\0"; 1 when absent or malformed. */
export function exifOrientation(buf: Uint8Array): number {
  const t = buf[0] === 0 ? 1 : 0; // jpeg-js keeps the second NUL of "Exif\0\0"
  if (buf.length < t + 8) return 1;
  const le = buf[t] === 0x49 && buf[t + 1] === 0x49;
  if (!le && !(buf[t] === 0x4d && buf[t + 1] === 0x4d)) return 1;
  const dv = new DataView(buf.buffer, buf.byteOffset + t, buf.byteLength - t);
  const u16 = (o: number) => dv.getUint16(o, le);
  const ifd = dv.getUint32(4, le);
  if (ifd + 2 > dv.byteLength) return 1;
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > dv.byteLength) return 1;
    if (u16(e) === 0x0112 && u16(e + 2) === 3) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/** Apply an EXIF orientation as OpenCV's ApplyExifOrientation: optional transpose, then flips. */
export function applyOrientation(img: RGBAImage, o: number): RGBAImage {
  if (o <= 1 || o > 8) return img;
  const transpose = o >= 5;
  // [flip horizontally, flip vertically] after the transpose, per orientation 2…8.
  const [fh, fv] = ({ 2: [1, 0], 3: [1, 1], 4: [0, 1], 5: [0, 0], 6: [1, 0], 7: [1, 1], 8: [0, 1] } as Record<number, number[]>)[o];
  const W = transpose ? img.height : img.width;
  const H = transpose ? img.width : img.height;
  const src = new Uint32Array(img.data.buffer.slice(img.data.byteOffset, img.data.byteOffset + img.data.byteLength));
  const dst = new Uint32Array(W * H);
  for (let y = 0; y < H; y++) {
    const yf = fv ? H - 1 - y : y;
    for (let x = 0; x < W; x++) {
      const xf = fh ? W - 1 - x : x;
      dst[y * W + x] = transpose ? src[xf * img.width + yf] : src[yf * img.width + xf];
    }
  }
  return { width: W, height: H, data: new Uint8Array(dst.buffer) };
}
