/**
 * The input when no image is chosen: a 640×480 picture drawn the same way every time (a gradient,
 * discs and bars in a few colours), encoded as PNG so that it goes through the same path as a chosen
 * image (decode, letterbox; detect() decodes it again).
 */
let cached: Promise<Uint8Array> | undefined;

export function testPicture(): Promise<Uint8Array> {
  cached ??= (async () => {
    const c = new OffscreenCanvas(640, 480);
    const g = c.getContext('2d')!;
    const grad = g.createLinearGradient(0, 0, 640, 480);
    grad.addColorStop(0, '#203040');
    grad.addColorStop(1, '#c0b090');
    g.fillStyle = grad;
    g.fillRect(0, 0, 640, 480);
    const colours = ['#e63', '#3a6', '#36c', '#fc3', '#eee', '#222'];
    for (let i = 0; i < 12; i++) {
      g.fillStyle = colours[i % colours.length];
      g.beginPath();
      g.arc(40 + ((i * 149) % 560), 40 + ((i * 97) % 400), 12 + ((i * 7) % 40), 0, 2 * Math.PI);
      g.fill();
      g.fillRect((i * 211) % 600, (i * 53) % 440, 8 + ((i * 13) % 60), 6 + ((i * 29) % 50));
    }
    return new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
  })();
  return cached;
}
