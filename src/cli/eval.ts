/**
 * `yolo11-webgpu eval [weights] <data.yaml> [--split val|test|<list>]`: Ultralytics box metrics
 * (P, R, F1 at the max smoothed-F1 confidence, mAP50, mAP50-95) and image-level metrics (ROC AUC,
 * sensitivity, specificity, PPV, NPV and Youden's J at the Youden-optimal and a chosen threshold).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError, parseCli, type Command } from './main.js';
import { backendLine, openDetector } from './backend.js';
import { parseSize } from './detect.js';
import { THOROUGH_FLAGS, THOROUGH_USAGE, fitSlice, thoroughName, thoroughOptions } from './thorough.js';
import { defaultWeightsPath } from './defaults.js';
import { readWeightsArg } from './io.js';
import { decodeImageFile } from '../image/decode-node.js';
import { DatasetError as EvalError, loadDataset, withNegatives } from '../eval/dataset.js';
import { apPerClass, imageMetrics, matchPredictions, type Box } from '../eval/metrics.js';
import { linePlot } from '../eval/plots.js';
import { SmallBoxes, recallAt } from '../eval/small.js';
import { HeatAgreement } from '../eval/heat.js';
import type { Detection } from '../detector.js';
import type { RGBAImage } from '../draw/draw-boxes.js';

function progress(i: number, n: number, t0: number) {
  const done = i / n;
  const eta = i ? ((performance.now() - t0) / i) * (n - i) / 1000 : 0;
  const bar = '█'.repeat(Math.round(done * 30)).padEnd(30, '░');
  const line = `  ${bar} ${i}/${n} images${i ? `, ETA ${eta.toFixed(0)} s` : ''}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
  else if (i === n || i % 10 === 0) process.stderr.write(`${line}\n`);
}

/** A stand-in detector answering from a --save-json file (predictions keyed by image path). */
function savedDetector(jsonl: string) {
  const rows = new Map<string, { width: number; height: number; detections: Detection[]; inputSize?: [number, number] }>();
  for (const line of jsonl.split('\n')) if (line.trim()) {
    const r = JSON.parse(line);
    rows.set(r.image, r);
  }
  const get = (file: string) => {
    const r = rows.get(file);
    if (!r) throw new Error('no saved predictions for this image');
    return r;
  };
  let current = '';
  return {
    info: { inputSize: [0, 0] as [number, number] },
    size: (file: string) => ((current = file), { width: get(file).width, height: get(file).height, data: new Uint8Array(0), file }),
    detect: async (_img: unknown, _o: unknown) => get(current).detections,
    close: async () => {},
  };
}

/** `--save-settings`: the Youden-optimal image-level threshold, with how it was measured (read by `convert --settings`). */
function savedSettings(result: { split?: string; images: number; positives: number; negatives: number; image: { auc: number } }, y: { threshold: number; sensitivity: number; specificity: number; j: number }, argv: string[]) {
  if (!result.negatives || !result.positives) throw new UsageError('--save-settings needs images with and without boxes (add negatives with --negatives)');
  if (!(y.j > 0 && y.threshold > 0 && y.threshold < 1)) throw new EvalError(`--save-settings: no threshold separates the images with boxes from those without (Youden J ${y.j.toFixed(3)}); nothing saved`);
  return `${JSON.stringify({
    settings: { highSensitivityConf: Number(y.threshold.toFixed(4)) },
    measured: { images: result.images, positives: result.positives, negatives: result.negatives, auc: result.image.auc, sensitivity: y.sensitivity, specificity: y.specificity, youdenJ: y.j },
    command: `yolo11-webgpu eval ${argv.join(' ')}`,
  }, null, 2)}\n`;
}

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '  –  ');

