/**
 * The benchmark page: the machine panel first, then a model (dropped or chosen; converted in a worker),
 * settings and runtimes, a run with progress per step, and the results (table, per-kernel chart, GEMM
 * ceiling; copy as markdown, download JSON). Settings can come from the address:
 * `?imgsz=320&runs=10&inflight=4&timeout=600&ceiling=0&tune=1&ours=1&peers=ort-wasm,ort-webgpu`.
 * `window.__bench` is what `npm run bench` and the tests read.
 */
import { gemmMarkdown, markdown, type BenchResult } from '../report.js';
import { PEERS, runBenchmark, type Setup, type Step } from './benchmark.js';
import { chartHtml } from './chart.js';
import { envHtml, probe, type Probe } from './environment.js';
import { runIsolated } from './isolate.js';
import { markdownHtml } from './markdown-html.js';
import type { Converted } from './prepare.js';
import { sniff } from '../../src/io/sniff.js';
import { testPicture } from './test-picture.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** starting: probing the adapter; idle: waiting for a model or a click; done: a result is shown. */
type State = 'starting' | 'idle' | 'converting' | 'running' | 'done';
const page = {
  state: 'starting' as State, probe: undefined as Probe | undefined, model: undefined as string | undefined, modelError: undefined as string | undefined,
  steps: [] as Step[], result: undefined as BenchResult | undefined, markdown: undefined as string | undefined,
  /** Show a result (a saved JSON) as if it had just been measured. */
  show: (r: BenchResult) => show(r),
};
(window as unknown as { __bench: typeof page }).__bench = page;

let model: Setup['model'] | undefined;
let image: { name: string; bytes: Uint8Array } | undefined;
/** Peer names from the address that the page has no checkbox for: reported as failed rows. */
const extraPeers: string[] = [];

const say = (m: string, error = false) => {
  $('message').textContent = m;
  $('message').className = error ? 'error' : '';
};
const setState = (s: State) => {
  page.state = s;
  $<HTMLButtonElement>('run').disabled = !model || s === 'starting' || s === 'converting' || s === 'running';
};

function applyParams() {
  for (const k of ['imgsz', 'runs', 'inflight', 'timeout']) if (params.has(k)) $<HTMLInputElement>(k).value = params.get(k)!;
  if (params.has('ceiling')) $<HTMLInputElement>('ceiling').checked = params.get('ceiling') !== '0';
  if (params.has('tune')) $<HTMLInputElement>('tune').checked = params.get('tune') !== '0';
  const boxes = [...document.querySelectorAll<HTMLInputElement>('#peers input')];
  if (params.has('ours')) boxes.find((b) => b.value === 'ours')!.checked = params.get('ours') !== '0';
  if (params.has('peers')) {
    const want = params.get('peers')!.split(',').filter(Boolean);
    for (const b of boxes) if (b.value !== 'ours') b.checked = want.includes(b.value);
    extraPeers.push(...want.filter((p) => !(PEERS as readonly string[]).includes(p)));
    if (extraPeers.length) say(`unknown runtime in the address: ${extraPeers.join(', ')} (reported as failed)`);
  }
}

function size(v: string): [number, number] {
  const p = v.split(/[,x×]/).map((x) => Number(x.trim()));
  const s: [number, number] = p.length === 1 ? [p[0], p[0]] : [p[0], p[1]];
  if (p.length > 2 || s.some((x) => !Number.isInteger(x) || x < 32 || x % 32)) throw new Error(`input size ${v}: multiples of 32, N or H,W`);
  return s;
}

async function chooseFile(file: File) {
  if (page.state === 'running') return say('a run is under way: choose files when it has finished', true);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const kind = sniff(bytes.subarray(0, 512));
  if (kind === 'jpeg' || kind === 'png') {
    image = { name: file.name, bytes };
    $('image-info').textContent = `${file.name} (${(bytes.length / 1024).toFixed(0)} KB)`;
    return;
  }
  const prev = page.state === 'done' ? 'done' : 'idle';
  setState('converting');
  $('model-info').className = 'hint';
  $('model-info').textContent = `reading ${file.name}…`;
  try {
    const converted = await runIsolated<Converted>('convert', { bytes, name: file.name }, 300);
    model = { name: file.name, bytes, converted };
    page.model = converted.summary;
    page.modelError = undefined;
    $('model-info').textContent = `${file.name}: ${converted.summary}`;
    if (converted.kind === 'tflite' && !params.has('peers')) for (const b of document.querySelectorAll<HTMLInputElement>('#peers input[value^="litert"]')) b.checked = true;
  } catch (e) {
    page.modelError = (e as Error).message;
    $('model-info').className = 'error';
    $('model-info').textContent = `${page.modelError}${model ? ` (still using ${model.name})` : ''}`;
  }
  setState(prev);
}

