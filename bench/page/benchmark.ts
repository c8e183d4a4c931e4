/**
 * One benchmark run in the page: the steps in order (prepare the input, the GEMM ceiling, ours, then
 * each peer variant), each in a fresh Worker with its own time limit (bench/page/isolate.ts); a step
 * that fails or times out becomes a row saying why and the run goes on. Ours is compared with the
 * output of a peer run on the same input (ort-wasm preferred, then LiteRT.js WebGPU). The result is
 * the JSON `npm run bench` writes (bench/report.ts BenchResult).
 */
import type { GemmResult } from '../gemm.js';
import type { BenchResult, OursResult, PeerResult } from '../report.js';
import { runIsolated } from './isolate.js';
import type { Converted, Prepared } from './prepare.js';
import type { Probe } from './environment.js';

export const PEERS = ['ort-webgpu', 'ort-wasm', 'litert-wasm', 'litert-webgpu'] as const;

export interface Setup {
  model: { name: string; bytes: Uint8Array; converted: Converted };
  image: Uint8Array;
  size: [number, number];
  runs: number;
  inflight: number;
  /** Seconds per step. */
  timeout: number;
  ceiling: boolean;
  /** Tune ours's conv kernels first (off: the adapter's default choice, as an untuned createDetector gets). */
  tune?: boolean;
  ours: boolean;
  /** Peer names as the CLI's --peers takes them; unknown names become failed rows. */
  peers: string[];
  /** Where LiteRT.js's wasm files are served (the build's litert/ folder). */
  litertDir: string;
}

export type StepState = 'waiting' | 'running' | 'done' | 'failed';
export interface Step { name: string; state: StepState; line: string; ms?: number }

interface Variant { name: string; job: 'ort' | 'litert'; arg: Record<string, unknown> }

const failed = (e: unknown) => `failed: ${String((e as Error)?.message ?? e).split('\n')[0]}`;

/** The peer variants to run, or the reason a peer cannot run (a failed row). */
export function variants(s: Setup, gpu: boolean): (Variant | { name: string; reason: string })[] {
  const out: (Variant | { name: string; reason: string })[] = [];
  const tflite = s.model.converted.kind === 'tflite';
  const onnx = s.model.converted.kind === 'onnx';
  for (const peer of s.peers) {
    if (peer === 'ort-webgpu' || peer === 'ort-wasm') {
      if (!onnx) out.push({ name: peer, reason: 'failed: needs an ONNX model (--model *.onnx)' });
      else if (peer === 'ort-wasm') out.push({ name: peer, job: 'ort', arg: { ep: 'wasm' } });
      else if (!gpu) out.push({ name: peer, reason: 'failed: no WebGPU adapter in this browser' });
      else for (const layout of ['NCHW', 'NHWC']) {
        out.push({ name: `${peer} ${layout}`, job: 'ort', arg: { ep: 'webgpu', layout, io: 'cpu' } });
        out.push({ name: `${peer} ${layout} IO on GPU`, job: 'ort', arg: { ep: 'webgpu', layout, io: 'gpu' } });
      }
    } else if (peer === 'litert-wasm' || peer === 'litert-webgpu') {
      if (!tflite) out.push({ name: peer, reason: 'failed: needs a TFLite model (--model *.tflite)' });
      else if (peer === 'litert-webgpu' && !gpu) out.push({ name: peer, reason: 'failed: no WebGPU adapter in this browser' });
      else out.push({ name: peer, job: 'litert', arg: { model: s.model.bytes, accelerator: peer.slice(7), exportSize: s.model.converted.imgsz, wasmDir: s.litertDir, task: s.model.converted.task } });
    } else out.push({ name: peer, reason: `failed: unknown peer (known: ${PEERS.join(', ')})` });
  }
  return out;
}

/** output0 against a reference: the largest difference, absolute and as a share of the reference's largest value. */
export function parity(ours: Float32Array, ref: Float32Array): OursResult['parity'] {
  if (ref.length !== ours.length) return `reference has ${ref.length} values, output0 ${ours.length}`;
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(ref[i] - ours[i]));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return { maxAbs, rel: maxAbs / maxRef };
}

/**
 * Run every step; `onSteps` is called whenever a step changes (the page's progress list), and each
 * step's progress lines are logged as `[bench] name: line` (what `npm run bench` relays to stderr).
 */
