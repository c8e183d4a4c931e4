/**
 * Times kernel variants for one convolution on the device: the convolution is re-planned into a
 * scratch arena (random input, weights, residual) with each candidate kernel. Each candidate first
 * runs on a small plane with the same channels and is compared with the generic kernel's output: a
 * variant that computes something else on this adapter is dropped, never chosen. The rest are timed
 * on the real shape, with timestamp queries where the adapter has them (wall-clock to
 * onSubmittedWorkDone otherwise).
 */
import { GENERIC, im2colRows, type ConvVariant } from '../ops/conv-variants.js';
import { planConvSteps } from '../ops/conv.js';
import { packWinogradWeights, winogradShapes, type WinogradTile } from '../ops/winograd.js';
import { coutPad, type Dispatch } from '../ops/types.js';
import type { PipelineCache } from '../gpu/pipelines.js';
import { packUniforms } from '../gpu/shader.js';
import { roundOf, withRun, type ConvCase, type Outcome } from './choose.js';

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

/**
 * Scratch buffers laid out for `c`, [input][output][residual][im2col scratch of `colsRows` rows, the
 * most a candidate needs][Winograd's two per output tile size `wino` the candidates use] and [packed
 * weights (Cout padded to 16)][Cout-padded zeros][bias][the same weights Winograd-transformed per tile
 * size], with the input plane cut to
 * `plane` (h, w) when given (the validation run: same channels, small plane).
 */
