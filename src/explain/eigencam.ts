/**
 * EigenCAM on the GPU (pytorch-grad-cam's EigenCAM, as used with YOLO): for each chosen layer, the
 * first principal component of its activations (shaders/cam-gram.wgsl: channel means and the C × C
 * Gram matrix of the centred activations; cam-power.wgsl: its dominant eigenvector by power
 * iteration), each pixel projected on it and clamped at 0 (cam-project.wgsl); the layer maps
 * normalised, resampled into image pixels through the letterbox and averaged, then normalised to
 * [0, 1] (cam-combine.wgsl). The layers are read while they are still in the arena: the network is
 * encoded in segments, each ending after the last dispatch of layers ≤ N, followed by layer N's CAM.
 * src/explain/eigencam-ref.ts is the float64 reference.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ModelPlan } from '../plan/model-plan.js';
import { grid1d, type Dispatch, type View } from '../ops/types.js';

/** Detect's inputs in YOLO11 (yolo11.yaml's head: P3, P4, P5): the default layers. */
export const DEFAULT_CAM_LAYERS = ['model.16', 'model.19', 'model.22'];
/** cam-combine.wgsl averages at most this many layers; cam-power.wgsl holds at most MAX_C channels. */
const MAX_LAYERS = 4;
const MAX_C = 1024;
const WG = 64;

export interface CamLayer {
  name: string;
  view: View;
  stride: number;
  /** Dispatches [0, end) of the plan compute this layer and everything before it. */
  end: number;
}

const layerIndex = (label: string) => Number(/^model\.(\d+)(?:\.|$)/.exec(label)?.[1] ?? NaN);

/** The layers named by `explain({ layer })`, checked, in network order. */
export function resolveCamLayers(plan: ModelPlan, layer?: string | string[]): CamLayer[] {
  const names = layer == null ? DEFAULT_CAM_LAYERS : Array.isArray(layer) ? layer : [layer];
  const last = plan.spec.layers.length - 2; // the layer before Detect
  const range = `model.0 … model.${last} (default: ${DEFAULT_CAM_LAYERS.join(', ')})`;
  if (names.length < 1 || names.length > MAX_LAYERS) throw new InvalidArgumentError(`explain(): layer must name 1 to ${MAX_LAYERS} layers of ${range}, got ${names.length}`);
  const [H] = plan.inputSize;
  const out = names.map((name) => {
    const n = layerIndex(String(name));
    const view = plan.layers.get(String(name));
    if (typeof name !== 'string' || !(n >= 0 && n <= last) || !view || name !== `model.${n}`) throw new InvalidArgumentError(`explain(): layer ${JSON.stringify(name)} is not one of ${range}`);
    if (view.c > MAX_C) throw new InvalidArgumentError(`explain(): layer ${name} has ${view.c} channels, more than the ${MAX_C} supported`);
    let end = plan.dispatches.findIndex((d) => layerIndex(d.label) > n);
    if (end < 0) end = plan.dispatches.length;
    return { name, view, stride: H / view.h, end };
  });
  if (new Set(names).size !== names.length) throw new InvalidArgumentError(`explain(): layer names must differ, got ${names.join(', ')}`);
  return out.sort((a, b) => a.end - b.end);
}

export interface CamPlan {
  dispatches: Dispatch[];
  /** Buffer sizes in bytes. */
  buffers: Record<string, { bytes: number }>;
  /** Per layer, its dispatch range in `dispatches`. */
  perLayer: [number, number][];
  /** The two combine dispatches (their workgroups depend on the image). */
  combine: [number, number];
  /** combine's layer fields. */
  combineUniforms: { off: number[]; h: number[]; w: number[]; stride: number[]; layers: number };
}

/** The CAM dispatches for these layers, reading the arena bound as `arena0`. */
export function planCam(layers: CamLayer[]): CamPlan {
  let m = 0;
  let g = 0;
  let p = 0;
  const dispatches: Dispatch[] = [];
  const perLayer: [number, number][] = [];
  const off: number[] = [];
  layers.forEach((l, k) => {
    const { c, h, w, offset } = l.view;
    const P = h * w;
    const start = dispatches.length;
    const gram = { x_off: offset, c, p: P, m_off: m, g_off: g };
    const bufs = { arena: 'arena0', mean: 'cam.mean', gram: 'cam.gram' };
    dispatches.push(
      { label: `cam.${l.name}.mean`, shader: 'cam-gram', constants: {}, uniforms: { ...gram, mode: 0 }, workgroups: c > 65535 ? [65535, Math.ceil(c / 65535), 1] : [c, 1, 1], buffers: bufs },
      { label: `cam.${l.name}.gram`, shader: 'cam-gram', constants: {}, uniforms: { ...gram, mode: 1 }, workgroups: [Math.ceil(c / 16), Math.ceil(c / 16), 1], buffers: bufs, flops: 2 * c * c * P },
      { label: `cam.${l.name}.power`, shader: 'cam-power', constants: {}, uniforms: { c, g_off: g, v_off: m, layer: k }, workgroups: [1, 1, 1], buffers: { gram: 'cam.gram', vec: 'cam.vec', stat: 'cam.stat' } },
      { label: `cam.${l.name}.project`, shader: 'cam-project', constants: { WG }, uniforms: { x_off: offset, c, p: P, m_off: m, v_off: m, p_off: p, layer: k }, workgroups: grid1d(P, WG), buffers: { arena: 'arena0', mean: 'cam.mean', vec: 'cam.vec', proj: 'cam.proj', stat: 'cam.stat' } },
    );
    perLayer.push([start, dispatches.length]);
    off.push(p);
    m += c;
    g += c * c;
    p += P;
  });
  const pad = (a: number[]) => [...a, ...Array(MAX_LAYERS - a.length).fill(1)];
  const combineUniforms = { off: pad(off), h: pad(layers.map((l) => l.view.h)), w: pad(layers.map((l) => l.view.w)), stride: pad(layers.map((l) => l.stride)), layers: layers.length };
  const combineBase = { label: 'cam.combine', shader: 'cam-combine', constants: { WG }, workgroups: [1, 1, 1] as [number, number, number], buffers: { proj: 'cam.proj', stat: 'cam.stat', map: 'cam.map' } };
  const start = dispatches.length;
  const image = { img_w: 1, img_h: 1, new_w: 1, new_h: 1, left: 0, top: 0 }; // per call (CamRunner)
  dispatches.push({ ...combineBase, uniforms: { ...combineUniforms, ...image, phase: 0 } }, { ...combineBase, label: 'cam.normalize', uniforms: { ...combineUniforms, ...image, phase: 1 } });
  const f = (n: number) => ({ bytes: Math.max(16, n * 4) });
  return {
    dispatches, perLayer, combine: [start, start + 1], combineUniforms,
    buffers: { 'cam.mean': f(m), 'cam.vec': f(m), 'cam.gram': f(g), 'cam.proj': f(p), 'cam.stat': f(20), 'cam.map': f(4) },
  };
}

/** The stat buffer's starting contents: each min at +inf, each max at 0. */
export function camStatInit(): Uint32Array {
  const s = new Uint32Array(20);
  for (let k = 0; k < MAX_LAYERS; k++) s[4 * k] = 0x7f800000;
  s[16] = 0x7f800000;
  return s;
}

export const combineWorkgroups = (w: number, h: number) => grid1d(w * h, WG);
