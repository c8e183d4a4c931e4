/**
 * Seeded file mutations for fuzzing readers: byte flips (biased to the first `hot` bytes, where
 * headers and manifests live), overwrites with boundary values, truncations, insertions/deletions,
 * and splices of another file's bytes. fast-check drives the choices, so every case is replayable
 * from its seed.
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; at: number; bits: number }
  | { kind: 'set'; at: number; bytes: readonly number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'splice'; at: number; from: number; n: number };

const edge: fc.Arbitrary<readonly number[]> = fc.constantFrom<readonly number[]>([0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0], [0xff, 0xff, 0xff, 0x7f], [0, 0, 0, 0x80], [0x22], [0x7b], [0x5d], [0x30], [0x2d]);

/** A position: half the time inside the first `hot` bytes. */
const pos = (len: number, hot: number) =>
  fc.oneof(fc.noBias(fc.integer({ min: 0, max: Math.max(0, Math.min(hot, len) - 1) })), fc.noBias(fc.integer({ min: 0, max: Math.max(0, len - 1) })));

export function mutationArb(len: number, hot: number): fc.Arbitrary<Mutation[]> {
  const p = pos(len, hot);
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: p, bits: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('set' as const), at: p, bytes: fc.oneof(edge, fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 })) }),
    fc.record({ kind: fc.constant('truncate' as const), at: p }),
    fc.record({ kind: fc.constant('delete' as const), at: p, n: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: p, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('splice' as const), at: p, from: fc.nat(), n: fc.integer({ min: 1, max: 4096 }) }),
  );
  return fc.array(one, { minLength: 1, maxLength: 3 });
}

/** Apply mutations to a copy of `base`; splices copy bytes from `donor`. */
export function mutate(base: Uint8Array, ms: Mutation[], donor: Uint8Array = base): Uint8Array {
  let b = base;
  let copied = false;
  const own = () => {
    if (!copied) b = b.slice();
    copied = true;
  };
  for (const m of ms) {
    const at = Math.min(m.at, b.length);
    if (m.kind === 'flip') {
      if (at >= b.length) continue;
      own();
      b[at] ^= m.bits;
    } else if (m.kind === 'set') {
      own();
      b.set(m.bytes.slice(0, b.length - at), at);
    } else if (m.kind === 'truncate') {
      b = b.subarray(0, at);
    } else if (m.kind === 'delete') {
      const out = new Uint8Array(b.length - Math.min(m.n, b.length - at));
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + m.n), at);
      [b, copied] = [out, true];
    } else if (m.kind === 'insert') {
      const out = new Uint8Array(b.length + m.bytes.length);
      out.set(b.subarray(0, at));
      out.set(m.bytes, at);
      out.set(b.subarray(at), at + m.bytes.length);
      [b, copied] = [out, true];
    } else {
      const from = m.from % Math.max(1, donor.length);
      const chunk = donor.subarray(from, from + m.n).slice();
      own();
      b.set(chunk.subarray(0, b.length - at), at);
    }
  }
  return b;
}
