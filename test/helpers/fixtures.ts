/** Paths into the fixtures folder: $YOLO11_WEBGPU_FIXTURES, default ../shared (read-only, never committed). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURES = resolve(process.env.YOLO11_WEBGPU_FIXTURES ?? '../shared');

export function fixture(rel: string): string {
  const p = resolve(FIXTURES, rel);
  if (!existsSync(p)) throw new Error(`fixture ${p} is missing: put the project fixtures in ${FIXTURES} or set YOLO11_WEBGPU_FIXTURES`);
  return p;
}