function renderSteps(steps: Step[]) {
  page.steps = steps.map((s) => ({ ...s }));
  $('steps').innerHTML = steps.map((s) => `<li class="step ${s.state}"><strong>${esc(s.name)}</strong> <span class="state">${s.state}${s.ms !== undefined ? ` · ${(s.ms / 1000).toFixed(1)} s` : ''}</span> <span class="hint">${esc(s.line)}</span></li>`).join('');
}

function show(r: BenchResult) {
  const md = markdown(r);
  page.result = r;
  page.markdown = md;
  // The report's own lines: the table, then ours in detail (without its top-12 table: the chart shows
  // every kernel; without the heading and the adapter line: the machine panel shows them).
  const [main] = md.split('\nper-kernel GPU time');
  const lines = main.split('\n').filter((l) => !l.startsWith('## ') && !l.startsWith('adapter '));
  const tableEnd = lines.findIndex((l, i) => i > 0 && lines[i - 1].startsWith('|') && !l.startsWith('|'));
  $('table').innerHTML = markdownHtml(lines.slice(0, tableEnd).join('\n'));
  $('summary').innerHTML = lines.slice(tableEnd).filter((l) => l.trim() && !l.startsWith('GEMM ceiling') && !l.startsWith('|')).map((l) => `<li>${markdownHtml(l).replace(/^<p>|<\/p>$/g, '')}</li>`).join('');
  const ceiling = typeof r.gemm === 'object' ? r.gemm.ceiling : undefined;
  $('chart').innerHTML = chartHtml(r.ours, ceiling);
  $('gemm').innerHTML = typeof r.gemm === 'object' ? markdownHtml(gemmMarkdown(r.gemm)) : r.gemm ? `<p>GEMM ceiling: ${esc(r.gemm)}</p>` : '';
  $('markdown').textContent = md;
  $('results').hidden = false;
}

async function run() {
  if (!model || !page.probe) return;
  let sz: [number, number];
  try {
    sz = size($<HTMLInputElement>('imgsz').value);
  } catch (e) {
    return say((e as Error).message, true);
  }
  const checked = [...document.querySelectorAll<HTMLInputElement>('#peers input:checked')].map((b) => b.value);
  const setup: Setup = {
    model, image: image?.bytes ?? (await testPicture()), size: sz,
    runs: Math.max(1, Number($<HTMLInputElement>('runs').value) || 1), inflight: Math.max(1, Number($<HTMLInputElement>('inflight').value) || 1),
    timeout: Math.max(5, Number($<HTMLInputElement>('timeout').value) || 1200), ceiling: $<HTMLInputElement>('ceiling').checked,
    tune: $<HTMLInputElement>('tune').checked,
    ours: checked.includes('ours'), peers: [...checked.filter((p) => p !== 'ours'), ...extraPeers], litertDir: new URL('litert/', document.baseURI).href,
  };
  setState('running');
  say('');
  $('progress').hidden = false;
  $('results').hidden = true;
  try {
    show(await runBenchmark(setup, page.probe, renderSteps));
    say('done');
  } catch (e) {
    say(`the run stopped: ${(e as Error).message}`, true);
  } finally {
    setState('done');
  }
}

function download(name: string, text: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function wire() {
  $<HTMLInputElement>('model').onchange = (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void chooseFile(f);
  };
  $<HTMLInputElement>('image').onchange = (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void chooseFile(f);
  };
  document.body.addEventListener('dragover', (e) => (e.preventDefault(), $('drop').classList.add('drag')));
  document.body.addEventListener('dragleave', () => $('drop').classList.remove('drag'));
  document.body.addEventListener('drop', (e) => {
    e.preventDefault();
    $('drop').classList.remove('drag');
    for (const f of e.dataTransfer?.files ?? []) void chooseFile(f);
  });
  $('run').onclick = () => void run();
  $('copy-md').onclick = async () => {
    if (!page.markdown) return;
    try {
      await navigator.clipboard.writeText(page.markdown);
      say('markdown copied');
    } catch {
      getSelection()?.selectAllChildren($('markdown'));
      say(document.execCommand('copy') ? 'markdown copied' : 'copy it from "Markdown" below', false);
    }
  };
  $('download-json').onclick = () => page.result && download(`yolo11-webgpu-bench-${page.result.date.replace(/[:.]/g, '-')}.json`, `${JSON.stringify(page.result, null, 2)}\n`);
}

async function start() {
  wire();
  applyParams();
  const p = await probe();
  page.probe = p;
  $('env-body').innerHTML = envHtml(p);
  if (p.noGpu) {
    $('nogpu').hidden = false;
    $('nogpu-reason').textContent = p.noGpu;
    for (const b of document.querySelectorAll<HTMLInputElement>('#peers input')) if (!/wasm$/.test(b.value)) (b.checked = false), (b.disabled = true);
    $<HTMLInputElement>('ceiling').checked = false;
  }
  setState('idle');
}

void start();
