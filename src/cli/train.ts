/**
 * `yolo11-webgpu train <weights.y11w> <data.yaml> -o tuned.y11w`: fine-tune on a dataset's train split,
 * validate on its val split after each epoch (mAP50, mAP50-95, P/R as `eval` scores them), keep the
 * best epoch in the output file and the whole state in a checkpoint that `--resume` continues. The
 * output is an ordinary weight file whose manifest says what it was fine-tuned from, on what, and how.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { UsageError, parseCli, type Command } from './main.js';
import { isRealGPU, probeDawn } from './backend.js';
import { readInput, readWeightsArg } from './io.js';
import { decodeImageFile } from '../image/decode-node.js';
import { loadDataset } from '../eval/dataset.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { chromiumPath } from '../node/chromium-backend.js';
import { chromiumTrain, type RemoteRun, type TrainHooks } from '../node/chromium-trainer.js';
import type { EpochResult, FeatureStore, TrainProgress } from '../train/trainer.js';
import { checkOptim, defaultOptim } from '../train/optim.js';

const OPTIONS = {
  epochs: { type: 'string', default: '10' }, imgsz: { type: 'string' }, batch: { type: 'string', default: '16' },
  train: { type: 'string', default: 'head' }, lr: { type: 'string' }, optimizer: { type: 'string', default: 'adamw' },
  nc: { type: 'string' }, names: { type: 'string' }, 'reinit-cls': { type: 'boolean', default: false },
  augment: { type: 'string', default: 'flip' }, 'no-cache': { type: 'boolean', default: false }, 'cos-lr': { type: 'boolean', default: false },
  lrf: { type: 'string' }, momentum: { type: 'string' }, 'weight-decay': { type: 'string' }, 'warmup-epochs': { type: 'string' },
  'warmup-bias-lr': { type: 'string' }, nbs: { type: 'string' }, 'no-ema': { type: 'boolean', default: false }, seed: { type: 'string', default: '0' },
  'train-split': { type: 'string', default: 'train' }, 'val-split': { type: 'string', default: 'val' },
  output: { type: 'string', short: 'o' }, checkpoint: { type: 'string' }, resume: { type: 'string' }, backend: { type: 'string', default: 'auto' },
  'log-json': { type: 'string' }, 'cache-dir': { type: 'string' },
} as const;

/** Frozen features as files named by the SHA-1 of their key (model, scope, input size, image, orientation). */
function fileStore(dir: string): FeatureStore {
  const path = (k: string) => join(dir, `${createHash('sha1').update(k).digest('hex')}.f32`);
  return {
    get: async (k) => {
      try {
        const b = await readFile(path(k));
        return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      } catch {
        return undefined;
      }
    },
    put: async (k, f) => {
      await mkdir(dir, { recursive: true });
      await atomicWrite(path(k), new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
    },
  };
}

const num = (k: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${k} ${v} is not a number`);
  return n;
};

const clock = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`);

function progressLine(p: TrainProgress) {
  const bar = '█'.repeat(Math.round((p.batch / p.batches) * 24)).padEnd(24, '░');
  const [box, cls, dfl] = p.loss.map((v) => v.toFixed(3));
  return `  epoch ${p.epoch + 1}/${p.epochs} ${bar} ${p.batch}/${p.batches}  box ${box} cls ${cls} dfl ${dfl}  ${p.imagesPerSecond.toFixed(2)} img/s  ETA ${clock(p.etaSeconds)}`;
}

const f3 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '  –  ' : v.toFixed(3));

