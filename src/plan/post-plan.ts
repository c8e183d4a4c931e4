/**
 * The post-processing part of the plan for detect, segment and pose models: fused decode (writes
 * output0's boxes and scores, and candidates), the head's extra rows (Segment's mask coefficients,
 * Pose's decoded keypoints: head-extra.ts), then GPU NMS, then for pose the kept boxes' keypoints in
 * source pixels (pose-gather.ts). Also what changes per call (conf, classes, IoU, maxDet, letterbox
 * geometry) and how the detections buffer is read back. Segment's masks are assembled after NMS by
 * mask-assembler.ts.
 */
import type { Dispatch, View } from '../ops/types.js';
import { COUNTERS_BYTES, candidatesBytes, classMaskBytes, planDecode } from '../ops/decode.js';
import { detectionsBytes, nmsUniforms, orderBytes, planNms, type NmsCallParams } from '../ops/nms.js';
import { planHeadExtra } from '../ops/head-extra.js';
import { KEYPOINT_FLOATS, keypointsBytes, planPoseGather, poseUniforms } from '../ops/pose-gather.js';
import type { HeadSpec } from '../model/heads.js';
import type { GraphBuilder, TensorRef } from './graph.js';
import type { Executor, ExtraBuffer } from './executor.js';

export const DECODE_LABEL = 'model.23.decode';
export const EXTRA_LABEL = 'model.23.extra';
export const NMS_LABEL = 'nms';
export const POSE_LABEL = 'pose.keypoints';
/** The NMS ranking's indirect dispatch arguments (shaders/nms-args.wgsl). */
const NMS_ARGS = 'nmsargs';
/** GPUBufferUsage STORAGE | INDIRECT | COPY_DST, as numbers (Node has no GPUBufferUsage before a device loads). */
const STORAGE_INDIRECT = 0x80 | 0x100 | 0x8;

export interface RawDetection {
  box: [number, number, number, number];
  score: number;
  classId: number;
  /** The anchor (output0 column) the box came from. */
  anchor: number;
  /** Pose: K × {x, y, visibility} in source pixels (visibility −1 when the model has none). */
  keypoints?: Float32Array;
}

export interface PostPlan {
  maxCandidates: number;
  maxDet: number;
  detectionsBuffer: string;
  detectionsBytes: number;
  /** Bytes read back per call: detections, then the decode counters (16), then keypoints (pose). */
  readbackBytes: number;
  addDecodeAndNms(levels: TensorRef[]): void;
  ranges(d: Dispatch[]): { network: [number, number]; nms: [number, number] };
  extraBuffers(): Record<string, ExtraBuffer>;
  writeDecodeUniforms(ex: Executor, o: { conf: number; classes?: number[] }): void;
  writeNmsUniforms(ex: Executor, o: { iou: number; maxDet: number; agnostic: boolean }, src: Omit<NmsCallParams, 'iou' | 'maxDet' | 'agnostic'>): void;
  encodeResets(enc: GPUCommandEncoder, ex: Executor): void;
  /** Copy what `parseDetections` reads into `staging` (readbackBytes). */
  encodeReadback(enc: GPUCommandEncoder, ex: Executor, staging: GPUBuffer): void;
  parseDetections(raw: ArrayBuffer): RawDetection[];
}

export interface PostOptions {
  nc: number;
  head: Exclude<HeadSpec, { task: 'classify' }>;
  input: TensorRef;
  output0: TensorRef;
  inputSize: [number, number];
  maxCandidates?: number;
  maxDet?: number;
}

