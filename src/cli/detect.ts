/**
 * `yolo11-webgpu detect <weights> <images...>`: run the model in Node (Dawn or headless Chromium) and
 * print what it finds, as text or JSON: boxes (with masks for segment models, keypoints for pose
 * models) or, for classify models, the top-k classes; with --save, write annotated PNGs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { UsageError, parseCli, type Command } from './main.js';
import { backendLine, openDetector } from './backend.js';
import { decodeImageFile } from '../image/decode-node.js';
import { drawBoxes } from '../draw/draw-boxes.js';
import { drawKeypoints, drawMasks, drawTopK } from '../draw/draw-tasks.js';
import { maskToRle, type Classification, type DetectionOf, type Task } from '../results.js';
import { defaultWeightsPath } from './defaults.js';
import { checkImageArg, looksLikeModel, peek, readWeightsArg } from './io.js';
import { THOROUGH_FLAGS, THOROUGH_USAGE, thoroughOptions } from './thorough.js';

export const command: Command = {
  summary: 'detect objects (with masks or keypoints) or classify PNG/JPEG images (WebGPU through Dawn, or headless Chromium)',
  usage: `yolo11-webgpu detect [weights.y11w] <images...> [--imgsz 640|H,W] [--conf 0.25] [--iou 0.7] [--max-det 300] [--agnostic] ${THOROUGH_USAGE} [--topk 5] [--json] [--save <dir>] [--backend auto|dawn|chromium]   (the weight file is recognised by its bytes, whatever its name; without one, weights/yolo11n-fracture.y11w. The model's task decides the output: boxes, boxes with masks (segment), boxes with keypoints (pose) or the top-k classes (classify); --json gives masks as run lengths over each box. Images: PNG or JPEG. --save writes PNGs with labelled boxes, masks, skeletons or the top-k. The backend and adapter used are printed on stderr. --slice: sliced inference (SAHI; tiles of the input size by default), --tta: test-time augmentation as Ultralytics augment=True; both for detect models)`,
  async run(argv, { verbose }) {
    const { values, positionals } = parseCli(argv, {
      imgsz: { type: 'string' },
      conf: { type: 'string', default: '0.25' },
      iou: { type: 'string', default: '0.7' },
      'max-det': { type: 'string', default: '300' },
      agnostic: { type: 'boolean', default: false },
      topk: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      save: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      ...THOROUGH_FLAGS,
    });
    // The first argument is the model when its bytes say it is one (whatever its name); else all are images.
    if (!positionals.length) throw new UsageError('no images given');
    const first = await peek(positionals[0]).catch(() => undefined);
    const modelGiven = !!first && looksLikeModel(first);
    const images = modelGiven ? positionals.slice(1) : positionals;
    if (!images.length) throw new UsageError('no images given');
    for (const path of images) await checkImageArg(path);
    const weights = modelGiven ? positionals[0] : defaultWeightsPath();
    const inputSize = values.imgsz ? parseSize(values.imgsz) : undefined;
    const num = (k: string, v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new UsageError(`--${k} ${v} is not a number`);
      return n;
    };
    const opts = { conf: num('conf', values.conf!), iou: num('iou', values.iou!), maxDet: num('max-det', values['max-det']!), agnostic: values.agnostic, ...thoroughOptions(values) };
    const detector = await openDetector(await readWeightsArg(weights), inputSize, values.backend!, verbose);
    process.stderr.write(`${backendLine(detector)}\n`);
    try {
      if (values.save) await mkdir(values.save, { recursive: true });
      const task = detector.info.manifest.task;
      const topk = num('topk', values.topk!);
      const all: Record<string, unknown>[] = [];
      for (const path of images) {
        const img = await decodeImageFile(path);
        const t0 = performance.now();
        const found = task === 'classify' ? await detector.classify(img, { topk }) : await detector.detect(img, opts);
        const ms = performance.now() - t0;
        const classes = task === 'classify' ? (found as Classification[]) : undefined;
        const dets = task === 'classify' ? [] : (found as DetectionOf<Task>[]);
        all.push({ image: path, width: img.width, height: img.height, ...(classes ? { classes } : { detections: dets.map(forJson) }), ms });
        if (!values.json) {
          if (classes) {
            process.stdout.write(`${path} (${img.width}×${img.height}): top ${classes.length}, ${ms.toFixed(0)} ms\n`);
            for (const c of classes) process.stdout.write(`  ${c.label.padEnd(24)} ${c.score.toFixed(3)}\n`);
          } else {
            process.stdout.write(`${path} (${img.width}×${img.height}): ${dets.length} detection${dets.length === 1 ? '' : 's'}, ${ms.toFixed(0)} ms\n`);
            for (const d of dets) {
              const extra = 'mask' in d ? `  mask ${d.mask.area} px` : 'keypoints' in d ? `  ${d.keypoints.filter((k) => (k.visibility ?? 1) >= 0.5).length}/${d.keypoints.length} keypoints visible` : '';
              process.stdout.write(`  ${d.label.padEnd(14)} ${d.score.toFixed(3)}  [${d.box.map((v) => v.toFixed(1)).join(', ')}]${extra}\n`);
            }
          }
        }
        if (values.save) {
          const { PNG } = await import('pngjs');
          if (classes) drawTopK(img, classes);
          else {
            drawMasks(img, dets.filter((d) => 'mask' in d));
            drawBoxes(img, dets);
            drawKeypoints(img, dets.filter((d) => 'keypoints' in d));
          }
          const png = new PNG({ width: img.width, height: img.height });
          png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
          const out = join(values.save, `${basename(path, extname(path))}.png`);
          await writeFile(out, PNG.sync.write(png));
          if (!values.json) process.stdout.write(`  saved ${out}\n`);
        }
      }
      if (values.json) process.stdout.write(`${JSON.stringify({ model: weights, task, inputSize: detector.info.inputSize, backend: detector.backend, adapter: detector.info.adapter, results: all }, null, 2)}\n`);
    } finally {
      await detector.close();
    }
  },
};

/** A detection for --json: a mask as run lengths over its box (maskToRle), keypoints as they are. */
function forJson(d: DetectionOf<Task>) {
  return 'mask' in d ? { ...d, mask: maskToRle(d.mask) } : d;
}

export function parseSize(s: string): [number, number] {
  const parts = s.split(',').map(Number);
  if (parts.length === 1 && Number.isInteger(parts[0])) return [parts[0], parts[0]];
  if (parts.length === 2 && parts.every(Number.isInteger)) return [parts[0], parts[1]];
  throw new UsageError(`--imgsz ${s}: expected N or H,W`);
}
