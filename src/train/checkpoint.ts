/**
 * Training checkpoints: the tensor container (src/weights/format.ts) with magic "YOLO11CK", holding
 * the optimiser's whole state at the end of an epoch — the trained parameters, the gradient still
 * being accumulated (Ultralytics accumulates across epoch boundaries), the moments, the EMA and the
 * best epoch's weights — and in its manifest the counters, the history and the configuration the run
 * must resume with. Resuming from it gives the result of an uninterrupted run: every random choice
 * derives from (seed, epoch, image), and the kernels accumulate in a fixed order.
 */
import { InvalidArgumentError } from '../errors.js';
import { readTensorFile, writeTensorFile } from '../weights/format.js';

export const CHECKPOINT_MAGIC = 'YOLO11CK';

/** The buffers a checkpoint holds (each the params layout's length). */
export const CHECKPOINT_BUFFERS = ['params', 'grad', 'm', 'v', 'ema', 'best'] as const;
export type CheckpointBuffer = (typeof CHECKPOINT_BUFFERS)[number];

export interface Counters {
  /** Epochs completed. */
  epoch: number;
  /** Batches completed over the run (Ultralytics' ni), and the batch of the last optimiser step. */
  ni: number;
  lastOptStep: number;
  /** Optimiser steps (AdamW's t) and EMA updates. */
  t: number;
  emaUpdates: number;
  bestFitness: number;
  bestEpoch: number;
}

export interface CheckpointManifest {
  kind: 'checkpoint';
  counters: Counters;
  /** The run's configuration: compared on resume. */
  config: Record<string, unknown>;
  /** Per-epoch results so far. */
  history: unknown[];
}

export async function writeCheckpoint(m: Omit<CheckpointManifest, 'kind'>, buffers: Record<CheckpointBuffer, Float32Array>): Promise<Uint8Array> {
  const tensors = CHECKPOINT_BUFFERS.map((name) => ({ name, shape: [buffers[name].length], data: buffers[name] }));
  return writeTensorFile(CHECKPOINT_MAGIC, { kind: 'checkpoint', ...m }, tensors);
}

export async function readCheckpoint(bytes: Uint8Array): Promise<{ manifest: CheckpointManifest; buffers: Record<CheckpointBuffer, Float32Array> }> {
  const f = await readTensorFile(bytes, CHECKPOINT_MAGIC);
  const m = f.manifest as unknown as CheckpointManifest;
  if (m.kind !== 'checkpoint' || !m.counters || !m.config || !Array.isArray(m.history)) throw new InvalidArgumentError('checkpoint: manifest lacks kind/counters/config/history');
  const buffers = {} as Record<CheckpointBuffer, Float32Array>;
  for (const name of CHECKPOINT_BUFFERS) {
    const t = f.tensors.get(name);
    if (!t || t.dtype !== 'f32') throw new InvalidArgumentError(`checkpoint: tensor ${name} is missing`);
    buffers[name] = t.data as Float32Array;
  }
  return { manifest: m, buffers };
}

/** The first configuration key whose value differs, if any. */
export function configDifference(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return `${k}: checkpoint ${JSON.stringify(a[k])}, now ${JSON.stringify(b[k])}`;
  }
  return undefined;
}
