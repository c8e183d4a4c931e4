/** Model file → weight file: picks the importer by content (ONNX protobuf or TFLite flatbuffer). */
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import type { DType } from '../weights/format.js';
import { writeWeights } from '../weights/weights.js';
import { importOnnx } from './onnx.js';

/** TFLite flatbuffers carry the identifier "TFL3" at byte 4. */
const isTflite = (b: Uint8Array) => b.length >= 8 && b[4] === 0x54 && b[5] === 0x46 && b[6] === 0x4c && b[7] === 0x33;

export async function importModel(bytes: Uint8Array, fileName: string) {
  if (bytes.length < 8) throw new ModelImportError(`${fileName} is too short (${bytes.length} bytes) to be a model`);
  if (isTflite(bytes)) throw new UnsupportedModelError(`${fileName}: TFLite import is not implemented yet`);
  return importOnnx(bytes, fileName);
}

/** Convert a model file's bytes into a weight file. */
export async function convertModel(bytes: Uint8Array, fileName: string, dtype: DType = 'f32'): Promise<Uint8Array> {
  const { fields, tensors } = await importModel(bytes, fileName);
  return writeWeights(fields, tensors, dtype);
}