export async function runBenchmark(s: Setup, probe: Probe, onSteps: (steps: Step[]) => void): Promise<BenchResult> {
  const gpu = !!probe.env;
  const r: BenchResult = { date: new Date().toISOString(), model: s.model.name, imgsz: s.size, runs: s.runs, browser: probe.browser, env: probe.env, ours: undefined, peers: {} };
  const steps: Step[] = [{ name: 'prepare', state: 'waiting', line: 'letterbox the image; the ONNX graph at this size' }];
  if (s.ceiling) steps.push({ name: 'GEMM ceiling', state: 'waiting', line: 'plain matmuls of our own (bench/gemm-kernels.ts)' });
  if (s.ours) steps.push({ name: 'ours', state: 'waiting', line: 'tuning, cold start, warm runs, per-kernel profile' });
  const step = async <T>(name: string, job: Parameters<typeof runIsolated>[0], arg: unknown): Promise<T> => {
    const st = steps.find((x) => x.name === name)!;
    st.state = 'running';
    onSteps(steps);
    console.log(`[bench] ${name}: started`);
    const t = performance.now();
    try {
      const v = await runIsolated<T>(job, arg, s.timeout, (line) => {
        st.line = line;
        console.log(`[bench] ${name}: ${line}`);
        onSteps(steps);
      });
      st.state = 'done';
      st.line = 'done';
      return v;
    } catch (e) {
      st.state = 'failed';
      st.line = failed(e);
      console.log(`[bench] ${name}: ${st.line}`);
      throw e;
    } finally {
      st.ms = performance.now() - t;
      onSteps(steps);
    }
  };

  const vs = variants(s, gpu);
  for (const v of vs) steps.push({ name: v.name, state: 'reason' in v ? 'failed' : 'waiting', line: 'reason' in v ? v.reason : 'session, first run, warm runs' });
  let prepared: Prepared;
  try {
    prepared = await step<Prepared>('prepare', 'prepare', { model: s.model.bytes, kind: s.model.converted.kind, task: s.model.converted.task, image: s.image, size: s.size });
  } catch (e) {
    r.ours = `failed: prepare ${failed(e)}`;
    for (const v of vs) r.peers[v.name] = 'reason' in v ? v.reason : r.ours;
    return r;
  }

  if (s.ceiling) {
    if (!gpu) r.gemm = 'failed: no WebGPU adapter in this browser';
    else r.gemm = await step<GemmResult>('GEMM ceiling', 'gemm', 2).catch(failed);
  }
  let ours: Float32Array | undefined;
  if (s.ours) {
    if (!gpu) r.ours = 'failed: no WebGPU adapter in this browser';
    else {
      const o = await step<{ result: OursResult; output0: Float32Array }>('ours', 'ours', { weights: s.model.converted.weights, input: prepared.input, image: s.image, size: s.size, runs: s.runs, inflight: s.inflight, tune: s.tune }).catch(failed);
      if (typeof o === 'string') r.ours = o;
      else [r.ours, ours] = [o.result, o.output0];
    }
  }
  const outputs = new Map<string, Float32Array>();
  for (const v of vs) {
    if ('reason' in v) {
      r.peers[v.name] = v.reason;
      continue;
    }
    const p = await step<{ result: PeerResult; output0?: Float32Array }>(v.name, v.job, { ...v.arg, model: v.job === 'ort' ? prepared.onnx : v.arg.model, input: prepared.input, size: s.size, runs: s.runs }).catch(failed);
    if (typeof p === 'string') r.peers[v.name] = p;
    else {
      r.peers[v.name] = p.result;
      if (p.output0) outputs.set(v.name, p.output0);
    }
  }
  if (typeof r.ours === 'object') {
    // fp32 on the CPU where it ran: ORT's wasm EP; for a TFLite file, LiteRT.js (its WebGPU accelerator
    // runs hybrid and float files in float; its wasm path quantises a hybrid file's activations).
    const ref = ['ort-wasm', 'litert-webgpu'].find((k) => outputs.has(k)) ?? [...outputs.keys()][0];
    if (s.model.converted.task !== 'detect') r.ours.parity = `no reference here for a ${s.model.converted.task} model (its agreement with LiteRT.js: docs/TASKS.md)`;
    else if (ours && ref) {
      r.ours.parity = parity(ours, outputs.get(ref)!);
      r.ours.parityReference = `${ref.startsWith('litert') ? 'LiteRT.js' : 'ONNX Runtime Web'} (${ref}, same input)`;
    } else r.ours.parity = 'no reference (run an ORT peer on an ONNX model, or a LiteRT.js peer on a TFLite one)';
  }
  return r;
}
