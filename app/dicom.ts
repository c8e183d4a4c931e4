/**
 * DICOM → 8-bit RGBA for display and detection, with dicom-parser: the first frame of uncompressed
 * (implicit/explicit little-endian) grey images, 8 or 16 bits, signed or not; Rescale Slope/Intercept,
 * then Window Center/Width (the first pair) or a min–max window; MONOCHROME1 inverted. RGB 8-bit is
 * passed through. Anything else is a DicomError with a message for the user.
 */
import dicomParser from 'dicom-parser';

export class DicomError extends Error {
  constructor(m: string) {
    super(m);
    this.name = 'DicomError';
  }
}

const UNCOMPRESSED = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

export const isDicom = (b: Uint8Array) => b.length > 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;

export function decodeDicom(bytes: Uint8Array): { width: number; height: number; data: Uint8ClampedArray } {
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (e) {
    throw new DicomError(`not a readable DICOM file (${String((e as Error)?.message ?? e).split('\n')[0]})`);
  }
  const ts = ds.string('x00020010') ?? '1.2.840.10008.1.2';
  if (!UNCOMPRESSED.has(ts)) throw new DicomError(`transfer syntax ${ts} (compressed) is not supported; export the image uncompressed or as PNG`);
  const px = ds.elements.x7fe00010;
  if (!px || !px.length) throw new DicomError('the DICOM file has no pixel data');
  const rows = ds.uint16('x00280010') ?? 0;
  const cols = ds.uint16('x00280011') ?? 0;
  if (!rows || !cols) throw new DicomError(`bad image size ${cols}×${rows}`);
  const spp = ds.uint16('x00280002') ?? 1;
  const bits = ds.uint16('x00280100') ?? 16;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const photometric = (ds.string('x00280004') ?? 'MONOCHROME2').trim();
  const n = rows * cols;
  const out = new Uint8ClampedArray(n * 4);
  const buf = bytes.buffer;
  const off = bytes.byteOffset + px.dataOffset;
  if (spp === 3 && bits === 8) {
    if (px.length < n * 3) throw new DicomError('pixel data is shorter than the image');
    for (let i = 0; i < n; i++) {
      out[4 * i] = bytes[px.dataOffset + 3 * i];
      out[4 * i + 1] = bytes[px.dataOffset + 3 * i + 1];
      out[4 * i + 2] = bytes[px.dataOffset + 3 * i + 2];
      out[4 * i + 3] = 255;
    }
    return { width: cols, height: rows, data: out };
  }
  if (spp !== 1 || (bits !== 8 && bits !== 16)) throw new DicomError(`${spp} samples of ${bits} bits per pixel are not supported`);
  if (px.length < n * (bits / 8)) throw new DicomError('pixel data is shorter than the image');
  const raw = bits === 8 ? new Uint8Array(buf, off, n) : signed ? new Int16Array(buf.slice(off, off + 2 * n)) : new Uint16Array(buf.slice(off, off + 2 * n));
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  const v = new Float32Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    v[i] = raw[i] * slope + intercept;
    lo = Math.min(lo, v[i]);
    hi = Math.max(hi, v[i]);
  }
  const center = ds.floatString('x00281050');
  const width = ds.floatString('x00281051');
  if (center !== undefined && width !== undefined && width > 1) {
    lo = center - 0.5 - (width - 1) / 2;
    hi = center - 0.5 + (width - 1) / 2;
  }
  const span = Math.max(hi - lo, 1e-6);
  const invert = photometric === 'MONOCHROME1';
  for (let i = 0; i < n; i++) {
    let g = Math.round(((v[i] - lo) / span) * 255);
    g = Math.min(255, Math.max(0, g));
    if (invert) g = 255 - g;
    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = g;
    out[4 * i + 3] = 255;
  }
  return { width: cols, height: rows, data: out };
}
