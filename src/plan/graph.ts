/**
 * A symbolic program: tensors with shapes, and steps that read and write channel slices of them.
 * Step closures turn slices into concrete arena Views once the arena is planned, and return the
 * op planners' Dispatches. Nothing here touches the GPU.
 */
import type { Dispatch, View } from '../ops/types.js';
import { planArena } from './arena.js';

/** A tensor (c × h × w, NCHW, batch 1) of the program. */
export interface TensorRef {
  id: number;
  name: string;
  c: number;
  h: number;
  w: number;
}

/** Channels [c0, c0 + c) of a tensor. */
export interface Slice {
  t: TensorRef;
  c0: number;
  c: number;
}

export type Resolve = (s: Slice | TensorRef) => View;

interface Step {
  label: string;
  reads: TensorRef[];
  writes: TensorRef[];
  make: (v: Resolve) => Dispatch[];
}

export interface BuiltProgram {
  dispatches: Dispatch[];
  arenaElements: number;
  resolve: Resolve;
}

export class GraphBuilder {
  private readonly tensors: TensorRef[] = [];
  private readonly steps: Step[] = [];
  private readonly pinned = new Set<number>();

  tensor(name: string, c: number, h: number, w: number): TensorRef {
    const t = { id: this.tensors.length, name, c, h, w };
    this.tensors.push(t);
    return t;
  }

  /** Keep a tensor alive for the whole program (inputs and outputs read by the host). */
  pin(t: TensorRef) {
    this.pinned.add(t.id);
  }

  step(label: string, reads: (Slice | TensorRef)[], writes: (Slice | TensorRef)[], make: (v: Resolve) => Dispatch[]) {
    const tensorOf = (s: Slice | TensorRef) => ('t' in s ? s.t : s);
    this.steps.push({ label, reads: reads.map(tensorOf), writes: writes.map(tensorOf), make });
  }

  /** Plan the arena (with reuse unless `keepAll`) and produce the dispatch list. */
  build(keepAll = false): BuiltProgram {
    const n = this.steps.length;
    const life = this.tensors.map(() => ({ first: Infinity, last: -1 }));
    this.steps.forEach((s, i) => {
      for (const t of [...s.reads, ...s.writes]) {
        life[t.id].first = Math.min(life[t.id].first, i);
        life[t.id].last = Math.max(life[t.id].last, i);
      }
    });
    const items = this.tensors.map((t) => {
      const l = life[t.id];
      const pinned = this.pinned.has(t.id) || l.last < 0;
      return { size: t.c * t.h * t.w, first: pinned ? 0 : l.first, last: pinned ? n : l.last };
    });
    const { offsets, size } = planArena(items, !keepAll);
    const resolve: Resolve = (s) => {
      const sl = 't' in s ? s : { t: s, c0: 0, c: s.c };
      const { t } = sl;
      if (sl.c0 < 0 || sl.c0 + sl.c > t.c) throw new Error(`slice [${sl.c0}, ${sl.c0 + sl.c}) outside ${t.name} (${t.c} channels)`);
      return { offset: offsets[t.id] + sl.c0 * t.h * t.w, c: sl.c, h: t.h, w: t.w };
    };
    const dispatches = this.steps.flatMap((s) => s.make(resolve));
    return { dispatches, arenaElements: size, resolve };
  }
}

export const slice = (t: TensorRef, c0: number, c: number): Slice => ({ t, c0, c });
