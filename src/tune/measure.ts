/**
 * Times kernel variants for one convolution on the device: the convolution is re-planned into a
 * scratch arena (random input, weights, residual) with each candidate kernel, run a few times with
 * timestamp queries where the adapter has them (wall-clock to onSubmittedWorkDone otherwise), and
 * its output compared with the first candidate's (the generic kernel): a variant that computes
 * something else on this adapter is dropped, never chosen.
 */
import type { ConvVariant } from '../ops/conv-variants.js';
import { planConv } from '../ops/conv.js';
import type { Dispatch } from '../ops/types.js';
import type { PipelineCache } from '../gpu/pipelines.js';
import { packUniforms } from '../gpu/shader.js';
import { GIVE_UP_RATIO, type ConvCase, type Outcome } from './choose.js';

const REPS = 3;
/** A reference candidate this slow on its first run is not repeated: it is there to check the others. */
const SLOW_MS = 50;
/** Relative agreement with the reference kernel (fp32 sums in another order differ by ~1e-6). */
const AGREE = 1e-3;

const noise = (n: number, seed: number) => {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
};

interface Scratch { arena: GPUBuffer; weights: GPUBuffer; read: GPUBuffer; outOffset: number; outLength: number }

/** Scratch buffers laid out for `c`: [input][output][residual] and [packed weights (up to 16-padded Cout)][bias]. */
function scratch(device: GPUDevice, c: ConvCase): Scratch & { params: (v: ConvVariant) => Dispatch } {
  const u = c.dispatch.uniforms as Record<string, number>;
  const inLen = u.in_c * u.in_h * u.in_w;
  const outLen = u.out_c * u.out_h * u.out_w;
  const flag = (k: string) => (c.dispatch.constants[k] ?? (c.dispatch.uniforms as Record<string, number>)[k.toLowerCase()]) === 1;
  const res = flag('RES');
  const align = (n: number) => Math.ceil(n / 64) * 64;
  const outOffset = align(inLen);
  const resOffset = align(outOffset + outLen);
  const arenaLen = resOffset + (res ? outLen : 0);
  const wLen = align(u.in_c * c.k * c.k * Math.ceil(u.out_c / 16) * 16);
  const S = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const arena = device.createBuffer({ label: 'tune arena', size: arenaLen * 4, usage: S });
  const weights = device.createBuffer({ label: 'tune weights', size: (wLen + align(u.out_c)) * 4, usage: S });
  device.queue.writeBuffer(arena, 0, noise(arenaLen, 1));
  device.queue.writeBuffer(weights, 0, noise(wLen + align(u.out_c), 2).map((x) => x * 0.1));
  const read = device.createBuffer({ label: 'tune read', size: outLen * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const params = (v: ConvVariant) => planConv({
    label: `tune ${c.dispatch.label}`, input: { offset: 0, c: u.in_c, h: u.in_h, w: u.in_w }, output: { offset: outOffset, c: u.out_c, h: u.out_h, w: u.out_w },
    k: c.k, stride: c.stride, groups: 1, act: flag('ACT'), weightOffset: 0, biasOffset: wLen,
    residual: res ? { offset: resOffset, c: u.out_c, h: u.out_h, w: u.out_w } : undefined,
  }, v);
  return { arena, weights, read, outOffset, outLength: outLen, params };
}

/** Best GPU (or wall-clock) milliseconds of `reps` runs; stops early when the first run already loses (or, for the first candidate, takes over SLOW_MS). */
async function time(device: GPUDevice, encode: (pass: GPUComputePassEncoder) => void, reps: number, bestSoFar: number): Promise<number> {
  const ts = device.features.has('timestamp-query');
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const enc = device.createCommandEncoder({ label: 'tune' });
    let qs: GPUQuerySet | undefined;
    let resolve: GPUBuffer | undefined;
    let read: GPUBuffer | undefined;
    if (ts) {
      qs = device.createQuerySet({ type: 'timestamp', count: 2 });
      resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    const pass = enc.beginComputePass(qs ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
    encode(pass);
    pass.end();
    if (qs && resolve && read) {
      enc.resolveQuerySet(qs, 0, 2, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, 16);
    }
    const t0 = performance.now();
    device.queue.submit([enc.finish()]);
    let ms: number;
    if (read) {
      await read.mapAsync(GPUMapMode.READ);
      const t = new BigInt64Array(read.getMappedRange().slice(0));
      read.unmap();
      ms = Number(t[1] - t[0]) / 1e6;
      // Some adapters quantise or zero timestamps: fall back to the wall clock for this run.
      if (!(ms > 0)) ms = performance.now() - t0;
    } else {
      await device.queue.onSubmittedWorkDone();
      ms = performance.now() - t0;
    }
    qs?.destroy();
    resolve?.destroy();
    read?.destroy();
    best = Math.min(best, ms);
    if (r === 0 && (ms > GIVE_UP_RATIO * bestSoFar || (bestSoFar === Infinity && ms > SLOW_MS))) break;
  }
  return best;
}

async function readOutput(device: GPUDevice, s: Scratch): Promise<Float32Array> {
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(s.arena, s.outOffset * 4, s.read, 0, s.outLength * 4);
  device.queue.submit([enc.finish()]);
  await s.read.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(s.read.getMappedRange().slice(0));
  s.read.unmap();
  return out;
}

/** Time each candidate on convolution `c`; the first candidate is the reference every other must agree with. */
export async function measureCandidates(device: GPUDevice, cache: PipelineCache, c: ConvCase, cands: readonly ConvVariant[], log?: (m: string) => void): Promise<Record<string, Outcome>> {
  const s = scratch(device, c);
  const out: Record<string, Outcome> = {};
  let ref: Float32Array | undefined;
  let best = Infinity;
  try {
    for (const v of cands) {
      try {
        const d = s.params(v);
        device.pushErrorScope('validation');
        const { pipeline, layout, info } = await cache.get(d.shader, d.constants);
        const ubuf = device.createBuffer({ size: info.uniform!.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(ubuf, 0, packUniforms(info, d.uniforms));
        const entries = info.bindings.map((b) => ({ binding: b.binding, resource: { buffer: b.kind === 'uniform' ? ubuf : b.name === 'weights' ? s.weights : s.arena } }));
        const group = device.createBindGroup({ layout, entries });
        const err = await device.popErrorScope();
        if (err) throw new Error(err.message);
        const ms = await time(device, (pass) => {
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, group);
          pass.dispatchWorkgroups(...d.workgroups);
        }, REPS, best);
        ubuf.destroy();
        const y = await readOutput(device, s);
        if (!ref) ref = y;
        else {
          let maxRef = 0;
          let maxDiff = 0;
          for (let i = 0; i < y.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            const dlt = Math.abs(y[i] - ref[i]);
            maxDiff = Number.isNaN(dlt) ? Infinity : Math.max(maxDiff, dlt);
          }
          if (maxDiff > AGREE * Math.max(1, maxRef)) throw new Error(`disagrees with ${cands[0].id}: max|Δ| ${maxDiff.toExponential(2)}`);
        }
        out[v.id] = { ms };
        best = Math.min(best, ms);
        log?.(`${c.cls} (${c.dispatch.label}): ${v.id} ${ms.toFixed(2)} ms`);
      } catch (e) {
        out[v.id] = { failed: (e as Error).message.split('\n')[0] };
        log?.(`${c.cls} (${c.dispatch.label}): ${v.id} failed: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  } finally {
    s.arena.destroy();
    s.weights.destroy();
    s.read.destroy();
  }
  return out;
}
