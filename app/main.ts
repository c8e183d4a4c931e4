/**
 * The fracture viewer: files in (open or drop; PNG, JPEG, DICOM), the detector in a Worker, boxes over
 * the radiograph with zoom and pan, a confidence slider with presets, a batch list with verdicts,
 * export. After the model has loaded the page makes no network request: everything it needs is
 * loaded up front and images are read from disk by the browser.
 */
import { decodeDicom, isDicom } from './dicom.js';
import { drawResult, fitView, setupPanZoom } from './view.js';
import { heatCanvas, jetGradient } from './heatmap.js';
import { THOROUGH_NAME, fmtSeconds, thoroughCost, thoroughFor } from './thorough.js';
import { heatSummary, type HeatSummary } from '../src/explain/summary.js';

interface Box { box: [number, number, number, number]; score: number; classId: number; label: string }
interface Item {
  id: number; name: string; status: 'queued' | 'running' | 'done' | 'failed'; message?: string;
  width: number; height: number; image?: ImageBitmap | ImageData; scale: number; boxes: Box[]; ms?: number;
  /** The last analysis was the thorough one; the next should be (queued by a Thorough button). */
  thorough?: boolean; wantThorough?: boolean; plainMs?: number;
  heat?: OffscreenCanvas; heatSummary?: HeatSummary; heatPending?: boolean;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const MODEL = params.get('model') ?? './weights/yolo11n-fracture.y11w';
const IMGSZ = params.get('imgsz') ? Number(params.get('imgsz')) : undefined;
const BALANCED = 0.25;

const items: Item[] = [];
let selected: Item | undefined;
let conf = BALANCED;
let sensitive: number | undefined;
let maxTexture = 8192;
let inputSize: [number, number] = [640, 640];
let heatOn = false;
let opacity = 0.5;
let ready = false;
const queue: Item[] = [];
let busy = false;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

/** What tests read: readiness, and each file's status and boxes at the current threshold. */
const exposed = {
  ready: false, conf, results: {} as Record<string, { status: string; message?: string; boxes: Box[]; width: number; height: number; thorough: boolean }>,
  /** Heat maps drawn: where each is strongest (image pixels) and the opacity it was drawn with. */
  heat: {} as Record<string, HeatSummary & { opacity: number }>,
  /** Tests: destroy the worker's GPU device to exercise recovery. */
  loseDevice: () => worker.postMessage({ type: 'lose' }),
};
(window as unknown as { __app: typeof exposed }).__app = exposed;

const say = (m: string) => ($('message').textContent = m);
const visible = (it: Item) => it.boxes.filter((b) => b.score > conf);

function publish(it: Item) {
  exposed.conf = conf;
  exposed.results[it.name] = { status: it.status, message: it.message, boxes: visible(it), width: it.width, height: it.height, thorough: !!it.thorough };
}

function renderList() {
  const ol = $('list');
  ol.replaceChildren(...items.map((it) => {
    const li = document.createElement('li');
    li.className = it === selected ? 'selected' : '';
    const n = visible(it).length;
    const verdict = it.status === 'done' ? (n ? `<span class="verdict-yes">fracture suspected</span> · ${n} box${n > 1 ? 'es' : ''}` : '<span class="verdict-no">no fracture found</span>')
      : it.status === 'failed' ? `<span class="failed">${escape(it.message ?? 'failed')}</span>` : it.status;
    li.innerHTML = `${escape(it.name)}<br><small>${verdict}${it.ms ? ` · ${it.ms.toFixed(0)} ms` : ''}${it.thorough ? ' · <span class="thorough">thorough</span>' : ''}</small>`;
    li.onclick = () => select(it);
    return li;
  }));
  for (const it of items) publish(it);
  $<HTMLButtonElement>('export-png').disabled = $<HTMLButtonElement>('export-json').disabled = selected?.status !== 'done';
  showThoroughCost();
}

/** The thorough setting's cost, before it runs: for the selected file, and for every file. */
function showThoroughCost() {
  const done = items.filter((it) => it.status === 'done' && it.image);
  const one = selected?.status === 'done' && selected.image ? thoroughCost(selected.image.width, selected.image.height, inputSize, selected.plainMs) : undefined;
  let all = 0;
  for (const it of done) all += thoroughCost(it.image!.width, it.image!.height, inputSize, it.plainMs).ms ?? 0;
  $<HTMLButtonElement>('thorough-one').disabled = !ready || !one;
  $<HTMLButtonElement>('thorough-all').disabled = !ready || !done.length;
  $<HTMLButtonElement>('thorough-one').title = $<HTMLButtonElement>('thorough-all').title = `Thorough analysis: ${THOROUGH_NAME}`;
  $('thorough-cost').textContent = one ? `thorough ≈ ${one.factor.toFixed(1)}× the work${one.ms ? `: about ${fmtSeconds(one.ms)} for this file` : ''}${done.length > 1 && all ? `, ${fmtSeconds(all)} for all ${done.length}` : ''}` : '';
}

/** Draw the selected file: radiograph, heat map (if on and made), boxes; ask the worker for the heat map if missing. */
function draw(it: Item) {
  if (!it.image) return;
  const heat = heatOn && it.heat ? { canvas: it.heat, opacity } : undefined;
  drawResult($<HTMLCanvasElement>('canvas'), it.image, visible(it), it.scale, heat);
  if (heat && it.heatSummary) exposed.heat[it.name] = { ...it.heatSummary, opacity };
  if (heatOn && !it.heat && !it.heatPending && it.status === 'done') {
    it.heatPending = true;
    say(`${it.name}: computing the heat map…`);
    post(it, 'explain');
  }
}

/** Send the file's pixels to the worker (ImageBitmaps are copied: the page keeps its own for display). */
function post(it: Item, type: 'detect' | 'explain', extra: object = {}) {
  const img = it.image!;
  if (img instanceof ImageBitmap) void createImageBitmap(img).then((copy) => worker.postMessage({ type, id: it.id, image: copy, ...extra }, [copy]));
  else {
    const msg = { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
    worker.postMessage({ type, id: it.id, image: msg, ...extra }, [msg.data.buffer]);
  }
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function select(it: Item) {
  selected = it;
  renderList();
  if (it.image) {
    draw(it);
    fitView();
  }
}

function redraw() {
  $('conf-value').textContent = conf.toFixed(3);
  $<HTMLInputElement>('conf').value = String(conf);
  $('balanced').classList.toggle('active', conf === BALANCED);
  $('sensitive').classList.toggle('active', conf === sensitive);
  renderList();
  if (selected?.image) draw(selected);
}

/** Read a file into something to show and something to detect on; huge images are downscaled to the GPU's texture limit. */
async function load(file: File, it: Item) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let image: ImageBitmap | ImageData;
  if (isDicom(bytes) || /\.dcm$/i.test(file.name)) {
    const d = decodeDicom(bytes);
    image = new ImageData(d.data as Uint8ClampedArray<ArrayBuffer>, d.width, d.height);
  } else {
    try {
      image = await createImageBitmap(new Blob([bytes]));
    } catch {
      throw new Error('not an image this browser can decode (PNG, JPEG or DICOM expected)');
    }
  }
  if (!image.width || !image.height) throw new Error(`the image is empty (${image.width}×${image.height})`);
  it.width = image.width;
  it.height = image.height;
  const s = Math.min(1, maxTexture / Math.max(image.width, image.height));
  if (s < 1) {
    const src = image instanceof ImageData ? await createImageBitmap(image) : image;
    image = await createImageBitmap(src, { resizeWidth: Math.floor(image.width * s), resizeHeight: Math.floor(image.height * s), resizeQuality: 'high' });
    say(`${file.name}: ${it.width}×${it.height} is above this GPU's ${maxTexture}-pixel limit; analysed at ${image.width}×${image.height}`);
  }
  it.image = image;
  it.scale = s;
}

function next() {
  if (busy || !ready) return;
  const it = queue.shift();
  if (!it) return;
  busy = true;
  it.status = 'running';
  renderList();
  const img = it.image!;
  post(it, 'detect', it.wantThorough ? { thorough: thoroughFor(img.width, img.height, inputSize) } : {});
}

async function addFiles(files: FileList | File[]) {
  for (const file of Array.from(files)) {
    const it: Item = { id: items.length, name: file.name, status: 'queued', width: 0, height: 0, scale: 1, boxes: [] };
    items.push(it);
    try {
      await load(file, it);
      queue.push(it);
    } catch (e) {
      it.status = 'failed';
      it.message = (e as Error).message;
      say(`${file.name}: ${it.message}`);
    }
    if (!selected || selected.status === 'failed') select(it);
    renderList();
  }
  next();
}

worker.onmessage = (e: MessageEvent) => {
  const m = e.data;
  if (m.type === 'progress') {
    const p = $<HTMLProgressElement>('progress');
    if (m.total) p.value = m.loaded / m.total;
    $('status').textContent = `loading the model… ${(m.loaded / 1e6).toFixed(1)} MB`;
  } else if (m.type === 'ready') {
    ready = exposed.ready = true;
    $('progress').hidden = true;
    $('status').textContent = `model ready (input ${m.inputSize.join('×')})`;
    $('gpu').textContent = `GPU: ${[m.adapter.vendor, m.adapter.architecture, m.adapter.description].filter(Boolean).join(' ')}`;
    inputSize = m.inputSize;
    sensitive = typeof m.settings.highSensitivityConf === 'number' ? m.settings.highSensitivityConf : undefined;
    const b = $<HTMLButtonElement>('sensitive');
    b.disabled = sensitive === undefined;
    b.title = sensitive === undefined ? 'This model carries no high-sensitivity threshold (measure one with `yolo11-webgpu eval --save-settings`)'
      : `Youden-optimal threshold measured on FracAtlas valid (${sensitive}): more fractures found, more false alarms`;
    redraw();
    next();
  } else if (m.type === 'failed') {
    $('status').textContent = 'the model could not be loaded';
    say(`${m.name}: ${m.message}`);
  } else if (m.type === 'result' || m.type === 'error') {
    const it = items[m.id];
    busy = false;
    if (m.type === 'result') {
      it.status = 'done';
      it.boxes = (m.boxes as Box[]).map((b) => ({ ...b, box: b.box.map((v) => v / it.scale) as Box['box'] }));
      it.ms = m.ms;
      it.thorough = m.thorough;
      it.wantThorough = false;
      if (!m.thorough) it.plainMs = m.ms;
      $('status').textContent = `last image: ${m.ms.toFixed(0)} ms`;
    } else if (m.name === 'DeviceLostError') {
      it.status = 'queued';
      queue.unshift(it);
    } else {
      it.status = 'failed';
      it.message = `${m.name}: ${m.message}`;
      say(`${it.name}: ${it.message}`);
    }
    renderList();
    if (it === selected) select(it);
    next();
  } else if (m.type === 'heat' || m.type === 'heat-error') {
    const it = items[m.id];
    it.heatPending = false;
    if (m.type === 'heat') {
      it.heat = heatCanvas(m);
      it.heatSummary = heatSummary(m);
      say(`${it.name}: heat map in ${m.ms.toFixed(0)} ms (EigenCAM of the layers Detect reads)`);
    } else {
      say(`${it.name}: no heat map — ${m.name}: ${m.message}`);
    }
    if (it === selected) draw(it);
  } else if (m.type === 'lost') {
    ready = exposed.ready = false;
    say('The GPU device was lost. Reloading the model; your results are kept.');
    worker.postMessage({ type: 'init', inputSize: IMGSZ });
  }
};

function download(name: string, blob: Blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function wire() {
  $<HTMLInputElement>('files').onchange = (e) => void addFiles((e.target as HTMLInputElement).files ?? []);
  $<HTMLInputElement>('conf').oninput = (e) => {
    conf = Number((e.target as HTMLInputElement).value);
    redraw();
  };
  $('balanced').onclick = () => ((conf = BALANCED), redraw());
  $('sensitive').onclick = () => sensitive !== undefined && ((conf = sensitive), redraw());
  $('export-png').onclick = () => $<HTMLCanvasElement>('canvas').toBlob((b) => b && selected && download(`${selected.name}.boxes.png`, b), 'image/png');
  $('export-json').onclick = () => selected && download(`${selected.name}.detections.json`, new Blob([JSON.stringify({ image: selected.name, width: selected.width, height: selected.height, conf, detections: visible(selected) }, null, 2)], { type: 'application/json' }));
  $<HTMLInputElement>('heatmap').onchange = (e) => {
    heatOn = (e.target as HTMLInputElement).checked;
    redraw();
  };
  $<HTMLInputElement>('opacity').oninput = (e) => {
    opacity = Number((e.target as HTMLInputElement).value);
    redraw();
  };
  $('legend').style.background = jetGradient();
  const again = (list: Item[]) => {
    for (const it of list) {
      it.wantThorough = true;
      it.status = 'queued';
      queue.push(it);
    }
    renderList();
    next();
  };
  $('thorough-one').onclick = () => selected?.status === 'done' && again([selected]);
  $('thorough-all').onclick = () => again(items.filter((it) => it.status === 'done'));
  const viewer = $('viewer');
  setupPanZoom(viewer, $<HTMLCanvasElement>('canvas'));
  for (const t of [document.body]) {
    t.addEventListener('dragover', (e) => (e.preventDefault(), viewer.classList.add('drag')));
    t.addEventListener('dragleave', () => viewer.classList.remove('drag'));
    t.addEventListener('drop', (e) => {
      e.preventDefault();
      viewer.classList.remove('drag');
      if (e.dataTransfer?.files.length) void addFiles(e.dataTransfer.files);
    });
  }
}

async function start() {
  wire();
  const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
  if (!adapter) {
    $('nogpu').hidden = false;
    $('nogpu-reason').textContent = navigator.gpu ? 'This browser has WebGPU but found no usable GPU adapter.' : 'navigator.gpu is missing.';
    $('status').textContent = 'WebGPU unavailable';
    $('progress').hidden = true;
    return;
  }
  maxTexture = adapter.limits.maxTextureDimension2D;
  worker.postMessage({ type: 'init', url: new URL(MODEL, location.href).href, inputSize: IMGSZ });
}

void start();
