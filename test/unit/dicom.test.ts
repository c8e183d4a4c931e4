/** The viewer's DICOM decoding (app/dicom.ts) on files written with dcmjs: windowing, MONOCHROME1, errors. */
import { describe, expect, test } from 'vitest';
import { makeDicom } from '../app/make-dicom.js';
import { DicomError, decodeDicom, isDicom } from '../../app/dicom.js';

const grey = (w: number, h: number) => {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.fill((i * 37) % 256, 4 * i, 4 * i + 3).fill(255, 4 * i + 3, 4 * i + 4);
  return { width: w, height: h, data };
};

describe('DICOM decoding', () => {
  test('16-bit MONOCHROME1 with a window: the grey image comes back (±1), opaque RGBA', () => {
    const img = grey(13, 7);
    const bytes = makeDicom(img);
    expect(isDicom(bytes)).toBe(true);
    const d = decodeDicom(bytes);
    expect([d.width, d.height]).toEqual([13, 7]);
    let worst = 0;
    for (let i = 0; i < 13 * 7; i++) {
      worst = Math.max(worst, Math.abs(d.data[4 * i] - img.data[4 * i]));
      expect(d.data[4 * i + 1]).toBe(d.data[4 * i]);
      expect(d.data[4 * i + 3]).toBe(255);
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('no pixel data, a compressed transfer syntax and garbage are DicomErrors with a message', () => {
    const img = grey(4, 4);
    expect(() => decodeDicom(makeDicom(img, 'no-pixels'))).toThrow(/no pixel data/);
    expect(() => decodeDicom(makeDicom(img, 'jpeg'))).toThrow(/1\.2\.840\.10008\.1\.2\.4\.50 \(compressed\) is not supported/);
    const junk = new Uint8Array(300);
    junk.set([0x44, 0x49, 0x43, 0x4d], 128);
    expect(() => decodeDicom(junk)).toThrow(DicomError);
  });
});