async function atomicWrite(path: string, data: Uint8Array) {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

export const command: Command = {
  summary: 'fine-tune a model on an Ultralytics-layout dataset on the GPU (head or neck+head), validating each epoch',
  usage: 'yolo11-webgpu train <weights.y11w> <data.yaml> -o <tuned.y11w> [--epochs 10] [--imgsz 640] [--batch 16] [--train head|neck+head] [--optimizer adamw|sgd] [--lr 0.001] [--lrf 0.01] [--cos-lr] [--momentum 0.937] [--weight-decay 0.0005] [--warmup-epochs 3] [--warmup-bias-lr] [--nbs 64] [--no-ema] [--nc N] [--names a,b,…] [--reinit-cls] [--augment flip|none|full|mosaic] [--no-cache] [--seed 0] [--train-split train] [--val-split val] [--checkpoint <out>.ckpt] [--resume <ckpt>] [--log-json file] [--cache-dir dir] [--backend auto|dawn|chromium]   (--resume alone continues a run with the settings stored in its checkpoint)',
  async run(argv, { verbose }) {
    let { values, positionals } = parseCli(argv, OPTIONS);
    let resume: Uint8Array | undefined;
    if (values.resume) {
      resume = await readInput(values.resume);
      const saved = (await readCheckpoint(resume)).manifest.config.tag as { argv?: string[] } | undefined;
      if (!saved?.argv) throw new UsageError(`--resume ${values.resume}: not a checkpoint written by the train command`);
      ({ values, positionals } = parseCli(saved.argv, OPTIONS));
      values = { ...values, resume: undefined, backend: parseCli(argv, OPTIONS).values.backend };
    }
    const cliArgv = resume ? (((await readCheckpoint(resume)).manifest.config.tag as { argv: string[] }).argv) : argv;
    const yamlPath = positionals.find((p) => /\.ya?ml$/i.test(p));
    const weightsPath = positionals.find((p) => p !== yamlPath);
    if (!yamlPath || !weightsPath || positionals.length !== 2) throw new UsageError('expected <weights.y11w> <data.yaml>');
    if (!values.output) throw new UsageError('-o <tuned.y11w> is required');
    const output = resolve(values.output);
    const ckptPath = resolve(values.checkpoint ?? `${values.output}.ckpt`);
    const train = loadDataset(yamlPath, values['train-split']!);
    const val = values['val-split'] === 'none' ? undefined : loadDataset(yamlPath, values['val-split']!);
    for (const s of [...train.skipped, ...(val?.skipped ?? [])]) process.stderr.write(`skipped ${s.file}: ${s.why}\n`);
    const nc = num('nc', values.nc);
    const names = values.names ? values.names.split(',') : nc !== undefined ? Array.from({ length: nc }, (_, i) => train.names[i] ?? `class${i}`) : train.names;
    if (nc !== undefined && names.length !== nc) throw new UsageError(`--nc ${nc} but ${names.length} --names`);
    const bad = train.images.find((i) => i.boxes.some((b) => b.cls >= names.length));
    if (bad) throw new UsageError(`${bad.label}: class ${Math.max(...bad.boxes.map((b) => b.cls))} but only ${names.length} classes (--nc/--names)`);
    if (!['head', 'neck+head'].includes(values.train!)) throw new UsageError(`--train ${values.train}: expected head or neck+head`);
    if (!['adamw', 'sgd'].includes(values.optimizer!)) throw new UsageError(`--optimizer ${values.optimizer}: expected adamw or sgd`);
    if (!['none', 'flip', 'full', 'mosaic'].includes(values.augment!)) throw new UsageError(`--augment ${values.augment}: expected none, flip, full or mosaic`);
    const optim = Object.fromEntries(Object.entries({
      lr0: num('lr', values.lr), lrf: num('lrf', values.lrf), momentum: num('momentum', values.momentum), weightDecay: num('weight-decay', values['weight-decay']),
      warmupEpochs: num('warmup-epochs', values['warmup-epochs']), warmupBiasLr: num('warmup-bias-lr', values['warmup-bias-lr']), nbs: num('nbs', values.nbs),
      cosLr: values['cos-lr'] || undefined, ema: values['no-ema'] ? false : undefined,
    }).filter(([, v]) => v !== undefined));
    const epochs = num('epochs', values.epochs)!;
    // Settings the GPU cannot use fail here, before a browser or a device is started.
    checkOptim({ ...defaultOptim(values.optimizer as 'adamw' | 'sgd'), ...optim }, num('batch', values.batch)!);
    const weights = await readWeightsArg(weightsPath);
    const run: RemoteRun = {
      trainer: {
        scope: values.train as 'head' | 'neck+head', imgsz: num('imgsz', values.imgsz), batch: num('batch', values.batch), optimizer: values.optimizer as 'adamw' | 'sgd',
        optim, names, reinitCls: values['reinit-cls'], augment: values.augment as 'flip', cache: !values['no-cache'], seed: num('seed', values.seed),
        tag: { argv: cliArgv },
      },
      train: { length: train.images.length, names: train.images.map((i) => i.image) },
      val: val && { length: val.images.length, names: val.images.map((i) => i.image) },
      epochs,
      training: { data: { yaml: resolve(yamlPath), train: { split: values['train-split'], images: train.images.length }, val: val && { split: values['val-split'], images: val.images.length } }, command: `yolo11-webgpu train ${cliArgv.join(' ')}` },
    };
    const load = async (split: 'train' | 'val', i: number) => {
      const item = (split === 'train' ? train : val!).images[i];
      return { image: await decodeImageFile(item.image), boxes: item.boxes };
    };
    const log: unknown[] = [];
    let lastLine = 0;
    const hooks: TrainHooks = {
      info: (info) => process.stderr.write(`train: ${JSON.stringify(info)}\n`),
      progress: (p) => {
        const line = progressLine(p);
        if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
        else if (p.batch === p.batches || performance.now() - lastLine > 60_000) (process.stderr.write(`${line}\n`), (lastLine = performance.now()));
      },
      epoch: async (e: EpochResult, ckpt, w) => {
        if (process.stderr.isTTY) process.stderr.write('\n');
        await atomicWrite(ckptPath, ckpt);
        await atomicWrite(output, w);
        const v = e.val;
        process.stdout.write(`epoch ${e.epoch + 1}/${epochs}: loss box ${e.loss[0].toFixed(3)} cls ${e.loss[1].toFixed(3)} dfl ${e.loss[2].toFixed(3)} · val P ${f3(v?.precision)} R ${f3(v?.recall)} mAP50 ${f3(v?.map50)} mAP50-95 ${f3(v?.map50_95)}${e.best ? ' (best)' : ''} · train ${clock(e.trainSeconds)} (${e.imagesPerSecond.toFixed(2)} img/s, loss on the CPU ${e.lossMs.toFixed(1)} ms/img), val ${clock(e.valSeconds)}\n`);
        log.push(e);
        if (values['log-json']) await writeFile(values['log-json'], `${JSON.stringify(log, null, 1)}\n`);
      },
    };
    const store = values['cache-dir'] ? fileStore(resolve(values['cache-dir'])) : undefined;
    run.featureStore = !!store;
    const backend = values.backend!;
    if (!['auto', 'dawn', 'chromium'].includes(backend)) throw new UsageError(`--backend ${backend}: expected auto, dawn or chromium`);
    const probe = backend === 'chromium' ? undefined : await probeDawn();
    const useChromium = backend === 'chromium' || (backend === 'auto' && existsSync(chromiumPath()) && !isRealGPU(probe?.adapter));
    process.stderr.write(`train: ${train.images.length} train images, ${val?.images.length ?? 0} val images, backend ${useChromium ? 'chromium (headless)' : 'dawn'}; checkpoint ${ckptPath}\n`);
    let result: { skipped?: [string, string][] } | undefined;
    if (useChromium) {
      result = (await chromiumTrain(weights, run, load, hooks, resume, { verbose, store })) as typeof result;
    } else {
      const { createTrainer } = await import('../train/trainer.js');
      const t = await createTrainer({ ...run.trainer, model: weights, featureStore: store });
      hooks.info(t.info as unknown as Record<string, unknown>);
      const src = (split: 'train' | 'val', s: { length: number; names: string[] }) => ({ length: s.length, name: (i: number) => s.names[i], get: (i: number) => load(split, i) });
      try {
        result = await t.fit({
          train: src('train', run.train), val: run.val && src('val', run.val), epochs, resume, onProgress: hooks.progress,
          onEpoch: async (e, tr) => hooks.epoch(e, await tr.checkpoint(), await tr.weights('best', run.training)),
        });
      } finally {
        t.destroy();
      }
    }
    for (const [name, why] of result?.skipped ?? []) process.stderr.write(`skipped ${name}: ${why}\n`);
    const best = log.length ? (log as EpochResult[]).reduce((b, e) => (e.best ? e : b)) : undefined;
    if (best) process.stdout.write(`best epoch ${best.epoch + 1}: val mAP50 ${f3(best.val?.map50)} mAP50-95 ${f3(best.val?.map50_95)} → ${output}\n`);
  },
};
