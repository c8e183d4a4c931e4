/** `--imgsz 640` or `--imgsz 384,640`: [H, W], each a multiple of 32 (the network's largest stride). */
export function size(v: string): [number, number] {
  const p = v.split(',').map(Number);
  const s: [number, number] = p.length === 1 ? [p[0], p[0]] : [p[0], p[1]];
  if (s.some((x) => !Number.isInteger(x) || x < 32 || x % 32)) throw new Error(`--imgsz ${v}: multiples of 32, N or H,W`);
  return s;
}
