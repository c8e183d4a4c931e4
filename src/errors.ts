/**
 * Typed errors. Every failure the library can report on bad input is one of these classes, with a
 * stable `code` and a one-line message, so callers can `instanceof`-check and CLIs print one line.
 */
export class Yolo11Error extends Error {
  static readonly errorName: string = 'Yolo11Error';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    // A literal per class (errorName), not the constructor's name, which minifiers rename.
    this.name = (new.target as typeof Yolo11Error).errorName;
    this.code = code;
  }
}

/** Base class of everything wrong with a weight or tensor file. */
export class WeightFileError extends Yolo11Error {
  static override readonly errorName: string = 'WeightFileError';
}
export class BadMagicError extends WeightFileError {
  static override readonly errorName: string = 'BadMagicError';
  constructor(m: string) { super('BAD_MAGIC', m); }
}
export class UnsupportedVersionError extends WeightFileError {
  static override readonly errorName: string = 'UnsupportedVersionError';
  constructor(m: string) { super('UNSUPPORTED_VERSION', m); }
}
export class TruncatedFileError extends WeightFileError {
  static override readonly errorName: string = 'TruncatedFileError';
  constructor(m: string) { super('TRUNCATED', m); }
}
export class BadManifestError extends WeightFileError {
  static override readonly errorName: string = 'BadManifestError';
  constructor(m: string) { super('BAD_MANIFEST', m); }
}
export class OutOfRangeError extends WeightFileError {
  static override readonly errorName: string = 'OutOfRangeError';
  constructor(m: string) { super('OUT_OF_RANGE', m); }
}
export class ShapeMismatchError extends WeightFileError {
  static override readonly errorName: string = 'ShapeMismatchError';
  constructor(m: string) { super('SHAPE_MISMATCH', m); }
}
export class ChecksumMismatchError extends WeightFileError {
  static override readonly errorName: string = 'ChecksumMismatchError';
  constructor(m: string) { super('CHECKSUM_MISMATCH', m); }
}
export class NonFiniteTensorError extends WeightFileError {
  static override readonly errorName: string = 'NonFiniteTensorError';
  constructor(m: string) { super('NON_FINITE', m); }
}
export class MissingTensorError extends WeightFileError {
  static override readonly errorName: string = 'MissingTensorError';
  constructor(m: string) { super('MISSING_TENSOR', m); }
}
export class UnexpectedTensorError extends WeightFileError {
  static override readonly errorName: string = 'UnexpectedTensorError';
  constructor(m: string) { super('UNEXPECTED_TENSOR', m); }
}
/** A weight file for a task this runtime does not run (e.g. OBB), or none named. */
export class UnsupportedTaskError extends WeightFileError {
  static override readonly errorName: string = 'UnsupportedTaskError';
  constructor(m: string) { super('UNSUPPORTED_TASK', m); }
}

/** A model file (ONNX, TFLite) that cannot be converted. */
export class ModelImportError extends Yolo11Error {
  static override readonly errorName: string = 'ModelImportError';
  constructor(m: string, code = 'MODEL_IMPORT') { super(code, m); }
}
/** The graph parsed but is not a YOLO11 detect model. */
export class UnsupportedModelError extends ModelImportError {
  static override readonly errorName: string = 'UnsupportedModelError';
  constructor(m: string) { super(m, 'UNSUPPORTED_MODEL'); }
}

/** A method called on a model of another task: `classify()` on a detect model, `detect()` on a classifier. */
export class TaskMismatchError extends Yolo11Error {
  static override readonly errorName: string = 'TaskMismatchError';
  constructor(m: string) { super('WRONG_TASK', m); }
}

/** An image that cannot be decoded or used. */
export class ImageDecodeError extends Yolo11Error {
  static override readonly errorName: string = 'ImageDecodeError';
  constructor(m: string, code = 'IMAGE_DECODE') { super(code, m); }
}

/** Bad arguments to the public API (input size not a multiple of 32, wrong tensor length, …). */
export class InvalidArgumentError extends Yolo11Error {
  static override readonly errorName: string = 'InvalidArgumentError';
  constructor(m: string) { super('INVALID_ARGUMENT', m); }
}

/** No WebGPU adapter/device, or a missing feature/limit. */
export class WebGPUUnavailableError extends Yolo11Error {
  static override readonly errorName: string = 'WebGPUUnavailableError';
  constructor(m: string) { super('WEBGPU_UNAVAILABLE', m); }
}
/** The GPU device was lost (destroyed, driver reset) before or during a call. */
export class DeviceLostError extends Yolo11Error {
  static override readonly errorName: string = 'DeviceLostError';
  constructor(m: string) { super('DEVICE_LOST', m); }
}
/** The detector was used after `destroy()`. */
export class DestroyedError extends Yolo11Error {
  static override readonly errorName: string = 'DestroyedError';
  constructor(m = 'detector was destroyed') { super('DESTROYED', m); }
}
/** Fine-tuning produced a non-finite loss (NaN or Inf): the run stops; the message names the step. */
export class TrainingDivergedError extends Yolo11Error {
  static override readonly errorName: string = 'TrainingDivergedError';
  constructor(m: string) { super('TRAINING_DIVERGED', m); }
}
