/**
 * Packs a weight file's tensors into the single read-only `weights` buffer, each at a 256-byte
 * aligned element offset, in the layout its kernel reads (the op's own pack function).
 */
import { MissingTensorError } from '../errors.js';
import { toFloat32, type Tensor } from '../weights/format.js';
import { WEIGHT_ALIGN } from '../ops/types.js';

export class WeightPacker {
  private readonly parts: { offset: number; data: Float32Array }[] = [];
  private size = 0;

  constructor(private readonly tensors: Map<string, Tensor>) {}

  /** The f32 data of a named tensor (f16 files are widened). */
  get(name: string): Float32Array {
    const t = this.tensors.get(name);
    if (!t) throw new MissingTensorError(`tensor ${name} is missing from the weight file`);
    return toFloat32(t);
  }

  /** Append packed data; returns its element offset. */
  add(data: Float32Array): number {
    const offset = this.size;
    this.parts.push({ offset, data });
    this.size = Math.ceil((offset + data.length) / WEIGHT_ALIGN) * WEIGHT_ALIGN;
    return offset;
  }

  /** The whole buffer's contents. */
  finish(): Float32Array {
    const out = new Float32Array(Math.max(this.size, WEIGHT_ALIGN));
    for (const p of this.parts) out.set(p.data, p.offset);
    return out;
  }
}
