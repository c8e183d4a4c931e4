/**
 * Every task on a dropped image: a detect, segment, pose or classify model (its task is read from the
 * weight file), the overlay drawn on a canvas — boxes, masks, skeletons, or the top-5 list.
 * `?models=url1,url2` replaces the default weight files (what `npm run weights` writes into weights/),
 * `?conf=0.1` the confidence threshold (0.25).
 */
import { createDetector, maskToAlpha, type Detector, type DetectionOf, type Task } from 'yolo11-webgpu';

const DEFAULT_MODELS = ['./weights/yolo11n-seg.y11w', './weights/yolo11n-pose.y11w', './weights/yolo11n-cls.y11w', './weights/yolo11n-fracture.y11w'];
const PALETTE = ['#FF3838', '#FF9D97', '#FF701F', '#FFB21D', '#CFD231', '#48F90A', '#92CC17', '#3DDB86', '#1A9334', '#00D4BB', '#2C99A8', '#00C2FF', '#344593', '#6473FF', '#0018EC', '#8438FF', '#520085', '#CB38FF', '#FF95C8', '#FF37C7'];
/** COCO's 17-keypoint skeleton (1-based pairs, as Ultralytics lists them). */
const SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]];

const $ = <T extends Element>(q: string) => document.querySelector<T>(q)!;
const select = $<HTMLSelectElement>('#model');
const status = $<HTMLParagraphElement>('#status');
const canvas = $<HTMLCanvasElement>('canvas');
const ctx = canvas.getContext('2d')!;
const params = new URLSearchParams(location.search);
const models = params.get('models')?.split(',') ?? DEFAULT_MODELS;
const conf = Number(params.get('conf') ?? 0.25);
for (const m of models) select.add(new Option(m.split('/').pop()!, m));

const loaded = new Map<string, Promise<Detector>>();
const detectorFor = (url: string) => {
  if (!loaded.has(url)) loaded.set(url, createDetector({ model: url }));
  return loaded.get(url)!;
};

function drawDetections(dets: DetectionOf<Task>[]) {
  const lw = Math.max(2, Math.round((canvas.width + canvas.height) * 0.0015));
  for (const d of dets) {
    const colour = PALETTE[d.classId % PALETTE.length];
    if ('mask' in d) {
      // The mask's rectangle as an image: the class colour where set, transparent elsewhere, at half opacity.
      const m = d.mask;
      const alpha = maskToAlpha(m, 128);
      const px = new ImageData(m.width, m.height);
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
      alpha.forEach((a, i) => px.data.set([r, g, b, a], 4 * i));
      const tile = new OffscreenCanvas(m.width, m.height);
      tile.getContext('2d')!.putImageData(px, 0, 0);
      ctx.drawImage(tile, m.x, m.y);
    }
    const [x1, y1, x2, y2] = d.box;
    ctx.strokeStyle = ctx.fillStyle = colour;
    ctx.lineWidth = lw;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    ctx.font = `${6 * lw}px sans-serif`;
    ctx.fillText(`${d.label} ${d.score.toFixed(2)}`, x1, Math.max(6 * lw, y1 - lw));
    if ('keypoints' in d) {
      const k = d.keypoints;
      const seen = (i: number) => (k[i]?.visibility ?? 1) >= 0.25;
      ctx.strokeStyle = '#33CCFF';
      if (k.length === 17) {
        for (const [a, b] of SKELETON) {
          if (!seen(a - 1) || !seen(b - 1)) continue;
          ctx.beginPath();
          ctx.moveTo(k[a - 1].x, k[a - 1].y);
          ctx.lineTo(k[b - 1].x, k[b - 1].y);
          ctx.stroke();
        }
      }
      ctx.fillStyle = '#00FF00';
      k.forEach((p, i) => {
        if (!seen(i)) return;
        ctx.beginPath();
        ctx.arc(p.x, p.y, lw + 2, 0, 2 * Math.PI);
        ctx.fill();
      });
    }
  }
}

async function run(file: Blob) {
  status.textContent = 'Loading the model…';
  document.body.dataset.state = 'busy';
  const detector = await detectorFor(select.value);
  const img = await createImageBitmap(file);
  canvas.width = img.width;
  canvas.height = img.height;
  ctx.drawImage(img, 0, 0);
  const list = $<HTMLOListElement>('#top');
  list.replaceChildren();
  const t0 = performance.now();
  let summary: unknown;
  if (detector.task === 'classify') {
    const top = await detector.classify(img, { topk: 5 });
    for (const c of top) list.append(Object.assign(document.createElement('li'), { textContent: `${c.label} ${c.score.toFixed(3)}` }));
    summary = top;
  } else {
    const dets = await detector.detect(img, { conf });
    drawDetections(dets);
    summary = dets.map((d) => ({ box: d.box, classId: d.classId, score: d.score, ...('mask' in d ? { maskArea: d.mask.area } : {}), ...('keypoints' in d ? { keypoints: d.keypoints.length } : {}) }));
  }
  status.textContent = `${detector.task}: ${Array.isArray(summary) ? summary.length : 0} result(s) in ${(performance.now() - t0).toFixed(0)} ms`;
  Object.assign(window, { lastResult: { task: detector.task, summary } });
  document.body.dataset.state = 'done';
}

const fail = (e: unknown) => {
  status.textContent = `${(e as Error).name}: ${(e as Error).message}`;
  document.body.dataset.state = 'error';
};
const drop = $<HTMLDivElement>('#drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) run(f).catch(fail);
});
$<HTMLInputElement>('input[type=file]').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) run(f).catch(fail);
});