export const command: Command = {
  summary: 'evaluate on an Ultralytics-layout dataset (mAP, P/R/F1, image-level AUC, sensitivity, specificity)',
  usage: `yolo11-webgpu eval [weights.y11w] <data.yaml> [--split val|test|<list.txt>] [--imgsz 640] [--conf 0.001] [--iou 0.7] [--max-det 300] ${THOROUGH_USAGE} [--threshold 0.25] [--small-area 0.01] [--negatives <list.txt> [--negatives-part all|even|odd]] [--save-settings settings.json] [--json] [--save-json preds.jsonl] [--from-json preds.jsonl] [--plots dir] [--limit N] [--backend auto|dawn|chromium]   (the weight file is recognised by its bytes, whatever its name; without one, weights/yolo11n-fracture.y11w)`,
  async run(argv, { verbose }) {
    const { values, positionals } = parseCli(argv, {
      split: { type: 'string', default: 'val' }, imgsz: { type: 'string' }, conf: { type: 'string', default: '0.001' }, iou: { type: 'string', default: '0.7' },
      'max-det': { type: 'string', default: '300' }, threshold: { type: 'string', default: '0.25' }, json: { type: 'boolean', default: false },
      'save-json': { type: 'string' }, plots: { type: 'string' }, limit: { type: 'string' }, backend: { type: 'string', default: 'auto' },
      'from-json': { type: 'string' }, negatives: { type: 'string' }, 'negatives-part': { type: 'string', default: 'all' }, 'save-settings': { type: 'string' },
      'small-area': { type: 'string', default: '0.01' }, explain: { type: 'boolean', default: false },
      ...THOROUGH_FLAGS,
    });
    // The dataset is the .yaml file; the other argument, if any, is the weight file (checked by its bytes, not its name).
    const yamlPath = positionals.find((p) => /\.ya?ml$/i.test(p));
    if (!yamlPath) throw new UsageError('no data.yaml given');
    const others = positionals.filter((p) => p !== yamlPath);
    if (others.length > 1) throw new UsageError(`expected [weights.y11w] <data.yaml>, got ${positionals.length} arguments`);
    const weights = others[0] ?? (values['from-json'] ? undefined : defaultWeightsPath());
    const part = values['negatives-part'] as 'all' | 'even' | 'odd';
    if (!['all', 'even', 'odd'].includes(part)) throw new UsageError('--negatives-part must be all, even or odd');
    const base = loadDataset(yamlPath, values.split!);
    const ds = values.negatives ? withNegatives(base, yamlPath, values.negatives, part) : base;
    if (values['save-settings'] && !(ds.images.some((i) => i.boxes.length) && ds.images.some((i) => !i.boxes.length))) {
      throw new UsageError('--save-settings needs images with and without boxes (add negatives with --negatives)');
    }
    const weightBytes = weights && !values['from-json'] ? await readWeightsArg(weights) : undefined;
    const images = values.limit ? ds.images.slice(0, Number(values.limit)) : ds.images;
    for (const s of ds.skipped) process.stderr.write(`skipped ${s.file}: ${s.why}\n`);
    const num = (k: string) => {
      const v = Number(values[k as keyof typeof values]);
      if (!Number.isFinite(v)) throw new UsageError(`--${k} must be a number`);
      return v;
    };
    const thorough = thoroughOptions(values);
    const opts = { conf: num('conf'), iou: num('iou'), maxDet: num('max-det'), ...thorough };
    // --from-json: score saved predictions (a --save-json file) instead of running the detector.
    const saved = values['from-json'] ? savedDetector(await readFile(values['from-json'], 'utf8')) : undefined;
    const live = saved ? undefined : await openDetector(weightBytes!, values.imgsz ? parseSize(values.imgsz) : undefined, values.backend!, verbose);
    if (live) process.stderr.write(`${backendLine(live)}\n`);
    const det = saved ?? live!;
    const tp: boolean[][] = [];
    const conf: number[] = [];
    const predCls: number[] = [];
    const targetCls: number[] = [];
    const scores: number[] = [];
    const positive: boolean[] = [];
    const perImage: string[] = [];
    const failed: { file: string; why: string }[] = [];
    const small = new SmallBoxes(num('small-area'));
    const largerTiles: string[] = [];
    const heat = new HeatAgreement();
    if (values.explain && saved) throw new UsageError('--explain needs the detector, not --from-json');
    const t0 = performance.now();
    try {
      for (const [i, item] of images.entries()) {
        progress(i, images.length, t0);
        let img;
        try {
          img = saved ? saved.size(item.image) : await decodeImageFile(item.image);
        } catch (e) {
          failed.push({ file: item.image, why: (e as Error).message });
          continue;
        }
        let call = opts;
        if (opts.slice && !saved) {
          const fit = fitSlice(img.width, img.height, opts.slice, Math.max(...det.info.inputSize));
          if (fit.adjusted) largerTiles.push(`${item.image} (${img.width}×${img.height}: ${fit.slice.size}-pixel tiles)`);
          call = { ...opts, slice: fit.slice };
        }
        const dets = (await det.detect(img as RGBAImage & { file?: string }, call)).filter((d) => d.score > opts.conf);
        const labels = item.boxes.map((b) => ({ cls: b.cls, box: [(b.cx - b.w / 2) * img.width, (b.cy - b.h / 2) * img.height, (b.cx + b.w / 2) * img.width, (b.cy + b.h / 2) * img.height] as Box }));
        const preds = dets.map((d) => ({ cls: d.classId, box: d.box as Box, score: d.score }));
        tp.push(...matchPredictions(preds, labels));
        small.add(preds, labels, img.width, img.height);
        const summary = values.explain ? await live!.explain(img as RGBAImage) : undefined;
        if (summary) heat.add(summary, preds, labels);
        conf.push(...preds.map((p) => p.score));
        predCls.push(...preds.map((p) => p.cls));
        targetCls.push(...labels.map((l) => l.cls));
        scores.push(preds.reduce((m, p) => Math.max(m, p.score), 0));
        positive.push(labels.length > 0);
        perImage.push(JSON.stringify({ image: item.image, width: img.width, height: img.height, labels: labels.length, detections: dets, heat: summary }));
      }
      progress(images.length, images.length, t0);
      if (process.stderr.isTTY) process.stderr.write('\n');
    } finally {
      await det.close();
    }
    for (const s of failed) process.stderr.write(`skipped ${s.file}: ${s.why}\n`);
    for (const s of largerTiles) process.stderr.write(`larger tiles for ${s}: the requested ones make more than 64\n`);
    const box = apPerClass(tp, conf, predCls, targetCls);
    const im = imageMetrics(scores, positive);
    const nPos = positive.filter(Boolean).length;
    const user = im.at(num('threshold'));
    const sm = small.result(num('threshold'));
    const boxRecall = recallAt(tp, conf, targetCls.length, num('threshold'));
    const result = {
      weights, data: yamlPath, split: values.split, backend: live?.backend, imgsz: det.info.inputSize, images: positive.length, positives: nPos, negatives: positive.length - nPos,
      instances: targetCls.length, skipped: ds.skipped.length + failed.length, settings: opts, setting: thoroughName(thorough, Math.max(...det.info.inputSize)),
      box: { precision: box.precision, recall: box.recall, f1: box.f1, conf: box.conf, map50: box.map50, map50_95: box.map50_95, recallAtThreshold: boxRecall },
      small: { fraction: num('small-area'), ...sm },
      image: { auc: im.auc, youden: im.youden, atThreshold: user },
      seconds: (performance.now() - t0) / 1000,
      secondsPerImage: (performance.now() - t0) / 1000 / Math.max(positive.length, 1),
      largerTiles,
      explain: values.explain ? heat.result() : undefined,
    };
    if (values['save-json']) await writeFile(values['save-json'], `${perImage.join('\n')}\n`);
    if (values['save-settings']) await writeFile(values['save-settings'], savedSettings(result, im.youden, argv));
    if (values.plots) {
      await mkdir(values.plots, { recursive: true });
      const c = box.curves;
      await writeFile(join(values.plots, 'PR_curve.png'), linePlot([{ x: c.prRecall, y: c.prPrecision, color: [30, 90, 200] }]));
      await writeFile(join(values.plots, 'F1_curve.png'), linePlot([{ x: c.px, y: c.f1, color: [200, 60, 30] }, { x: c.px, y: c.p, color: [30, 150, 60] }, { x: c.px, y: c.r, color: [30, 90, 200] }]));
      await writeFile(join(values.plots, 'ROC_curve.png'), linePlot([{ x: im.roc.fpr, y: im.roc.tpr, color: [120, 40, 160] }], true));
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const y = im.youden;
    process.stdout.write([
      `${ds.names.join(', ')} — ${values.split}: ${result.images} images (${nPos} with boxes, ${result.negatives} without), ${result.instances} boxes, ${saved ? `saved predictions ${values['from-json']}` : `input ${det.info.inputSize.join('×')}, ${result.setting}, ${result.seconds.toFixed(0)} s (${result.secondsPerImage.toFixed(2)} s per image)`}`,
      '',
      '  box metrics      P       R       F1   mAP50  mAP50-95   (P/R/F1 at conf ' + f(box.conf) + ')',
      `                 ${f(box.precision)}   ${f(box.recall)}   ${f(box.f1)}   ${f(box.map50)}   ${f(box.map50_95)}`,
      `  box recall at --threshold ${f(num('threshold'))}: ${f(boxRecall)} (IoU 0.5)`,
      ...(values.explain ? [`  heat map (EigenCAM): ${heat.line()}`] : []),
      `  small boxes (< ${(num('small-area') * 100).toFixed(1)} % of the image): ${sm.boxes} of ${small.total} (${(sm.share * 100).toFixed(1)} %), AP50 ${f(sm.ap50)}, recall at --threshold ${f(sm.recallAtThreshold)}`,
      '',
      `  image level      AUC ${f(im.auc)}${result.negatives ? '' : '   (no negatives: AUC, specificity and NPV need images without boxes)'}`,
      '                   threshold  sensitivity  specificity    PPV     NPV   Youden J',
      `  Youden-optimal     ${f(y.threshold)}       ${f(y.sensitivity)}        ${f(y.specificity)}     ${f(y.ppv)}   ${f(y.npv)}   ${f(y.j)}`,
      `  --threshold        ${f(user.threshold)}       ${f(user.sensitivity)}        ${f(user.specificity)}     ${f(user.ppv)}   ${f(user.npv)}   ${f(user.j)}`,
      '',
    ].join('\n'));
  },
};
