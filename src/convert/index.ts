/**
 * Model file → weight file. The importer is picked by content (falling back to the file extension):
 * adding a format is one entry in IMPORTERS.
 */
import { ModelImportError } from '../errors.js';
import type { DType } from '../weights/format.js';
import { writeWeights } from '../weights/weights.js';
import { importOnnx, type ImportedModel } from './onnx.js';
import { importTflite } from './tflite.js';

interface Importer {
  format: string;
  /** True when `bytes` (or, failing a signature, the file name) is this format. */
  matches(bytes: Uint8Array, fileName: string): boolean;
  import(bytes: Uint8Array, fileName: string): Promise<ImportedModel>;
}

/** TFLite flatbuffers carry the file identifier "TFL3" at bytes 4..7. */
const isTflite = (b: Uint8Array) => b.length >= 8 && String.fromCharCode(b[4], b[5], b[6], b[7]) === 'TFL3';

const IMPORTERS: Importer[] = [
  {
    format: 'TFLite',
    matches: (b, f) => isTflite(b) || /\.tflite$/i.test(f),
    import: importTflite,
  },
  // ONNX has no magic number (a protobuf ModelProto): it takes everything else and reports what it cannot read.
  { format: 'ONNX', matches: () => true, import: importOnnx },
];

/** Read a model file (ONNX or TFLite) into weight-file fields and float32 tensors. */
export async function importModel(bytes: Uint8Array, fileName: string): Promise<ImportedModel> {
  if (bytes.length < 8) throw new ModelImportError(`${fileName} is too short (${bytes.length} bytes) to be a model`);
  return IMPORTERS.find((i) => i.matches(bytes, fileName))!.import(bytes, fileName);
}

/**
 * Convert a model file's bytes into a weight file (f32, or f16 with `dtype` 'f16'), optionally with
 * settings stored in its manifest (e.g. `{ highSensitivityConf }` from `eval --save-settings`).
 */
export async function convertModel(bytes: Uint8Array, fileName: string, dtype: DType = 'f32', settings?: Record<string, unknown>): Promise<Uint8Array> {
  const { fields, tensors } = await importModel(bytes, fileName);
  return writeWeights(settings ? { ...fields, settings: { ...fields.settings, ...settings } } : fields, tensors, dtype);
}
