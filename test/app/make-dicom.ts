/**
 * A small DICOM file for tests, written with dcmjs from an RGBA image: 16-bit MONOCHROME1 (inverted
 * grey, stored ×16 so a 12-bit window applies), explicit VR little endian, with Window Center/Width —
 * exercising the viewer's windowing and inversion. Optionally without pixel data, or with a
 * compressed transfer syntax, for the error paths.
 */
// @ts-expect-error dcmjs ships no type declarations
import dcmjs from 'dcmjs';

const { DicomDict, DicomMetaDictionary } = (dcmjs as unknown as { data: { DicomDict: new (m: unknown) => { dict: unknown; write(): ArrayBuffer }; DicomMetaDictionary: { denaturalizeDataset(d: unknown): unknown; uid(): string } } }).data;

export function makeDicom(img: { width: number; height: number; data: Uint8Array }, variant: 'ok' | 'no-pixels' | 'jpeg' = 'ok'): Uint8Array {
  const uid = DicomMetaDictionary.uid();
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1',
    MediaStorageSOPInstanceUID: uid,
    TransferSyntaxUID: variant === 'jpeg' ? '1.2.840.10008.1.2.4.50' : '1.2.840.10008.1.2.1',
    ImplementationClassUID: '1.2.826.0.1.3680043.9.7433',
  };
  const px = new Uint16Array(img.width * img.height);
  // grey = R; MONOCHROME1 stores 4095 − 16·grey, so that after windowing [0, 4095] and inversion the grey comes back.
  for (let i = 0; i < px.length; i++) px[i] = 4095 - 16 * img.data[4 * i];
  const dataset: Record<string, unknown> = {
    SOPClassUID: meta.MediaStorageSOPClassUID, SOPInstanceUID: uid, Modality: 'DX', PatientName: 'Test^Synthetic',
    Rows: img.height, Columns: img.width, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME1',
    BitsAllocated: 16, BitsStored: 12, HighBit: 11, PixelRepresentation: 0, WindowCenter: '2048', WindowWidth: '4096',
    _vrMap: { PixelData: 'OW' },
  };
  if (variant !== 'no-pixels') dataset.PixelData = [px.buffer];
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
