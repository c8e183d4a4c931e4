/**
 * The benchmark page's pure parts, in Node: which peer variants a model gets (and why a peer cannot
 * run), the report's markdown shown as HTML, and the per-kernel chart with and without timestamps.
 */
import { expect, test } from 'vitest';
import { variants, type Setup } from '../../bench/page/benchmark.js';
import { chartHtml } from '../../bench/page/chart.js';
import { browserName } from '../../bench/page/environment.js';
import { markdownHtml } from '../../bench/page/markdown-html.js';
import { gemmMarkdown, multiStepPays, markdown, type BenchResult, type OursResult } from '../../bench/report.js';
import { HOPELESS, HOPELESS_MS, OUTPUT_COST_SHAPE, hopeless, outputCost, type GemmResult } from '../../bench/gemm.js';
import { abMarkdown, choiceOf } from '../../bench/ab-report.js';
import { gemmKernels } from '../../bench/gemm-kernels.js';

const setup = (kind: 'onnx' | 'tflite' | 'y11w', peers: string[]): Setup => ({
  model: { name: `m.${kind}`, bytes: new Uint8Array(8), converted: { kind, weights: new Uint8Array(8), summary: '', imgsz: [640, 640], task: 'detect' } },
  image: new Uint8Array(0), size: [64, 64], runs: 1, inflight: 1, timeout: 10, ceiling: false, ours: true, peers, litertDir: 'http://x/litert/',
});

test('peer variants: ORT WebGPU in both layouts and both IO modes; a peer that cannot run says why', () => {
  const names = (s: Setup, gpu = true) => variants(s, gpu).map((v) => ('reason' in v ? `${v.name}: ${v.reason}` : v.name));
  expect(names(setup('onnx', ['ort-webgpu', 'ort-wasm', 'litert-wasm', 'x']))).toEqual([
    'ort-webgpu NCHW', 'ort-webgpu NCHW IO on GPU', 'ort-webgpu NHWC', 'ort-webgpu NHWC IO on GPU', 'ort-wasm',
    'litert-wasm: failed: needs a TFLite model (--model *.tflite)',
    'x: failed: unknown peer (known: ort-webgpu, ort-wasm, litert-wasm, litert-webgpu)',
  ]);
  expect(names(setup('tflite', ['ort-wasm', 'litert-webgpu', 'litert-wasm']), false)).toEqual([
    'ort-wasm: failed: needs an ONNX model (--model *.onnx)', 'litert-webgpu: failed: no WebGPU adapter in this browser', 'litert-wasm',
  ]);
  expect(names(setup('y11w', ['ort-webgpu']))).toEqual(['ort-webgpu: failed: needs an ONNX model (--model *.onnx)']);
});

const ours: OursResult = {
  setupMs: { compile: 5 }, createMs: 10, firstMs: 20, coldMs: 30, forward: { median: 4, p90: 5, min: 3, runs: 3 }, detect: { median: 5, p90: 6, min: 4, runs: 3 },
  throughput: { inflight: 2, imagesPerSecond: 100 }, dispatches: 3, flops: 6e6, parity: { maxAbs: 1e-5, rel: 1e-7 },
  profile: [{ label: 'model.0', shader: 'conv2d', ms: 2, flops: 4e6, variant: 'rt-3x3s2' }, { label: 'model.23.decode', shader: 'detect-decode', ms: 0.5, flops: 0 }],
};
const result: BenchResult = { date: 'd', model: 'm.onnx', imgsz: [64, 64], runs: 3, browser: 'Chrome/1', ours, peers: { 'ort-wasm': { createMs: 1, firstMs: 2, warm: { median: 8, p90: 9, min: 7, runs: 3 }, threads: 2 }, nope: 'failed: unknown peer' } };

