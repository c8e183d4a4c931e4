/**
 * One GPU device per page for scenarios that do not test who owns the device: detectors made on it
 * share its compiled pipelines (src/gpu/pipelines.ts `pipelinesOf`), so each scenario after the first
 * compiles only what it adds. Scenarios about device ownership or loss make their own.
 */
import { requestGPUContext } from '../../../src/gpu/device.js';

let device: Promise<GPUDevice> | undefined;

export const pageDevice = (): Promise<GPUDevice> => (device ??= requestGPUContext().then((c) => c.device));
