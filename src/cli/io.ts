/** File reading for the CLI with one-line, typed errors. */
import { readFile } from 'node:fs/promises';
import { Yolo11Error } from '../errors.js';

export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Yolo11Error('FILE_NOT_FOUND', code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(e as Error).message}`);
  }
}