export function planPost(g: GraphBuilder, o: PostOptions): PostPlan {
  const anchors = o.output0.w;
  // Every anchor can be a candidate: no candidate is ever dropped before NMS (Ultralytics keeps 30000 ≥ 8400 at 640).
  const maxCandidates = o.maxCandidates ?? anchors;
  const maxDet = o.maxDet ?? 300;
  const { head } = o;
  const nExtra = head.task === 'segment' ? head.nm : head.task === 'pose' ? head.kpt[0] * head.kpt[1] : 0;
  const kpt = head.task === 'pose' ? head.kpt : undefined;
  const kptBytes = kpt ? keypointsBytes(maxDet, kpt[0]) : 0;
  const detBytes = detectionsBytes(maxDet);
  let decode: Dispatch | undefined;
  let output0: View | undefined;
  const post: PostPlan = {
    maxCandidates,
    maxDet,
    detectionsBuffer: 'detections',
    detectionsBytes: detBytes,
    readbackBytes: detBytes + COUNTERS_BYTES + kptBytes,
    addDecodeAndNms(levels) {
      g.step(DECODE_LABEL, levels, [o.output0], (v) => {
        output0 = v(o.output0);
        decode = planDecode({ label: DECODE_LABEL, levels: levels.map((l) => v(l)), nc: o.nc, output0, maxCandidates, extra: nExtra });
        return [decode];
      });
      if (nExtra) {
        g.step(EXTRA_LABEL, levels, [o.output0], (v) => [planHeadExtra({
          label: EXTRA_LABEL, levels: levels.map((l) => v(l)), nc: o.nc, n: nExtra, mode: kpt ? { kptDim: kpt[1] as 2 | 3 } : 'copy', output0: v(o.output0),
        })]);
      }
      g.step(NMS_LABEL, [], [], () => planNms(NMS_LABEL, maxCandidates, maxDet, undefined, NMS_ARGS));
      if (kpt) g.step(POSE_LABEL, [o.output0], [], (v) => [planPoseGather({ label: POSE_LABEL, output0: v(o.output0), anchors, nc: o.nc, kpt, maxDet })]);
    },
    ranges(d) {
      const end = d.findIndex((x) => x.label.startsWith(`${NMS_LABEL}.`));
      return { network: [0, end], nms: [end, d.length] };
    },
    extraBuffers: () => ({
      candidates: { bytes: candidatesBytes(maxCandidates) },
      counters: { bytes: COUNTERS_BYTES },
      classmask: { bytes: classMaskBytes(o.nc) },
      order: { bytes: orderBytes(maxCandidates) },
      [NMS_ARGS]: { bytes: 16, usage: STORAGE_INDIRECT },
      detections: { bytes: detBytes },
      ...(kpt ? { keypoints: { bytes: kptBytes } } : {}),
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
      if (kpt) {
        const p = { output0: output0!, anchors, nc: o.nc, kpt, maxDet: c.maxDet };
        ex.writeUniforms(ex.indexOf(POSE_LABEL), poseUniforms(p, { gain: src.gain, srcW: src.srcW, srcH: src.srcH, inputSize: o.inputSize }));
      }
    },
    encodeResets(enc, ex) {
      enc.clearBuffer(ex.buffers.get('counters')!);
    },
    encodeReadback(enc, ex, staging) {
      enc.copyBufferToBuffer(ex.buffers.get('detections')!, 0, staging, 0, detBytes);
      enc.copyBufferToBuffer(ex.buffers.get('counters')!, 0, staging, detBytes, COUNTERS_BYTES);
      if (kpt) enc.copyBufferToBuffer(ex.buffers.get('keypoints')!, 0, staging, detBytes + COUNTERS_BYTES, kptBytes);
    },
    parseDetections(raw) {
      const f = new Float32Array(raw, 0, detBytes / 4);
      const n = Math.min(f[0], maxDet);
      const kp = kpt ? new Float32Array(raw, detBytes + COUNTERS_BYTES, kptBytes / 4) : undefined;
      const per = kpt ? kpt[0] * KEYPOINT_FLOATS : 0;
      const out: RawDetection[] = [];
      for (let i = 0; i < n; i++) {
        const b = 4 + i * 8;
        const d: RawDetection = { box: [f[b], f[b + 1], f[b + 2], f[b + 3]], score: f[b + 4], classId: f[b + 5], anchor: f[b + 6] };
        if (kp) d.keypoints = kp.slice(i * per, (i + 1) * per);
        out.push(d);
      }
      return out;
    },
  };
  return post;
}
