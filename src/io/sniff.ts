/**
 * What a file is, from its first bytes — never from its name: our weight and reference files, the
 * model formats `convert` reads, the images `detect` reads, and the files people pass by mistake
 * (a PyTorch checkpoint, a Git LFS pointer, an HTML error page). Pure: takes a Uint8Array, imports
 * nothing, so a web page can use it as well as the CLI. The first SNIFF_BYTES bytes are enough.
 */

export type FileKind =
  | 'weights' | 'reference' | 'onnx' | 'tflite' | 'zip'
  | 'jpeg' | 'png' | 'dicom' | 'gif' | 'bmp' | 'webp' | 'tiff'
  | 'lfs-pointer' | 'text' | 'empty' | 'unknown';

/** Bytes to read for `sniff` (DICOM's "DICM" is at 128..132; text is judged on this many). */
export const SNIFF_BYTES = 512;

const ascii = (b: Uint8Array, at: number, s: string) => b.length >= at + s.length && [...s].every((c, i) => b[at + i] === c.charCodeAt(0));
const bytes = (b: Uint8Array, at: number, v: number[]) => b.length >= at + v.length && v.every((x, i) => b[at + i] === x);

/** Magic numbers, checked in order. */
const SIGNATURES: [FileKind, (b: Uint8Array) => boolean][] = [
  ['weights', (b) => ascii(b, 0, 'YOLO11WG')],
  ['reference', (b) => ascii(b, 0, 'YOLO11RT')],
  ['tflite', (b) => ascii(b, 4, 'TFL3')], // the flatbuffer file identifier
  ['jpeg', (b) => bytes(b, 0, [0xff, 0xd8, 0xff])],
  ['png', (b) => bytes(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ['dicom', (b) => ascii(b, 128, 'DICM')], // after the 128-byte preamble
  ['zip', (b) => bytes(b, 0, [0x50, 0x4b, 0x03, 0x04])], // PyTorch .pt checkpoints are zip files
  ['gif', (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')],
  ['webp', (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')],
  ['tiff', (b) => ascii(b, 0, 'II*\0') || ascii(b, 0, 'MM\0*')],
  ['bmp', (b) => ascii(b, 0, 'BM') && b.length >= 26 && b[14] >= 12 && b[15] === 0 && b[16] === 0 && b[17] === 0], // DIB header size 12..255
  ['lfs-pointer', (b) => ascii(b, 0, 'version https://git-lfs.github.com/spec/')],
];

/**
 * ONNX has no magic number: a file is a protobuf ModelProto. Walk its first top-level fields and
 * accept when each is a ModelProto field with the right wire type, and ir_version (field 1, a small
 * number; exporters write it first) or the graph (field 7) is among them. The walk may stop inside
 * a field (the graph runs past a 512-byte head, or the file is truncated): what was read decides.
 */
const MODEL_PROTO: Record<number, 0 | 2> = { 1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 26: 2 }; // field → wire type

function varint(b: Uint8Array, p: number): [value: number, end: number] | undefined {
  let v = 0;
  for (let i = 0, mul = 1; i < 10 && p + i < b.length; i++, mul *= 128) {
    v += (b[p + i] & 0x7f) * mul;
    if (b[p + i] < 0x80) return [v, p + i + 1];
  }
  return undefined;
}

function isOnnx(b: Uint8Array): boolean {
  let p = 0;
  let fields = 0;
  let core = false;
  while (p < b.length && fields < 16) {
    const tag = varint(b, p);
    if (!tag) return false;
    const [field, wire] = [Math.floor(tag[0] / 8), tag[0] % 8];
    if (MODEL_PROTO[field] !== wire) return false;
    const v = varint(b, tag[1]);
    if (!v) return core; // the head ends inside this field
    if (field === 1 && !(v[0] >= 1 && v[0] <= 100)) return false;
    core ||= field === 1 || field === 7;
    fields++;
    p = wire === 0 ? v[1] : v[1] + v[0];
  }
  return core;
}

/** Text: no NUL or control bytes other than tab, newline, carriage return, form feed, escape. */
const isText = (b: Uint8Array) => b.length > 0 && b.every((c) => c >= 0x20 || c === 9 || c === 10 || c === 12 || c === 13 || c === 27);

/** What the bytes are (pass at least the first SNIFF_BYTES bytes of the file, or all of it). */
export function sniff(b: Uint8Array): FileKind {
  if (!b.length) return 'empty';
  for (const [kind, test] of SIGNATURES) if (test(b)) return kind;
  // Text first: a short text file can pass for a protobuf (':' is the graph field's tag), while an
  // ONNX file always has control bytes (field tags and lengths below 0x20) in its first bytes.
  if (isText(b.subarray(0, SNIFF_BYTES))) return 'text';
  if (isOnnx(b)) return 'onnx';
  return 'unknown';
}

const NAMES: Record<FileKind, string> = {
  weights: 'a yolo11-webgpu weight file',
  reference: 'a yolo11-webgpu reference tensor file',
  onnx: 'an ONNX model',
  tflite: 'a TFLite model',
  zip: 'a zip archive (a PyTorch .pt checkpoint is one)',
  jpeg: 'a JPEG image',
  png: 'a PNG image',
  dicom: 'a DICOM file',
  gif: 'a GIF image',
  bmp: 'a BMP image',
  webp: 'a WebP image',
  tiff: 'a TIFF image',
  'lfs-pointer': 'a Git LFS pointer, not the file itself (fetch it with `git lfs pull`)',
  text: 'a text file',
  empty: 'an empty file',
  unknown: 'an unrecognised file',
};

const hex = (b: Uint8Array) => Array.from(b, (v) => v.toString(16).padStart(2, '0')).join(' ');

/**
 * A phrase for messages ("…: not a weight file but <describe>"): `a DICOM file`, `a text file
 * starting "<!doctype html>"`, `an unrecognised file (4,096 bytes starting 0d 8a 07 84 …)`.
 * `size` is the whole file's size when `b` is only its head.
 */
export function describe(b: Uint8Array, size = b.length): string {
  const kind = sniff(b);
  if (kind === 'text') {
    const line = new TextDecoder().decode(b.subarray(0, 200)).split(/\r?\n/).find((l) => l.trim())?.trim() ?? '';
    const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
    return shown ? `${NAMES.text} starting ${JSON.stringify(shown)}` : NAMES.text;
  }
  if (kind === 'unknown') return `${NAMES.unknown} (${size.toLocaleString('en-US')} bytes starting ${hex(b.subarray(0, 8))}${b.length > 8 ? ' …' : ''})`;
  return NAMES[kind];
}
