/**
 * `npm run bench:node -- [--model m.onnx|m.tflite|m.y11w] [--imgsz 640|H,W] [--runs 5] [--peers ort-webgpu,ort-cpu]
 *                        [--json out.json] [--image img.jpg] [--inflight 4] [--timeout 1200] [--skip-ceiling] [--no-tune]`
 * The benchmark in Node, on Dawn (the `webgpu` package), for machines without a browser (a GPU
 * server): the GEMM ceiling, ours, and onnxruntime-node's own WebGPU (NCHW, NHWC) and CPU execution
 * providers as peers, each step in a child process of its own (bench/node/job.ts) with its own time
 * limit; a failed step is a row saying why and the run goes on. Same model, same letterboxed input,
 * the same report as `npm run bench` (bench/report.ts), parity of output0 against ORT's CPU EP.
 * tools/device/ packs it (bench/node/vite.config.ts bundles it) for a machine with no npm.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImageFile } from '../../src/image/decode-node.js';
import { SWIFTSHADER_ICDS } from '../../src/gpu/device.js';
import { letterbox } from '../../src/image/letterbox.js';
import { editGraph } from '../../src/reference/ort-graph.js';
import { convert, type Converted } from '../page/prepare.js';
import { parity } from '../page/benchmark.js';
import { markdown, type BenchResult, type OursResult, type PeerResult } from '../report.js';
import type { GemmResult } from '../gemm.js';
import { host } from '../host.js';
import { benchOptions, checkFiles, size } from '../args.js';
import type { NodeJob } from './job.js';

export const NODE_PEERS = ['ort-webgpu', 'ort-cpu'] as const;
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const failed = (e: unknown) => `failed: ${String((e as Error)?.message ?? e).split('\n')[0]}`;

const usage = () => `npm run bench:node -- [--model m.onnx|m.tflite|m.y11w] [--imgsz 640|H,W] [--runs 5] [--peers ${NODE_PEERS.join(',')}]
                      [--json out.json] [--image img.jpg] [--inflight 4] [--timeout 1200] [--skip-ceiling] [--no-tune]
Node on Dawn (the webgpu package); peers: onnxruntime-node's WebGPU and CPU execution providers (ONNX models).
`;

/**
 * Run one job in a child process: `self` is the command that starts this program again (the launcher
 * and its mode), `--job` makes it serve one job. The child is killed when the step's time is up.
 */
export function runChild<T>(self: string[], job: NodeJob, arg: unknown, timeoutS: number, onLog: (line: string) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(self[0], [...self.slice(1), '--job'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(new Error(`timed out after ${timeoutS} s`)));
    }, timeoutS * 1000);
    child.on('message', (m: { type: 'log'; text: string } | { type: 'done'; value: T } | { type: 'failed'; name: string; message: string }) => {
      if (m.type === 'log') onLog(m.text);
      else if (m.type === 'done') settle(() => resolve(m.value));
      else settle(() => reject(Object.assign(new Error(m.message), { name: m.name })));
    });
    child.on('error', (e) => settle(() => reject(e)));
    child.on('exit', (code, signal) => {
      // The error's own line (an uncaught exception), else the last line the process wrote.
      const lines = stderr.trim().split('\n').filter((l) => l.trim() && !/XDG_RUNTIME_DIR/.test(l));
      const why = lines.find((l) => /^\w*(Error|Exception)\b/.test(l)) ?? lines[lines.length - 1];
      settle(() => reject(new Error(`the step's process ended (${signal ?? `exit ${code}`}) without a result${why ? `: ${why}` : ''}`)));
    });
    child.send({ job, arg });
  });
}

