/**
 * Fine-tuning inside headless Chromium from Node (`train --backend chromium`, what `auto` picks on
 * machines without a GPU driver: Dawn for Node aborts at random on SwiftShader over long runs, see
 * chromium-backend.ts). The page runs `createTrainer(...).fit(...)` from the built library; a loopback
 * HTTP server gives it the weights, the run's settings, each sample's pixels and labels (decoded
 * in Node), and takes back each epoch's checkpoint and weight file; progress comes through an
 * exposed function.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { distDir, launchChromium, serveDist } from './chromium-host.js';
import { Yolo11Error, TrainingDivergedError, InvalidArgumentError } from '../errors.js';
import type { RGBAImage } from '../draw/draw-boxes.js';
import type { YoloBox } from '../train/augment.js';
import type { CreateTrainerOptions, EpochResult, FeatureStore, TrainProgress } from '../train/trainer.js';

/** What the page needs besides the samples: trainer options (less model and device), the splits' sizes and names. */
export interface RemoteRun {
  trainer: Omit<CreateTrainerOptions, 'model' | 'device'>;
  train: { length: number; names: string[] };
  val?: { length: number; names: string[] };
  epochs: number;
  /** The `training` provenance stored in each weight file. */
  training: Record<string, unknown>;
  /** Keep frozen features in the Node side's `store` too. */
  featureStore?: boolean;
}

export interface TrainHooks {
  info(info: Record<string, unknown>): void;
  progress(p: TrainProgress): void;
  /** After each epoch: its result, the checkpoint and the best weights so far. */
  epoch(e: EpochResult, checkpoint: Uint8Array, weights: Uint8Array): Promise<void>;
}

export type SampleLoader = (split: 'train' | 'val', i: number) => Promise<{ image: RGBAImage; boxes: YoloBox[] }>;


const PAGE = `<!doctype html><script type="module">
  import { createTrainer } from '/dist/index.js';
  window.trainDone = (async () => {
    try {
      const run = await (await fetch('/run')).json();
      const source = (split, s) => ({ length: s.length, name: (i) => s.names[i], get: async (i) => {
        const r = await fetch('/sample/' + split + '/' + i);
        if (!r.ok) throw new Error(await r.text());
        const m = JSON.parse(decodeURIComponent(r.headers.get('x-meta')));
        return { image: { width: m.width, height: m.height, data: new Uint8Array(await r.arrayBuffer()) }, boxes: m.boxes };
      } });
      const featureStore = run.featureStore ? {
        get: async (k) => { const r = await fetch('/features/' + encodeURIComponent(k)); return r.status === 200 ? new Float32Array(await r.arrayBuffer()) : undefined; },
        put: async (k, f) => void await fetch('/features/' + encodeURIComponent(k), { method: 'POST', body: f }),
      } : undefined;
      const t = await createTrainer({ ...run.trainer, model: '/weights', featureStore });
      await window.report(JSON.stringify({ type: 'info', info: t.info }));
      const res = await fetch('/resume');
      const resume = res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : undefined;
      const r = await t.fit({ train: source('train', run.train), val: run.val ? source('val', run.val) : undefined, epochs: run.epochs, resume,
        onProgress: (p) => void window.report(JSON.stringify({ type: 'progress', p })),
        onEpoch: async (e, tr) => {
          await fetch('/upload/checkpoint', { method: 'POST', body: await tr.checkpoint() });
          await fetch('/upload/weights', { method: 'POST', body: await tr.weights('best', run.training) });
          await window.report(JSON.stringify({ type: 'epoch', e }));
        } });
      t.destroy();
      return JSON.stringify({ ok: r });
    } catch (e) {
      return JSON.stringify({ error: { name: e?.name ?? 'Error', message: e?.message ?? String(e) } });
    }
  })();
</script>`;

const body = (req: IncomingMessage) => new Promise<Uint8Array>((resolve, reject) => {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))));
  req.on('error', reject);
});

export async function chromiumTrain(weights: Uint8Array, run: RemoteRun, load: SampleLoader, hooks: TrainHooks, resume?: Uint8Array, { verbose = false, store }: { verbose?: boolean; store?: FeatureStore } = {}): Promise<unknown> {
  const dist = distDir();
  let pending: { checkpoint?: Uint8Array; weights?: Uint8Array } = {};
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      if (url.pathname === '/weights') return void res.writeHead(200).end(weights);
      if (url.pathname === '/run') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(run));
      if (url.pathname === '/resume') return void (resume ? res.writeHead(200).end(resume) : res.writeHead(204).end());
      const m = /^\/sample\/(train|val)\/(\d+)$/.exec(url.pathname);
      if (m) {
        try {
          const s = await load(m[1] as 'train' | 'val', Number(m[2]));
          const meta = encodeURIComponent(JSON.stringify({ width: s.image.width, height: s.image.height, boxes: s.boxes }));
          return void res.writeHead(200, { 'x-meta': meta }).end(s.image.data);
        } catch (e) {
          return void res.writeHead(422).end((e as Error).message.split('\n')[0]);
        }
      }
      if (url.pathname === '/upload/checkpoint' || url.pathname === '/upload/weights') {
        pending = { ...pending, [url.pathname.slice(8)]: await body(req) };
        return void res.writeHead(204).end();
      }
      if (url.pathname.startsWith('/features/') && store) {
        const key = decodeURIComponent(url.pathname.slice(10));
        if (req.method === 'POST') {
          const b = await body(req);
          await store.put(key, new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
          return void res.writeHead(204).end();
        }
        const f = await store.get(key);
        return void (f ? res.writeHead(200).end(new Uint8Array(f.buffer, f.byteOffset, f.byteLength)) : res.writeHead(404).end());
      }
      if (!(await serveDist(dist, url.pathname, res))) res.writeHead(404).end();
    } catch {
      res.writeHead(500).end();
    }
  });
  const { browser, port } = await launchChromium(server, verbose);
  try {
    const p = await browser.newPage();
    let chain = Promise.resolve();
    await p.exposeFunction('report', (json: string) => {
      const msg = JSON.parse(json);
      if (msg.type === 'info') hooks.info(msg.info);
      else if (msg.type === 'progress') hooks.progress(msg.p);
      else if (msg.type === 'epoch') {
        const { checkpoint, weights: w } = pending;
        pending = {};
        chain = chain.then(() => hooks.epoch(msg.e, checkpoint!, w!));
        return chain;
      }
    });
    const pageError = new Promise<never>((_, reject) => p.once('pageerror', (e) => reject(new Error(`page error: ${(e as Error).message ?? e}`))));
    await p.goto(`http://127.0.0.1:${port}/`);
    await Promise.race([p.waitForFunction('window.trainDone !== undefined', { timeout: 120_000 }), pageError]);
    const out = JSON.parse((await Promise.race([p.evaluate('window.trainDone'), pageError])) as string);
    await chain;
    if (out.error) {
      const { name, message } = out.error as { name: string; message: string };
      if (name === 'TrainingDivergedError') throw new TrainingDivergedError(message);
      if (name === 'InvalidArgumentError') throw new InvalidArgumentError(message);
      throw new Yolo11Error('TRAIN_FAILED', `${name}: ${message}`);
    }
    return out.ok;
  } finally {
    await browser.close();
    server.close();
  }
}