test("the report's markdown as HTML: the same table, cells escaped", () => {
  const html = markdownHtml(markdown(result));
  expect(html).toContain('<th>warm median</th>');
  expect(html).toContain('<td><strong>yolo11-webgpu forward()</strong></td>');
  expect(html).toContain('<td>ort-wasm (2 threads)</td>');
  expect(html).toContain('<td>ours 2.00× faster</td>');
  // The host, where the CLI knows it (a page does not): CPU adapters' figures depend on it.
  expect(markdown({ ...result, host: { cpu: 'AMD EPYC', cores: 2, os: 'Linux 6.1' } })).toContain('\nhost AMD EPYC, 2 logical cores, Linux 6.1\n');
  expect(markdown(result)).not.toContain('logical cores');
  expect(markdownHtml('| a |\n|---|\n| <script> |')).toContain('&#60;script&#62;');
});

test('the chart: a bar per dispatch, share of the ceiling for kernels with FLOPs; unavailable without timestamps', () => {
  const html = chartHtml(ours, 4);
  expect(html.match(/class="bar-row"/g)).toHaveLength(2);
  expect(html).toContain('<span class="num">50 %</span>'); // 4 MFLOP in 2 ms = 2 GFLOP/s of 4
  expect(chartHtml({ ...ours, profile: 'no timestamp-query on this adapter' }, 4)).toMatch(/per-kernel GPU times unavailable: no timestamp-query/);
  expect(chartHtml('failed: boom')).toMatch(/ours did not run \(failed: boom\)/);
});

test('im2col kernels in the report: whether their extra dispatch paid for itself, by the tuner\'s own timings, and their unfolding time', () => {
  const tuning = {
    source: 'measured',
    byClass: { '3x3s2/16>32@80x80': 'rt-3x3s2-i2c-m16n16-sg-16x4', '3x3s1/8>8@20x20': 'rt-3x3s1-i2c-m16n8-sg-16x4', '3x3s2/M': 'rt-3x3s2-i2c-m16n16-sg-16x4', 'pw/8>8@20x20': 'rt-pw-m16n8-sg-16x4' },
    timings: {
      '3x3s2/16>32@80x80': { 'rt-3x3s2-i2c-m16n16-sg-16x4': 10, 'rt-3x3s2-px-m16n8-sg-8x4': 12, 'rt-3x3s2-m16n4-sg-16x4': 15, 'tiled-32x32': 'failed: x' },
      '3x3s1/8>8@20x20': { 'rt-3x3s1-i2c-m16n8-sg-16x4': 2, 'rt-3x3s1-i2c-m16n4-sg-16x4': 1.5, 'rt-3x3s1-m8n4-sg-16x4': 2.5 },
    },
  };
  // Exact shapes only (the class entry has no timings of its own); the best non-im2col time per shape.
  expect(multiStepPays(tuning)).toEqual({ shapes: 2, im2col: 2, winograd: 0, multi: 12, direct: 14.5 });
  expect(multiStepPays({ ...tuning, byClass: { 'pw/8>8@20x20': 'rt-pw-m16n8-sg-16x4' } })).toBeUndefined();
  // A Winograd choice counts as a multi-dispatch one; other multi-dispatch kernels are not the "direct" side.
  const wino = { ...tuning, byClass: { '3x3s1/8>8@20x20': 'rt-3x3s1-wino-m16n8-sg-16x4' }, timings: { '3x3s1/8>8@20x20': { 'rt-3x3s1-wino-m16n8-sg-16x4': 1, 'rt-3x3s1-i2c-m16n4-sg-16x4': 0.5, 'rt-3x3s1-m8n4-sg-16x4': 2.5 } } };
  expect(multiStepPays(wino)).toEqual({ shapes: 1, im2col: 0, winograd: 1, multi: 1, direct: 2.5 });
  const md = markdown({ ...result, ours: { ...ours, tuning, profile: [{ label: 'model.3', shader: 'conv-rt-pw-m16n16-sg', ms: 3, flops: 4e6, variant: 'rt-3x3s2-i2c-m16n16-sg-16x4', prologueMs: 0.5 }] } });
  expect(md).toContain('multi-dispatch kernels chosen for 2 shapes (2 im2col: two dispatches each, three where K is split; 0 Winograd: three); the tuner\'s times for them in this run: 12.0 ms against 14.5 ms');
  expect(md).toContain("1 convolutions run as im2col + 1×1: 3.0 ms of GPU time, of which unfolding 0.5 ms");
  const winoRows = [{ label: 'a', shader: 'conv-rt-pw-m16n8-sg', ms: 2, flops: 4e6, variant: 'rt-3x3s1-wino-m16n8-sg-16x4', prologueMs: 0.5 }, { label: 'b', shader: 'conv-rt-pw-m16n8-sg', ms: 3, flops: 4e6, variant: 'rt-3x3s1-wino4-m16n8-sg-16x4', prologueMs: 1 }];
  expect(markdown({ ...result, ours: { ...ours, profile: winoRows } })).toContain('2 convolutions run as Winograd (1 F(2×2, 3×3), 1 F(4×4, 3×3)): 5.0 ms of GPU time with both transforms, of which the input transforms 1.5 ms');
});

