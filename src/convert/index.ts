/**
 * Model file → weight file. The importer is picked by content (src/io/sniff.ts; the file extension
 * only for bytes no signature recognises): adding a format is one entry in IMPORTERS.
 */
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { describe, sniff, type FileKind } from '../io/sniff.js';
import type { DType } from '../weights/format.js';
import { writeWeights } from '../weights/weights.js';
import { importOnnx, type ImportedModel } from './onnx.js';
import { importTflite } from './tflite.js';

interface Importer {
  format: string;
  /** True when the sniffed kind (or, for unrecognised bytes, the file name) is this format. */
  matches(kind: FileKind, fileName: string): boolean;
  import(bytes: Uint8Array, fileName: string): Promise<ImportedModel>;
}

const IMPORTERS: Importer[] = [
  // TFLite flatbuffers carry the file identifier "TFL3" at bytes 4..7.
  { format: 'TFLite', matches: (k, f) => k === 'tflite' || (k === 'unknown' && /\.tflite$/i.test(f)), import: importTflite },
  // ONNX has no magic number (a protobuf ModelProto): it also takes unrecognised bytes and reports what it cannot read.
  { format: 'ONNX', matches: (k) => k === 'onnx' || k === 'unknown', import: importOnnx },
];

/** Read a model file (ONNX or TFLite) into weight-file fields and float32 tensors. */
export async function importModel(bytes: Uint8Array, fileName: string): Promise<ImportedModel> {
  if (bytes.length < 8) throw new ModelImportError(`${fileName} is too short (${bytes.length} bytes) to be a model`);
  const kind = sniff(bytes);
  if (kind === 'weights') throw new ModelImportError(`${fileName} is already a yolo11-webgpu weight file: there is nothing to convert`);
  if (kind === 'zip') throw new ModelImportError(`${fileName} is ${describe(bytes)}, not an ONNX or TFLite model: export it with Ultralytics first (\`yolo export model=${fileName} format=onnx\`)`);
  const importer = IMPORTERS.find((i) => i.matches(kind, fileName));
  if (!importer) throw new ModelImportError(`${fileName} is ${describe(bytes)}, not an ONNX or TFLite model`);
  if (kind !== 'unknown') return importer.import(bytes, fileName);
  try {
    return await importer.import(bytes, fileName);
  } catch (e) {
    // Bytes no signature recognised and the importer could not read either: say what they look like.
    if (e instanceof ModelImportError && !(e instanceof UnsupportedModelError)) throw new ModelImportError(`${e.message}; it is ${describe(bytes)}`);
    throw e;
  }
}

/**
 * Convert a model file's bytes into a weight file (f32, or f16 with `dtype` 'f16'), optionally with
 * settings stored in its manifest (e.g. `{ highSensitivityConf }` from `eval --save-settings`) and
 * class names for an export whose metadata has none (one per class, else a ModelImportError).
 */
export async function convertModel(bytes: Uint8Array, fileName: string, dtype: DType = 'f32', settings?: Record<string, unknown>, names?: string[]): Promise<Uint8Array> {
  const { fields, tensors } = await importModel(bytes, fileName);
  if (names && names.length !== fields.nc) throw new ModelImportError(`${fileName.split(/[\\/]/).pop()} has ${fields.nc} class${fields.nc === 1 ? '' : 'es'} but ${names.length} names were given`);
  return writeWeights({ ...fields, ...(names ? { names } : {}), ...(settings ? { settings: { ...fields.settings, ...settings } } : {}) }, tensors, dtype);
}