/** The webgpu package's version (Dawn's npm build), for the report's runtime line. */
function dawnVersion(): string {
  try {
    const req = createRequire(import.meta.url);
    return JSON.parse(readFileSync(req.resolve('webgpu/package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export async function nodeMain(argv: string[], self: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return 0;
  }
  const { values } = parseArgs({ args: argv, options: benchOptions(NODE_PEERS.join(',')) });
  const imgsz = size(values.imgsz!);
  const runs = Number(values.runs);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: a positive integer`);
  const peers = values.peers ? values.peers.split(',').filter(Boolean) : [];
  const step = async <T>(name: string, job: NodeJob, arg: unknown): Promise<T> => {
    log(`${name}: started`);
    const t = performance.now();
    try {
      return await runChild<T>(self, job, arg, timeout, (line) => log(`${name}: ${line}`));
    } catch (e) {
      log(`${name}: ${failed(e)}`);
      throw e;
    } finally {
      log(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  };

  await checkFiles(values);
  log(`model ${values.model}: converting`);
  const bytes = new Uint8Array(readFileSync(values.model!));
  const model: Converted = await convert({ bytes, name: basename(values.model!) });
  log(model.summary);
  const image = new Uint8Array(readFileSync(values.image!));
  const rgba = await decodeImageFile(image, values.image!);
  const input = letterbox(rgba, imgsz, model.task === 'classify' ? 'center-crop' : 'letterbox').tensor;
  const onnx = model.kind === 'onnx' ? editGraph(bytes, imgsz, { expose: false }).bytes : undefined;

  const r: BenchResult = { date: new Date().toISOString(), model: values.model!, imgsz, runs, browser: `Node ${process.version}, Dawn (webgpu ${dawnVersion()})`, ours: undefined, peers: {}, host: host() };
  // Without an adapter, ours and ORT's WebGPU EP are rows saying why; ORT's CPU EP still runs.
  const env = await step<NonNullable<BenchResult['env']>>('adapter', 'env', null).catch(failed);
  let o: { result: OursResult; output0: Float32Array } | string = env as string;
  if (typeof env === 'object') {
    r.env = env;
    log(`adapter ${JSON.stringify(env.adapter)}; features ${env.features.join(', ')}`);
    // Where Dawn fell back to SwiftShader (src/gpu/device.ts), ORT's Dawn is pointed at it too: the same adapter for every runtime.
    const icd = SWIFTSHADER_ICDS.find((p) => existsSync(p));
    if (env.adapter.architecture === 'swiftshader' && icd && !process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) process.env.VK_ICD_FILENAMES = icd;
    if (!values['skip-ceiling']) r.gemm = await step<GemmResult>('GEMM ceiling', 'gemm', 2).catch(failed);
    o = await step<{ result: OursResult; output0: Float32Array }>('ours', 'ours', {
      weights: model.weights, input, image, size: imgsz, runs, inflight: Number(values.inflight), tune: !values['no-tune'],
    }).catch(failed);
  }
  const outputs = new Map<string, Float32Array>();
  for (const peer of peers) {
    const vs: [string, Record<string, unknown>][] = peer === 'ort-cpu' ? [['ort-cpu', { ep: 'cpu' }]]
      : peer === 'ort-webgpu' ? [['ort-webgpu NCHW', { ep: 'webgpu', layout: 'NCHW' }], ['ort-webgpu NHWC', { ep: 'webgpu', layout: 'NHWC' }]] : [];
    if (!vs.length) r.peers[peer] = `failed: unknown peer (known here: ${NODE_PEERS.join(', ')})`;
    else if (!onnx) r.peers[peer] = 'failed: needs an ONNX model (--model *.onnx)';
    else for (const [name, arg] of vs) {
      if (arg.ep === 'webgpu' && typeof env === 'string') {
        r.peers[name] = env;
        continue;
      }
      const p = await step<{ result: PeerResult; output0: Float32Array }>(name, 'ort', { ...arg, model: onnx, input, size: imgsz, runs }).catch(failed);
      if (typeof p === 'string') r.peers[name] = p;
      else {
        r.peers[name] = p.result;
        outputs.set(name, p.output0);
      }
    }
  }
  if (typeof o === 'string') r.ours = o;
  else {
    r.ours = o.result;
    const ref = ['ort-cpu', ...outputs.keys()].find((k) => outputs.has(k));
    if (model.task !== 'detect') r.ours.parity = `no reference here for a ${model.task} model`;
    else if (ref) {
      r.ours.parity = parity(o.output0, outputs.get(ref)!);
      r.ours.parityReference = `ONNX Runtime for Node (${ref}, same input)`;
    } else r.ours.parity = 'no reference (run an ORT peer on an ONNX model)';
  }
  process.stdout.write(markdown(r));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(r, null, 2)}\n`);
  return 0;
}