test('the browser from its user agent', () => {
  expect(browserName('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36 Edg/138.0.0.0')).toBe('Edg/138.0.0.0');
  expect(browserName('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36')).toBe('HeadlessChrome/156.0.0.0');
  expect(browserName('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15')).toBe('Safari/26.0');
});

test('output cost: a kernel and its twin without writes split its time; the report says what that caps', () => {
  const s = OUTPUT_COST_SHAPE;
  const outputs = s.m * s.n;
  // 0.2 ns per multiply-add (K 32: 6.4 ns per output), 4 ns more per output written
  const row = (kernel: string, ns: number, withoutWrites?: string) => ({ shape: s.name, kernel, ms: (outputs * ns) / 1e6, gflops: 1, maxErr: 0, ...(withoutWrites ? { withoutWrites } : {}) });
  const rows = [row('a', 10.4), row('a without stores', 6.4, 'a'), row('b', 30), { shape: s.name, kernel: 'c', error: 'x' }, { ...row('a', 99), shape: 'other' }];
  const o = outputCost(rows, 10)!; // 10 GFLOP/s: 0.2 ns per multiply-add
  expect(o.kernel).toBe('a');
  expect(o.ms.map((x) => x * 1e6 / outputs)).toEqual([10.4, 6.4].map((x) => expect.closeTo(x, 6)));
  expect(o.ns).toBeCloseTo(4, 6);
  expect(o.fmas).toBeCloseTo(20, 6);
  expect(outputCost(rows.filter((r) => !('withoutWrites' in r)), 10)).toBeUndefined();
  const g: GemmResult = { adapter: {}, features: [], rows, perShape: {}, ceiling: 1, ceilingKernel: 'a', outputCost: o };
  expect(gemmMarkdown(g)).toMatch(/costs 4\.00 ns, as long as 20 multiply-adds at the ceiling's rate.*K \/ \(K \+ 20\) of the ceiling.*K 32: 62 %/);
  // A twin that was not faster (noise): no cost of 0 ns and no bound of 100 %, but that it bounds nothing.
  const noisy = outputCost([row('a', 10.4), row('a without stores', 11.5, 'a')], 10)!;
  expect(noisy.ns).toBe(0);
  const md = gemmMarkdown({ ...g, outputCost: noisy });
  expect(md).toMatch(/8\.52 ms, 9\.42 ms without them: the twin without writes was not faster in this run.*bounds nothing/);
  expect(md).not.toMatch(/costs 0\.00 ns|100 %/);
});

test('GEMM ceiling: a kernel whose long warm-up is HOPELESS× the shape\'s best so far is timed once, and the table says so', () => {
  expect(hopeless(4200, 360)).toBe(true); // the array loop at 1024³ on SwiftShader
  expect(hopeless(HOPELESS_MS, HOPELESS_MS / HOPELESS)).toBe(true);
  expect(hopeless(HOPELESS_MS - 1, 1)).toBe(false); // short runs: a warm-up's first-use costs may dominate
  expect(hopeless(1000, 1000 / HOPELESS + 1)).toBe(false);
  expect(hopeless(1000, Infinity)).toBe(false); // the shape's first kernel
  const rows = [
    { shape: 's', kernel: 'a', ms: 100, gflops: 6, maxErr: 0 },
    { shape: 's', kernel: 'b', ms: 1000, gflops: 0.6, maxErr: 0, once: true as const },
  ];
  const g: GemmResult = { adapter: {}, features: [], rows, perShape: { s: { kernel: 'a', gflops: 6 } }, ceiling: 6, ceilingKernel: 'a' };
  const md = gemmMarkdown(g);
  expect(md).toMatch(/\| b \| 0\.60¹ \|/);
  expect(md).toMatch(/¹ timed once \(its warm-up\): at least 3× the shape's best time so far/);
  expect(gemmMarkdown({ ...g, rows: [rows[0]] })).not.toMatch(/¹/);
});

test('bench:ab: a choice from a benchmark JSON or a plain map (anything else is refused); the side-by-side table', () => {
  const pw = 'rt-pw-m16n8-sg-16x4';
  expect(choiceOf({ ours: { tuning: { byClass: { 'pw/M': pw } } } }, 'a.json')).toEqual({ 'pw/M': pw });
  expect(choiceOf({ 'pw/M': pw, '3x3s1/64>64@20x20': 'tiled-32x32' }, 'b.json')).toEqual({ 'pw/M': pw, '3x3s1/64>64@20x20': 'tiled-32x32' });
  for (const bad of [null, [], { ours: {} }, { 'pw/M': 3 }, 'x']) expect(() => choiceOf(bad, 'c.json')).toThrow(/c\.json: neither/);
  // An unknown id, or one of another kind, would fall back to the default unseen: refused, named.
  expect(() => choiceOf({ 'pw/M': 'rt-pw-m16n99' }, 'd.json')).toThrow('d.json: not a kernel of this version for its key: pw/M → rt-pw-m16n99');
  expect(() => choiceOf({ '3x3s2/S': pw }, 'e.json')).toThrow(`3x3s2/S → ${pw}`);
  const md = abMarkdown({ ms: [[10, 12, 11], [9, 13, 10]], dispatches: [96, 98], adapter: 'a' }, ['a.json', 'b.json']);
  expect(md).toMatch(/\| a\.json \| 11\.0 ms \| 10\.0 ms \| 96 \| 1\.000× \|  \|/);
  expect(md).toMatch(/\| b\.json \| 10\.0 ms \| 9\.0 ms \| 98 \| 0\.909× \| 2 of 3 \|/);
});

test('GEMM ceiling: the subgroup kernels\' rows are as wide as the adapter\'s largest subgroup', () => {
  const rows = (sg: boolean, max?: number) => gemmKernels(sg, max).filter((k) => k.subgroups).map((k) => k.workgroup.join('×'));
  expect(rows(true, 4)).toEqual(['16×4', '16×4']); // SwiftShader: as before
  expect(rows(true)).toEqual(['16×4', '16×4']); // sizes not reported
  expect(rows(true, 32)).toEqual(['32×2', '32×2']); // NVIDIA, Apple, Intel at its widest
  expect(rows(true, 64)).toEqual(['64×1', '64×1']); // AMD
  expect(rows(true, 128)).toEqual([]); // wider than a workgroup of 64: none
  expect(rows(false, 32)).toEqual([]);
  expect(gemmKernels(true, 32).find((k) => k.subgroups)!.name).toBe('rt 16×8 coalesced subgroup (32×2)');
});
