/**
 * The post-processing part of the plan: fused decode (writes output0 and candidates), then GPU NMS.
 * Also what changes per call (conf, classes, IoU, maxDet, letterbox geometry) and how the
 * detections buffer is read back.
 */
import type { Dispatch, View } from '../ops/types.js';
import { COUNTERS_BYTES, candidatesBytes, classMaskBytes, planDecode } from '../ops/decode.js';
import { detectionsBytes, nmsUniforms, orderBytes, planNms, type NmsCallParams } from '../ops/nms.js';
import type { GraphBuilder, TensorRef } from './graph.js';
import type { Executor, ExtraBuffer } from './executor.js';

export const DECODE_LABEL = 'model.23.decode';
export const NMS_LABEL = 'nms';

export interface RawDetection {
  box: [number, number, number, number];
  score: number;
  classId: number;
}

export interface PostPlan {
  maxCandidates: number;
  maxDet: number;
  detectionsBuffer: string;
  detectionsBytes: number;
  addDecodeAndNms(levels: TensorRef[]): void;
  ranges(d: Dispatch[]): { network: [number, number]; nms: [number, number] };
  extraBuffers(): Record<string, ExtraBuffer>;
  writeDecodeUniforms(ex: Executor, o: { conf: number; classes?: number[] }): void;
  writeNmsUniforms(ex: Executor, o: { iou: number; maxDet: number; agnostic: boolean }, src: Omit<NmsCallParams, 'iou' | 'maxDet' | 'agnostic'>): void;
  encodeResets(enc: GPUCommandEncoder, ex: Executor): void;
  parseDetections(raw: ArrayBuffer): RawDetection[];
}

export function planPost(
  g: GraphBuilder,
  o: { nc: number; input: TensorRef; output0: TensorRef; inputSize: [number, number]; maxCandidates?: number; maxDet?: number },
): PostPlan {
  const anchors = o.output0.w;
  // Every anchor can be a candidate: no candidate is ever dropped before NMS (Ultralytics keeps 30000 ≥ 8400 at 640).
  const maxCandidates = o.maxCandidates ?? anchors;
  const maxDet = o.maxDet ?? 300;
  let decode: Dispatch | undefined;
  let levelViews: View[] = [];
  const post: PostPlan = {
    maxCandidates,
    maxDet,
    detectionsBuffer: 'detections',
    detectionsBytes: detectionsBytes(maxDet),
    addDecodeAndNms(levels) {
      g.step(DECODE_LABEL, levels, [o.output0], (v) => {
        levelViews = levels.map((l) => v(l));
        decode = planDecode({ label: DECODE_LABEL, levels: levelViews, nc: o.nc, output0: v(o.output0), maxCandidates });
        return [decode];
      });
      g.step(NMS_LABEL, [], [], () => planNms(NMS_LABEL, maxCandidates, maxDet));
    },
    ranges(d) {
      const end = d.findIndex((x) => x.label === DECODE_LABEL) + 1;
      return { network: [0, end], nms: [end, d.length] };
    },
    extraBuffers: () => ({
      candidates: { bytes: candidatesBytes(maxCandidates) },
      counters: { bytes: COUNTERS_BYTES },
      classmask: { bytes: classMaskBytes(o.nc) },
      order: { bytes: orderBytes(maxCandidates) },
      detections: { bytes: detectionsBytes(maxDet) },
    }),
    writeDecodeUniforms(ex, c) {
      ex.writeUniforms(ex.indexOf(DECODE_LABEL), { ...decode!.uniforms, conf: c.conf });
      const mask = new Uint32Array(Math.ceil(o.nc / 32));
      if (c.classes) for (const k of c.classes) mask[k >> 5] |= 1 << (k & 31);
      else mask.fill(0xffffffff);
      ex.device.queue.writeBuffer(ex.buffers.get('classmask')!, 0, mask);
    },
    writeNmsUniforms(ex, c, src) {
      ex.writeUniforms(ex.indexOf(`${NMS_LABEL}.greedy`), nmsUniforms(maxCandidates, { ...src, iou: c.iou, maxDet: c.maxDet, agnostic: c.agnostic }));
    },
    encodeResets(enc, ex) {
      enc.clearBuffer(ex.buffers.get('counters')!);
    },
    parseDetections(raw) {
      const f = new Float32Array(raw);
      const n = Math.min(f[0], maxDet);
      const out: RawDetection[] = [];
      for (let i = 0; i < n; i++) {
        const b = 4 + i * 8;
        out.push({ box: [f[b], f[b + 1], f[b + 2], f[b + 3]], score: f[b + 4], classId: f[b + 5] });
      }
      return out;
    },
  };
  return post;
}