function scratch(device: GPUDevice, c: ConvCase, colsRows: number, plane?: [number, number], wino: readonly WinogradTile[] = []): Scratch & { params: (v: ConvVariant) => Dispatch[] } {
  const g = c.dispatch.conv;
  const [inH, inW] = plane ? [Math.min(plane[0], g.inH), Math.min(plane[1], g.inW)] : [g.inH, g.inW];
  const pad = Math.floor(g.k / 2);
  const [outH, outW] = [inH, inW].map((v) => Math.floor((v + 2 * pad - g.k) / g.stride) + 1);
  const inLen = g.cin * inH * inW;
  const outLen = g.cout * outH * outW;
  const align = (n: number) => Math.ceil(n / 64) * 64;
  const outOffset = align(inLen);
  const resOffset = align(outOffset + outLen);
  const colsOffset = align(resOffset + (g.res ? outLen : 0));
  const colsLen = colsRows * outH * outW;
  const wScratch = new Map<WinogradTile, ReturnType<typeof winogradShapes> & { vOffset: number; mOffset: number }>();
  let at = align(colsOffset + colsLen);
  for (const m of wino) {
    const s = winogradShapes(g.cin, g.cout, outH, outW, m);
    const vOffset = at;
    const mOffset = align(vOffset + s.v.c * s.tiles);
    at = align(mOffset + s.m.c * s.tiles);
    wScratch.set(m, { ...s, vOffset, mOffset });
  }
  const arenaLen = at;
  const mp = coutPad(g.cout);
  // After the packed weights, Cout-padded zeros (split-K variants' GEMM bias), then the bias.
  const wLen = align(g.cin * g.k * g.k * mp + mp);
  const S = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const arena = device.createBuffer({ label: 'tune arena', size: arenaLen * 4, usage: S });
  const packed = noise(wLen + align(g.cout), 2).map((x) => x * 0.1);
  packed.fill(0, g.cin * g.k * g.k * mp, wLen);
  // Winograd candidates: the same convolution's weights (unpacked to OIHW), transformed for each tile.
  const uOffsets = new Map<WinogradTile, number>();
  const transformed: Float32Array[] = [];
  let wEnd = packed.length;
  if (wino.length) {
    const K = g.cin * 9;
    const oihw = new Float32Array(g.cout * K);
    for (let m = 0; m < g.cout; m++) for (let k = 0; k < K; k++) oihw[m * K + k] = packed[k * mp + m];
    for (const m of wino) {
      const u = packWinogradWeights(oihw, g.cin, g.cout, m);
      uOffsets.set(m, wEnd);
      transformed.push(u);
      wEnd = align(wEnd + u.length);
    }
  }
  const weights = device.createBuffer({ label: 'tune weights', size: wEnd * 4, usage: S });
  device.queue.writeBuffer(arena, 0, noise(arenaLen, 1));
  device.queue.writeBuffer(weights, 0, packed);
  wino.forEach((m, i) => device.queue.writeBuffer(weights, uOffsets.get(m)! * 4, transformed[i]));
  const read = device.createBuffer({ label: 'tune read', size: outLen * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const params = (v: ConvVariant) => planConvSteps({
    label: `tune ${c.dispatch.label}`, input: { offset: 0, c: g.cin, h: inH, w: inW }, output: { offset: outOffset, c: g.cout, h: outH, w: outW },
    k: g.k, stride: g.stride, groups: 1, act: g.act, weightOffset: 0, biasOffset: wLen,
    residual: g.res ? { offset: resOffset, c: g.cout, h: outH, w: outW } : undefined,
    cols: colsLen && v.im2col ? { offset: colsOffset, c: im2colRows(v, g.cin, g.cout), h: outH, w: outW } : undefined,
    wino: v.winograd && wScratch.has(v.winograd) ? (() => {
      const ws = wScratch.get(v.winograd)!;
      return { weightOffset: uOffsets.get(v.winograd)!, v: { offset: ws.vOffset, ...ws.v }, m: { offset: ws.mOffset, ...ws.m } };
    })() : undefined,
  }, v);
  return { arena, weights, read, outOffset, outLength: outLen, params };
}

/** GPU (or wall-clock) milliseconds of one run. */
async function time(device: GPUDevice, encode: (pass: GPUComputePassEncoder) => void): Promise<number> {
  const ts = device.features.has('timestamp-query');
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
  return ms;
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

/** One candidate on scratch `s` (all its dispatches in one pass), run once: its time if `timed`, else its output. */
async function runCandidate(device: GPUDevice, cache: PipelineCache, s: ReturnType<typeof scratch>, v: ConvVariant, timed: boolean) {
  const ds = s.params(v);
  const ubufs: GPUBuffer[] = [];
  try {
    device.pushErrorScope('validation');
    const made = Promise.all(ds.map(async (d) => {
      const { pipeline, layout, info } = await cache.get(d.shader, d.constants);
      const ubuf = device.createBuffer({ size: info.uniform!.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      ubufs.push(ubuf);
      device.queue.writeBuffer(ubuf, 0, packUniforms(info, d.uniforms));
      const entries = info.bindings.map((b) => ({ binding: b.binding, resource: { buffer: b.kind === 'uniform' ? ubuf : b.name === 'weights' ? s.weights : s.arena } }));
      return { pipeline, group: device.createBindGroup({ layout, entries }), workgroups: d.workgroups };
    }));
    const steps = await made.finally(async () => {
      const err = await device.popErrorScope();
      if (err) throw new Error(err.message);
    });
    const ms = await time(device, (pass) => {
      for (const st of steps) {
        pass.setPipeline(st.pipeline);
        pass.setBindGroup(0, st.group);
        pass.dispatchWorkgroups(...st.workgroups);
      }
    });
    return { ms, y: timed ? undefined : await readOutput(device, s) };
  } finally {
    for (const b of ubufs) b.destroy();
  }
}

/** The input plane of the validation run: small, odd-sized, so edges, tails and padding are all exercised. */
const CHECK_PLANE: [number, number] = [23, 29];

/**
 * For convolution `c`: run `reference` and every candidate once on a small plane (same channels) and
 * drop any that disagrees with the reference; then time the rest on `c`'s real shape.
 */
export async function measureCandidates(device: GPUDevice, cache: PipelineCache, c: ConvCase, cands: readonly ConvVariant[], log?: (m: string) => void, reference: ConvVariant = GENERIC): Promise<Record<string, Outcome>> {
  const out: Record<string, Outcome> = {};
  const say = (v: ConvVariant, what: string) => log?.(`${c.shape} (${c.dispatch.label}): ${v.id} ${what}`);
  const colsRows = Math.max(0, ...cands.map((v) => (v.im2col ? im2colRows(v, c.dispatch.conv.cin, c.dispatch.conv.cout) : 0)));
  // The Winograd tile sizes among the candidates (each a scratch and a weight transform of its own).
  const wino = c.dispatch.conv.k === 3 && c.dispatch.conv.stride === 1 ? [...new Set(cands.flatMap((v) => (v.winograd ? [v.winograd] : [])))] : [];
  const small = scratch(device, c, colsRows, CHECK_PLANE, wino);
  const agreeing: ConvVariant[] = [];
  try {
    const { y: ref } = await runCandidate(device, cache, small, reference, false);
    for (const v of cands) {
      try {
        const { y } = await runCandidate(device, cache, small, v, false);
        let maxRef = 0;
        let maxDiff = 0;
        for (let i = 0; i < y!.length; i++) {
          maxRef = Math.max(maxRef, Math.abs(ref![i]));
          const dlt = Math.abs(y![i] - ref![i]);
          maxDiff = Number.isNaN(dlt) ? Infinity : Math.max(maxDiff, dlt);
        }
        if (maxDiff > AGREE * Math.max(1, maxRef)) throw new Error(`disagrees with ${reference.id}: max|Δ| ${maxDiff.toExponential(2)}`);
        agreeing.push(v);
      } catch (e) {
        out[v.id] = { failed: (e as Error).message.split('\n')[0] };
        say(v, `failed: ${out[v.id] && 'failed' in out[v.id] ? (out[v.id] as { failed: string }).failed : ''}`);
      }
    }
  } finally {
    small.arena.destroy();
    small.weights.destroy();
    small.read.destroy();
  }
  const full = scratch(device, c, colsRows, undefined, wino);
  try {
    // Rounds over the candidates, one run each per round, so that a slow moment of a shared machine
    // falls on every candidate alike rather than on whichever was being timed (`roundOf`: who runs in
    // each, the close ones a few more times).
    const byId = new Map(agreeing.map((v) => [v.id, v]));
    for (let round = 0; ; round++) {
      const ids = roundOf([...byId.keys()], out, round);
      if (!ids.length) break;
      for (const id of ids) {
        const v = byId.get(id)!;
        try {
          const { ms } = await runCandidate(device, cache, full, v, true);
          out[v.id] = withRun(out[v.id], ms);
          say(v, `${ms.toFixed(2)} ms (round ${round + 1})`);
        } catch (e) {
          out[v.id] = { failed: (e as Error).message.split('\n')[0] };
          say(v, `failed: ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
  } finally {
    full.arena.destroy();
    full.weights.destroy();
    full.read.destroy();
  }
  return out;
}
