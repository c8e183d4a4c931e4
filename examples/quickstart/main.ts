import { createDetector } from 'yolo11-webgpu';

// 1. Load the weights from a URL, with progress.
const progress = document.querySelector('progress')!;
const detector = await createDetector({
  model: '/weights/yolo11n-fracture.y11w',
  onProgress: ({ loaded, total }) => {
    if (total) progress.value = loaded / total;
  },
});

// 2. Detect on an <img> (a <canvas>, ImageBitmap or VideoFrame works the same way).
const img = document.querySelector('img')!;
await img.decode();
const boxes = await detector.detect(img, { conf: 0.25 });
console.log(JSON.stringify(boxes)); // [{ box: [x1, y1, x2, y2], score, classId, label }] in image pixels

// 3. Draw the boxes.
const canvas = document.querySelector('canvas')!;
canvas.width = img.naturalWidth;
canvas.height = img.naturalHeight;
const ctx = canvas.getContext('2d')!;
ctx.drawImage(img, 0, 0);
ctx.strokeStyle = ctx.fillStyle = 'red';
ctx.lineWidth = 3;
ctx.font = '16px sans-serif';
for (const { box: [x1, y1, x2, y2], label, score } of boxes) {
  ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
  ctx.fillText(`${label} ${score.toFixed(2)}`, x1, y1 - 4);
}

// 4. Free the GPU resources when done.
detector.destroy();
