/** Where the CLI finds fixtures and the default weights. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Yolo11Error } from '../errors.js';

/** The fixtures folder: $YOLO11_WEBGPU_FIXTURES, default ../shared. */
export const fixturesDir = () => resolve(process.env.YOLO11_WEBGPU_FIXTURES ?? '../shared');

/** The default model, made by `npm run weights`. */
export const DEFAULT_WEIGHTS = 'weights/yolo11n-fracture.y11w';

export function defaultWeightsPath(): string {
  const p = resolve(DEFAULT_WEIGHTS);
  if (!existsSync(p)) {
    throw new Yolo11Error('NO_WEIGHTS', `default weights ${DEFAULT_WEIGHTS} not found: run \`npm run weights\` (needs the fixtures in ${fixturesDir()}), or pass a .y11w file`);
  }
  return p;
}
