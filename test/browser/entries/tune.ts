/**
 * In-page entry for the tuner tests: measuring candidates on a real convolution (one of them
 * deliberately wrong), and createDetector({ tune }) with the IndexedDB cache, including a corrupt entry.
 */
import { createDetector } from '../../../src/detector.js';
import { requestGPUContext } from '../../../src/gpu/device.js';
import { PipelineCache } from '../../../src/gpu/pipelines.js';
import { CONV_VARIANTS, GENERIC, type ConvVariant } from '../../../src/ops/conv-variants.js';
import { planConv } from '../../../src/ops/conv.js';
import { measureCandidates } from '../../../src/tune/measure.js';
import { indexedDbStore } from '../../../src/tune/cache.js';

/** A 3×3 stride-1 convolution timed with the generic kernel, every 3×3 s1 variant, and a stride-2 kernel posing as stride 1. */
export async function measureWithImpostor() {
  const { device } = await requestGPUContext();
  try {
    const d = planConv({ label: 'c', input: { offset: 0, c: 24, h: 21, w: 19 }, output: { offset: 0, c: 40, h: 21, w: 19 }, k: 3, stride: 1, groups: 1, act: true, weightOffset: 0, biasOffset: 0, residual: { offset: 0, c: 40, h: 21, w: 19 } });
    const s2 = CONV_VARIANTS.find((v) => v.kind === '3x3s2' && !v.subgroups)!;
    const impostor: ConvVariant = { ...s2, id: 'impostor', kind: '3x3s1' };
    const cands = [GENERIC, ...CONV_VARIANTS.filter((v) => v.kind === '3x3s1' && !v.wide && (!v.subgroups || device.features.has('subgroups'))), impostor];
    return await measureCandidates(device, new PipelineCache(device), { shape: '3x3s1/S', coarse: '3x3s1/S', dispatch: { ...d, conv: d.conv! }, flops: d.flops!, shapeFlops: d.flops! }, cands);
  } finally {
    device.destroy();
  }
}

/** Loads with tune: true — measured, then cached, then (after corrupting the entry) measured again — and one given the first choice. */
export async function tuneTwiceThenCorrupt(weightsUrl: string) {
  const out: { source: string; byClass: Record<string, string>; boxes: number }[] = [];
  const input = new Float32Array(3 * 64 * 96).map((_, i) => (i % 97) / 97);
  // One device for every load: the second measuring pass reuses the first's compiled candidates.
  const { device } = await requestGPUContext();
  const load = async (tune: Parameters<typeof createDetector>[0]['tune'] = true) => {
    const det = await createDetector({ model: weightsUrl, inputSize: [64, 96], tune, device });
    try {
      const y = await det.forward(input);
      out.push({ source: det.info.tuning.source, byClass: det.info.tuning.byClass, boxes: y.length });
      return det.info.tuning;
    } finally {
      det.destroy();
    }
  };
  await load();
  await load();
  // Corrupt every stored entry in place (same key, nonsense choice), as a stale or foreign cache would be.
  const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open('yolo11-webgpu', 1); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const keys = await new Promise<IDBValidKey[]>((res) => { const r = db.transaction('conv-tuning').objectStore('conv-tuning').getAllKeys(); r.onsuccess = () => res(r.result); });
  await new Promise<void>((res) => {
    const tx = db.transaction('conv-tuning', 'readwrite');
    for (const k of keys) tx.objectStore('conv-tuning').put({ key: k, byClass: { 'pw/M': 'no-such-kernel' } }, k);
    tx.oncomplete = () => res();
  });
  db.close();
  await load();
  await load({ choice: out[0].byClass }); // a choice measured before, replayed without measuring
  const store = indexedDbStore();
  const rebuilt = await store.get(String(keys[0]));
  device.destroy();
  return { loads: out, keys: keys.length, rebuilt: rebuilt?.byClass };
}
