/**
 * Decoding image files in Node: JPEG (jpeg-js; greyscale and CMYK are converted to RGB) and PNG
 * (pngjs; 8/16-bit, grey, palette, alpha — pngjs normalises to 8-bit RGBA). Always RGBA out.
 * A hostile header cannot make it allocate more than MAX_PIXELS.
 */
import { readFile } from 'node:fs/promises';
import { ImageDecodeError } from '../errors.js';
import type { RGBAImage } from '../draw/draw-boxes.js';

/** 100 megapixels: larger than any radiograph we expect, small enough to bound memory (400 MB RGBA). */
const MAX_PIXELS = 100_000_000;

export async function decodeImageFile(input: string | Uint8Array, name = typeof input === 'string' ? input : 'image'): Promise<RGBAImage> {
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? new Uint8Array(await readFile(input)) : input;
  } catch (e) {
    throw new ImageDecodeError(`${name}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 'IMAGE_NOT_FOUND');
  }
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return decodePng(bytes, name);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes, name);
  throw new ImageDecodeError(`${name}: not a PNG or JPEG file`);
}

async function decodePng(bytes: Uint8Array, name: string): Promise<RGBAImage> {
  const { PNG } = await import('pngjs');
  try {
    const w = new DataView(bytes.buffer, bytes.byteOffset).getUint32(16);
    const h = new DataView(bytes.buffer, bytes.byteOffset).getUint32(20);
    if (w * h > MAX_PIXELS) throw new Error(`${w}×${h} exceeds ${MAX_PIXELS} pixels`);
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch (e) {
    throw new ImageDecodeError(`${name}: cannot decode PNG: ${(e as Error).message}`);
  }
}

async function decodeJpeg(bytes: Uint8Array, name: string): Promise<RGBAImage> {
  const jpeg = await import('jpeg-js');
  try {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    if (!img.width || !img.height) throw new Error('zero-size image');
    return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
  } catch (e) {
    throw new ImageDecodeError(`${name}: cannot decode JPEG: ${(e as Error).message}`);
  }
}
