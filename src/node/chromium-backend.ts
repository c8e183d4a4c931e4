/**
 * Running the detector inside headless Chromium from Node. On CPU-only Linux, Dawn for Node
 * (webgpu 0.6) on SwiftShader aborts the process at random (see test/kernels/smoke.node.test.ts),
 * while Chromium's own WebGPU on the same SwiftShader is stable; the CLI uses this backend there.
 * A loopback HTTP server serves the built library, the weights and each image's pixels to the page.
 */
import { createServer, type Server } from 'node:http';
import { WebGPUUnavailableError } from '../errors.js';
import { distDir, launchChromium, serveDist } from './chromium-host.js';
import type { ClassifyOptions, DetectOptions, DetectionOf, DetectorInfo } from '../detector.js';
import type { Classification, Task } from '../results.js';
import type { HeatSummary } from '../explain/summary.js';
import type { RGBAImage } from '../draw/draw-boxes.js';

export interface RemoteDetector {
  info: DetectorInfo;
  detect(img: RGBAImage, opts: DetectOptions): Promise<DetectionOf<Task>[]>;
  classify(img: RGBAImage, opts: ClassifyOptions): Promise<Classification[]>;
  /** explain() in the page; only where the heat map is strongest comes back. */
  explain(img: RGBAImage): Promise<HeatSummary>;
  close(): Promise<void>;
}

export { chromiumPath } from './chromium-host.js';

/**
 * `verbose`: Chromium's own stderr (GPU process and driver messages, which puppeteer swallows) is
 * copied to ours, each line marked `[chromium]`; never to stdout, which may carry JSON.
 */
export async function chromiumDetector(weights: Uint8Array, inputSize?: [number, number], { verbose = false } = {}): Promise<RemoteDetector> {
  const dist = distDir();
  const images = new Map<string, Uint8Array>();
  const page = `<!doctype html><script type="module">
    import { createDetector, heatSummary } from '/dist/index.js';
    window.heatSummary = heatSummary;
    window.detectorReady = createDetector({ model: '/weights', inputSize: ${JSON.stringify(inputSize ?? null)} ?? undefined }).then((d) => (window.detector = d, d.info));
  </script>`;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      if (url.pathname === '/weights') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(weights);
      if (url.pathname.startsWith('/image/')) return void res.writeHead(200).end(images.get(url.pathname.slice(7)));
      if (!(await serveDist(dist, url.pathname, res))) res.writeHead(404).end();
    } catch {
      res.writeHead(500).end();
    }
  });
  const { browser, port } = await launchChromium(server, verbose);
  const close = async () => {
    await browser.close();
    server.close();
  };
  try {
    const p = await browser.newPage();
    const pageError = new Promise<never>((_, reject) => {
      p.once('pageerror', (e) => reject(new Error(`page error: ${(e as Error).message ?? e}`)));
      p.on('response', (r) => {
        if (r.status() >= 400 && new URL(r.url()).pathname.startsWith('/dist/')) reject(new Error(`${new URL(r.url()).pathname}: HTTP ${r.status()} (is the library built? npm run build)`));
      });
    });
    await p.goto(`http://127.0.0.1:${port}/`);
    // The module defines detectorReady as soon as it runs; a script that fails to load reports a page error.
    await Promise.race([p.waitForFunction('window.detectorReady !== undefined', { timeout: 120_000 }), pageError]);
    const info = (await p.evaluate('window.detectorReady')) as DetectorInfo;
    let next = 0;
    /** Evaluate `expr` in the page with `image` bound to this image's raw pixels. */
    const call = async (img: RGBAImage, expr: string) => {
      const id = String(next++);
      images.set(id, img.data);
      try {
        return await p.evaluate(`(async () => {
          const r = await fetch('/image/${id}');
          const image = { width: ${img.width}, height: ${img.height}, data: new Uint8Array(await r.arrayBuffer()), channels: 4 };
          return ${expr};
        })()`);
      } finally {
        images.delete(id);
      }
    };
    return {
      info,
      close,
      async detect(img, opts) {
        // Mask bits cross the page boundary as plain arrays (JSON) and become Uint32Arrays again here.
        const dets = (await call(img, `window.detector.detect(image, ${JSON.stringify(opts)}).then((ds) => ds.map((d) => d.mask ? { ...d, mask: { ...d.mask, bits: Array.from(d.mask.bits) } } : d))`)) as DetectionOf<Task>[];
        for (const d of dets) if ('mask' in d) d.mask.bits = Uint32Array.from(d.mask.bits);
        return dets;
      },
      async classify(img, opts) {
        return (await call(img, `window.detector.classify(image, ${JSON.stringify(opts)})`)) as Classification[];
      },
      explain: async (img) => (await call(img, 'window.detector.explain(image).then(window.heatSummary)')) as HeatSummary,
    };
  } catch (e) {
    await close();
    throw new WebGPUUnavailableError(`headless Chromium could not run the detector: ${(e as Error).message.split('\n')[0]}`);
  }
}
