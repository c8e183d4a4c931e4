/** Error names are literals (errorName), so `err.name` survives minifying bundlers that rename classes. */
import { expect, test } from 'vitest';
import * as errors from '../../src/errors.js';
import { UsageError } from '../../src/cli/main.js';
import { DatasetError } from '../../src/eval/dataset.js';

test('every error class carries its own name as a literal', () => {
  const classes = { ...errors, UsageError, DatasetError } as Record<string, unknown>;
  const found = Object.entries(classes).filter(([, v]) => typeof v === 'function' && (v === errors.Yolo11Error || (v as { prototype: unknown }).prototype instanceof errors.Yolo11Error));
  expect(found.length).toBeGreaterThan(15);
  for (const [name, C] of found) expect((C as { errorName: string }).errorName, name).toBe(name);
  expect(new errors.DeviceLostError('x').name).toBe('DeviceLostError');
});
