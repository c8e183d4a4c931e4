/**
 * Getting a source image onto the GPU and letterboxing it into the network input.
 * Browser images (ImageBitmap, <img>, <canvas>, OffscreenCanvas, VideoFrame, ImageData) go through
 * copyExternalImageToTexture; raw pixels ({width, height, data, channels}) through a storage buffer, as
 * they are (grey and RGB are not expanded to RGBA on the CPU: the letterbox reads 1, 3 or 4 bytes a pixel).
 * The texture and the buffer are reused while images fit, so steady-state detection allocates nothing.
 */
import { ImageDecodeError, InvalidArgumentError } from '../errors.js';
import { pipelinesOf, type Pipeline } from '../gpu/pipelines.js';
import { packUniforms } from '../gpu/shader.js';
import { letterboxAxes, letterboxAxesBytes, letterboxCall, letterboxWorkgroups, planLetterbox, scaleBoxesPad, sourceBytes, type BytesChannels, type Preprocess } from '../ops/letterbox.js';
import type { Executor } from '../plan/executor.js';
import type { ModelPlan } from '../plan/model-plan.js';

/** Raw 8-bit pixels, row-major: 1 (grey), 3 (RGB) or 4 (RGBA) channels. */
export interface RawImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
  channels?: 1 | 3 | 4;
}

export type ImageInput = RawImage | ImageBitmap | ImageData | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | VideoFrame;

/** Where boxes found in the network input go back to: the letterbox gain and pad, and the (crop's) size. */
export interface SourceGeometry {
  width: number;
  height: number;
  gain: number;
  padX: number;
  padY: number;
}

export interface UploadedSource extends SourceGeometry {
  kind: 'bytes' | 'texture';
}

/** A rectangle of the image in its pixels: a tile, or the whole image. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Raw pixels and ImageData (RGBA) go through the storage-buffer path, which works everywhere. */
const isRaw = (x: ImageInput): x is RawImage => {
  const d = (x as RawImage).data;
  return d instanceof Uint8Array || d instanceof Uint8ClampedArray;
};

function sizeOf(img: ImageInput): [number, number] {
  const v = img as { displayWidth?: number; displayHeight?: number; naturalWidth?: number; naturalHeight?: number; width: number; height: number };
  if (typeof VideoFrame !== 'undefined' && img instanceof VideoFrame) return [v.displayWidth!, v.displayHeight!];
  if (typeof HTMLImageElement !== 'undefined' && img instanceof HTMLImageElement) return [v.naturalWidth!, v.naturalHeight!];
  return [v.width, v.height];
}

export class SourceUploader {
  private pipes?: Promise<{ bytes: Pipeline; texture: Pipeline }>;
  private ready?: { bytes: Pipeline; texture: Pipeline };
  private readonly uniforms: GPUBuffer;
  /** cv2's source pixels and weights per input column and row, for the image size of the last `aim`. */
  private readonly axes: GPUBuffer;
  private axesKey = '';
  private buffer?: GPUBuffer;
  /** Bytes per pixel of the last raw upload (the bytes letterbox's uniform `channels`). */
  private channels: BytesChannels = 4;
  private texture?: GPUTexture;
  private groups: { bytes?: GPUBindGroup; texture?: GPUBindGroup } = {};

