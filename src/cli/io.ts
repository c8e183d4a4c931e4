/**
 * File arguments for the CLI, told apart by their first bytes (src/io/sniff.ts), never by their
 * names, with one-line typed errors that name the file and say what it is instead.
 */
import { open, readFile } from 'node:fs/promises';
import { BadMagicError, ImageDecodeError, Yolo11Error } from '../errors.js';
import { SNIFF_BYTES, describe, sniff, type FileKind } from '../io/sniff.js';

const notFound = (path: string, e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (e as Error).message.split('\n')[0];
  return new Yolo11Error('FILE_NOT_FOUND', `${path}: ${why}`);
};

export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw notFound(path, e);
  }
}

export interface Peeked {
  path: string;
  /** The first SNIFF_BYTES bytes (fewer for a shorter file). */
  head: Uint8Array;
  size: number;
  kind: FileKind;
}

/** What a file is, from its first bytes; a missing or unreadable file is an error naming it. */
export async function peek(path: string): Promise<Peeked> {
  try {
    const f = await open(path, 'r');
    try {
      const { size } = await f.stat();
      const head = new Uint8Array(Math.min(size, SNIFF_BYTES));
      const { bytesRead } = await f.read(head, 0, head.length, 0);
      return { path, head: head.subarray(0, bytesRead), size, kind: sniff(head.subarray(0, bytesRead)) };
    } finally {
      await f.close();
    }
  } catch (e) {
    throw notFound(path, e);
  }
}

const what = (p: Peeked) => describe(p.head, p.size);
const isModel = (k: FileKind) => k === 'onnx' || k === 'tflite';
const convertHint = (path: string) => `convert it first with \`yolo11-webgpu convert ${path} -o model.y11w\``;
const exportHint = (path: string) => `export it to ONNX with Ultralytics (\`yolo export model=${path} format=onnx\`), then convert that with \`yolo11-webgpu convert\``;

/** A file given where a model belongs is one: a weight file, or an export that needs converting. */
export const looksLikeModel = (p: Peeked) => p.kind === 'weights' || isModel(p.kind) || p.kind === 'zip';

/** The bytes of a weight file (or, with `reference`, a reference file); anything else is a BadMagicError saying what it is. */
export async function readWeightsArg(path: string, { reference = false } = {}): Promise<Uint8Array> {
  const p = await peek(path);
  if (p.kind === 'weights' || (reference && p.kind === 'reference')) return readInput(path);
  const hint = isModel(p.kind) ? `: ${convertHint(path)}` : p.kind === 'zip' ? `: ${exportHint(path)}` : '';
  throw new BadMagicError(`${path} is ${what(p)}, not a yolo11-webgpu weight file${hint}`);
}

/** Check that an image argument exists and is a PNG or JPEG, before any work starts. */
export async function checkImageArg(path: string): Promise<void> {
  const p = await peek(path);
  if (p.kind === 'png' || p.kind === 'jpeg') return;
  const hint = p.kind === 'weights' ? '; the weight file goes first (detect <weights.y11w> <images...>)'
    : isModel(p.kind) ? `; the model goes first, as a weight file: ${convertHint(path)}`
    : p.kind === 'dicom' ? '; the viewer app (npm start) opens DICOM'
    : '';
  throw new ImageDecodeError(`${path}: not a PNG or JPEG image but ${what(p)}${hint}`);
}
