/**
 * A flat-colour 8×8 CMYK JPEG, written here (no encoder for 4-component JPEGs exists in our
 * dependencies): baseline, an Adobe APP14 marker with transform 0 (plain CMYK, stored inverted as
 * Photoshop writes it), quantization all ones, one DC-only block per component. Decoders that honour
 * the Adobe convention (libjpeg + OpenCV, Chromium, jpeg-js) give R = C·K/255, G = M·K/255,
 * B = Y·K/255 of the stored bytes. No Node APIs: the browser tests import it too.
 */
export function cmykJpeg(stored: [number, number, number, number]): Uint8Array<ArrayBuffer> {
  const out: number[] = [];
  const marker = (m: number, body: number[]) => out.push(0xff, m, (body.length + 2) >> 8, (body.length + 2) & 255, ...body);
  out.push(0xff, 0xd8);
  marker(0xee, [...'Adobe'].map((c) => c.charCodeAt(0)).concat([0, 100, 0, 0, 0, 0, 0])); // version 100, transform 0
  marker(0xdb, [0, ...Array(64).fill(1)]);
  marker(0xc0, [8, 0, 8, 0, 8, 4, ...[1, 2, 3, 4].flatMap((id) => [id, 0x11, 0])]);
  // DC table: categories 0–11, all 4-bit codes (canonical: category i ↦ code i). AC table: EOB only, code "0".
  const dcBits = Array(16).fill(0);
  dcBits[3] = 12;
  const acBits = Array(16).fill(0);
  acBits[0] = 1;
  marker(0xc4, [0x00, ...dcBits, ...Array.from({ length: 12 }, (_, i) => i), 0x10, ...acBits, 0x00]);
  marker(0xda, [4, ...[1, 2, 3, 4].flatMap((id) => [id, 0x00]), 0, 63, 0]);
  let bits = '';
  for (const v of stored) {
    const dc = 8 * (v - 128); // a flat block's DC coefficient
    const size = dc === 0 ? 0 : Math.floor(Math.log2(Math.abs(dc))) + 1;
    bits += size.toString(2).padStart(4, '0');
    if (size) bits += (dc > 0 ? dc : dc + (1 << size) - 1).toString(2).padStart(size, '0');
    bits += '0'; // EOB
  }
  bits = bits.padEnd(Math.ceil(bits.length / 8) * 8, '1');
  for (let i = 0; i < bits.length; i += 8) {
    const b = parseInt(bits.slice(i, i + 8), 2);
    out.push(b, ...(b === 0xff ? [0] : []));
  }
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}