  constructor(private readonly device: GPUDevice, private readonly ex: Executor, private readonly plan: ModelPlan) {
    this.uniforms = device.createBuffer({ label: 'letterbox uniforms', size: 256, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.axes = device.createBuffer({ label: 'letterbox axes', size: letterboxAxesBytes(plan.input), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  }

  private pipelines() {
    const cache = pipelinesOf(this.device);
    const d = (source: 'bytes' | 'texture') => planLetterbox({ label: 'letterbox', output: this.plan.input, source }).dispatch;
    this.pipes ??= Promise.all([cache.get(d('bytes').shader, d('bytes').constants), cache.get(d('texture').shader, d('texture').constants)]).then(([bytes, texture]) => ({ bytes, texture }));
    return this.pipes;
  }

  /**
   * Upload an image and write the letterbox uniforms (or, for classify models, the centre crop's);
   * returns the geometry for mapping boxes back.
   */
  async upload(img: ImageInput, mode: Preprocess = 'letterbox'): Promise<UploadedSource> {
    if (!img || typeof img !== 'object') throw new InvalidArgumentError('detect() needs an image: ImageBitmap, HTMLImageElement, canvas, VideoFrame, ImageData or {width, height, data}');
    const [w, h] = sizeOf(img);
    if (!(w > 0 && h > 0)) throw new ImageDecodeError(`image has zero size (${w}×${h})`, 'EMPTY_IMAGE');
    const pipes = (this.ready = await this.pipelines());
    const raw = isRaw(img);
    const kind = raw ? 'bytes' : 'texture';
    if (raw) this.uploadRaw(img, w, h, pipes.bytes);
    else this.uploadExternal(img as GPUCopyExternalImageSource, w, h, pipes.texture);
    return { kind, ...this.aim(kind, w, { x: 0, y: 0, w, h }, mode) };
  }

  /**
   * Letterbox (or centre-crop) the rectangle `r` of the uploaded image (width `imageW`) from now on:
   * writes the letterbox uniforms (ordered with queue submissions, so one tile per submit) and returns
   * its geometry.
   */
  aim(kind: UploadedSource['kind'], imageW: number, r: Rect, mode: Preprocess = 'letterbox'): SourceGeometry {
    const { geometry: g, uniforms } = letterboxCall(r.w, r.h, this.plan.input, mode, { x: r.x, y: r.y, stride: imageW });
    const values = kind === 'bytes' ? { ...uniforms, channels: this.channels } : uniforms;
    this.device.queue.writeBuffer(this.uniforms, 0, packUniforms(this.ready![kind].info, values));
    const key = `${mode} ${r.w}×${r.h}`; // the table depends on the size only, not on where the tile is
    if (key !== this.axesKey) this.device.queue.writeBuffer(this.axes, 0, letterboxAxes(r.w, r.h, g, this.plan.input));
    this.axesKey = key;
    // Boxes map back with Ultralytics scale_boxes' own pad, which can differ by 1 px from LetterBox's.
    const [padX, padY] = scaleBoxesPad(r.w, r.h, this.plan.input.h, this.plan.input.w);
    return { width: r.w, height: r.h, gain: g.gain, padX, padY };
  }

  private uploadRaw(img: RawImage, w: number, h: number, pipe: Pipeline) {
    const ch = img.channels ?? (img.data.length === w * h ? 1 : img.data.length === w * h * 3 ? 3 : 4);
    if (ch !== 1 && ch !== 3 && ch !== 4) throw new InvalidArgumentError(`raw image channels must be 1, 3 or 4, got ${String(ch)}`);
    const n = w * h * ch;
    if (img.data.length !== n) throw new InvalidArgumentError(`raw image ${w}×${h}×${ch} needs ${n} bytes, got ${img.data.length}`);
    const bytes = sourceBytes(w, h, ch);
    if (bytes > this.device.limits.maxStorageBufferBindingSize) throw new InvalidArgumentError(`image ${w}×${h}×${ch} is too large for this GPU (max ${this.device.limits.maxStorageBufferBindingSize} bytes of pixels); downscale it first`);
    if (!this.buffer || this.buffer.size < bytes) {
      this.buffer?.destroy();
      this.buffer = this.device.createBuffer({ label: 'source pixels', size: Math.ceil(bytes / 256) * 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      this.groups.bytes = this.group(pipe, { buffer: this.buffer });
    }
    const data = new Uint8Array(img.data.buffer, img.data.byteOffset, n) as Uint8Array<ArrayBuffer>;
    const whole = n & ~3; // writeBuffer takes whole words: the last 0–3 bytes go in a word of their own
    if (whole > 0) this.device.queue.writeBuffer(this.buffer, 0, data, 0, whole);
    if (whole < n) {
      const tail = new Uint8Array(4);
      tail.set(data.subarray(whole));
      this.device.queue.writeBuffer(this.buffer, whole, tail);
    }
    this.channels = ch;
  }

  private uploadExternal(img: GPUCopyExternalImageSource, w: number, h: number, pipe: Pipeline) {
    const max = this.device.limits.maxTextureDimension2D;
    if (w > max || h > max) throw new InvalidArgumentError(`image ${w}×${h} exceeds this GPU's texture limit ${max}; downscale it first`);
    if (!this.texture || this.texture.width < w || this.texture.height < h) {
      this.texture?.destroy();
      this.texture = this.device.createTexture({
        label: 'source image', size: [Math.max(w, this.texture?.width ?? 0), Math.max(h, this.texture?.height ?? 0)], format: 'rgba8unorm',
        usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT,
      });
      this.groups.texture = this.group(pipe, this.texture.createView());
    }
    try {
      this.device.queue.copyExternalImageToTexture({ source: img }, { texture: this.texture }, [w, h]);
    } catch (e) {
      throw new ImageDecodeError(`could not read the image: ${(e as Error).message}`);
    }
  }

  private group(pipe: Pipeline, src: GPUBindingResource): GPUBindGroup {
    const entries = pipe.info.bindings.map((b) => ({
      binding: b.binding,
      resource: b.name === 'src' ? src : b.name === 'arena' ? { buffer: this.ex.arena } : b.name === 'axes' ? { buffer: this.axes } : { buffer: this.uniforms },
    }));
    return this.device.createBindGroup({ label: 'letterbox', layout: pipe.layout, entries });
  }

  /** Encode the letterbox dispatch for the last upload (after `upload` has resolved). */
  encodeReady(pass: GPUComputePassEncoder, src: UploadedSource) {
    pass.setPipeline(this.ready![src.kind].pipeline);
    pass.setBindGroup(0, this.groups[src.kind]!);
    pass.dispatchWorkgroups(...letterboxWorkgroups(this.plan.input));
  }

  /** Encode the letterbox dispatch for the last upload. */
  async encode(pass: GPUComputePassEncoder, src: UploadedSource) {
    const pipes = await this.pipelines();
    pass.setPipeline(pipes[src.kind].pipeline);
    pass.setBindGroup(0, this.groups[src.kind]!);
    pass.dispatchWorkgroups(...letterboxWorkgroups(this.plan.input));
  }

  destroy() {
    this.buffer?.destroy();
    this.texture?.destroy();
    this.uniforms.destroy();
    this.axes.destroy();
  }
}
