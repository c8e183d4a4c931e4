/**
 * Reading GPU buffers back: a reusable MAP_READ staging buffer per size class, so steady-state
 * inference allocates nothing. Map failures caused by a lost device surface as DeviceLostError.
 */
import { DeviceLostError } from '../errors.js';

export class Readback {
  private staging?: GPUBuffer;
  constructor(private readonly device: GPUDevice, private readonly label: string) {}

  /** A staging buffer of at least `bytes`, reused across calls. */
  buffer(bytes: number): GPUBuffer {
    const size = Math.ceil(bytes / 256) * 256;
    if (!this.staging || this.staging.size < size) {
      this.staging?.destroy();
      this.staging = this.device.createBuffer({ label: this.label, size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    return this.staging;
  }

  /** Map the staging buffer after the submit that filled it; returns a copy of the first `bytes`. */
  async read(bytes: number, isLost: () => boolean): Promise<ArrayBuffer> {
    const buf = this.staging!;
    try {
      await buf.mapAsync(GPUMapMode.READ, 0, Math.ceil(bytes / 4) * 4);
    } catch (e) {
      if (isLost()) throw new DeviceLostError('the GPU device was lost during inference');
      throw e;
    }
    const out = buf.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0, bytes);
    buf.unmap();
    return out;
  }

  destroy() {
    this.staging?.destroy();
    this.staging = undefined;
  }
}
