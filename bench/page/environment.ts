/**
 * What the page knows before anything runs: the WebGPU adapter (vendor, architecture, description,
 * subgroup sizes), its features and the limits that matter to a detector, the browser, and whether the
 * page is cross-origin isolated (wasm threads). The same object goes into the JSON as `env`.
 */
import type { BenchResult } from '../report.js';

export type Env = NonNullable<BenchResult['env']>;

/** Limits shown on the page (all of them go into the JSON). */
export const KEY_LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension', 'maxTextureDimension2D'];

/** "Chrome/138.0.7204.92" from the user agent (Edge, Opera, Firefox and Safari named as themselves). */
export function browserName(ua = navigator.userAgent): string {
  const m = ua.match(/(HeadlessChrome|Edg|OPR|Firefox)\/[\d.]+/) ?? ua.match(/Chrome\/[\d.]+/);
  if (m) return m[0];
  const safari = ua.match(/Version\/([\d.]+).*Safari/);
  return safari ? `Safari/${safari[1]}` : ua;
}

/** The full version where the browser tells it (User-Agent Client Hints), else the user agent's. */
async function fullBrowserName(): Promise<string> {
  const ua = browserName();
  const data = (navigator as Navigator & { userAgentData?: { getHighEntropyValues(h: string[]): Promise<{ fullVersionList?: { brand: string; version: string }[] }> } }).userAgentData;
  const list = await data?.getHighEntropyValues(['fullVersionList']).then((v) => v.fullVersionList ?? [], () => []);
  const brand = list?.filter((b) => !/not.a.brand/i.test(b.brand)).sort((a, b) => Number(a.brand === 'Chromium') - Number(b.brand === 'Chromium'))[0];
  if (!brand) return ua;
  const name = ua.startsWith('HeadlessChrome/') ? 'HeadlessChrome' : brand.brand.replace(/^Google /, '');
  return `${name}/${brand.version}`;
}

export interface Probe { env?: Env; browser: string; noGpu?: string; crossOriginIsolated: boolean; threads: number }

export async function probe(): Promise<Probe> {
  const base = { browser: await fullBrowserName(), crossOriginIsolated: self.crossOriginIsolated, threads: navigator.hardwareConcurrency };
  if (!navigator.gpu) return { ...base, noGpu: 'navigator.gpu is missing: this browser has no WebGPU, or it is turned off.' };
  const a = await navigator.gpu.requestAdapter().catch(() => null);
  if (!a) return { ...base, noGpu: 'This browser has WebGPU but found no usable GPU adapter (a blocklisted driver, or no GPU).' };
  const i = a.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  const adapter: Env['adapter'] = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description };
  if (i.subgroupMinSize) adapter.subgroupMinSize = i.subgroupMinSize;
  if (i.subgroupMaxSize) adapter.subgroupMaxSize = i.subgroupMaxSize;
  const limits: Record<string, number> = {};
  for (const k in a.limits) limits[k] = (a.limits as unknown as Record<string, number>)[k];
  return { ...base, env: { adapter, features: [...a.features].sort(), limits, userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated, threads: navigator.hardwareConcurrency } };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const bytes = (v: number) => (v >= 2 ** 30 ? `${(v / 2 ** 30).toFixed(1)} GiB` : v >= 2 ** 20 ? `${(v / 2 ** 20).toFixed(0)} MiB` : v >= 1024 ? `${(v / 1024).toFixed(0)} KiB` : String(v));

/** The machine panel's HTML. */
export function envHtml(p: Probe): string {
  const rows: [string, string][] = [];
  if (p.env) {
    const a = p.env.adapter;
    rows.push(['adapter', [a.vendor, a.architecture, a.device].filter(Boolean).join(' · ') || '(not reported)']);
    if (a.description) rows.push(['description', String(a.description)]);
    rows.push(['subgroup sizes', a.subgroupMinSize ? `${a.subgroupMinSize}–${a.subgroupMaxSize}` : 'not reported']);
    rows.push(['features', p.env.features.join(', ') || 'none']);
    rows.push(['key limits', KEY_LIMITS.filter((k) => k in p.env!.limits).map((k) => `${k} ${/Size$/.test(k) && p.env!.limits[k] > 65536 ? bytes(p.env!.limits[k]) : p.env!.limits[k]}`).join(', ')]);
    if (!p.env.features.includes('timestamp-query')) rows.push(['per-kernel times', 'unavailable: no timestamp-query on this adapter (the rest runs)']);
  } else rows.push(['WebGPU', p.noGpu ?? 'unavailable']);
  rows.push(['browser', `${p.browser}; ${p.threads} logical cores`]);
  rows.push(['wasm threads', p.crossOriginIsolated ? 'yes (cross-origin isolated)' : 'no: the page is not cross-origin isolated (serve it with COOP/COEP headers), ORT wasm runs on one thread']);
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}
