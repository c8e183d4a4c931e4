/**
 * Probe: the im2col unfold (shaders/im2col-3x3.wgsl, one pixel of one channel per invocation) against
 * the same unfold with T pixels per invocation (a loop over pixels (wid.x·T + t)·64 + lane, so that
 * neighbouring lanes still write neighbouring floats), on yolo11n's stride-2 shapes and two stride-1
 * ones. Result (PERFORMANCE.md, "Tried and dropped"): faster on the two largest planes only, about
 * 3 ms of a 733 ms forward at 640, so not taken. `npm run bench:probe -- unfold-loop`.
 */
import im2col from '../../shaders/im2col-3x3.wgsl?raw';
import { ms, noise, openProbe, relError, type Step } from './harness.js';

/** The unfold with `t` pixels per invocation. */
export function unfoldLoop(t: number): string {
  const body = /let p = min\([^\n]*\n([\s\S]*)\n}\s*$/.exec(im2col);
  if (!body) throw new Error('shaders/im2col-3x3.wgsl changed: update the probe');
  return im2col.replace(/@compute[\s\S]*$/, `@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u) {
  let npix = u.out_h * u.out_w;
  for (var t = 0u; t < ${t}u; t++) {
  let p = min(((wid.x + wid.z * nwg.x) * ${t}u + t) * LANES + li, npix - 1u);
${body[1]}
  }
}
`);
}

/** [Cin, H, W, stride]. */
const SHAPES: Record<string, [number, number, number, number]> = {
  'model.0 at 640': [3, 640, 640, 2], 'model.1 at 640': [16, 320, 320, 2], 'model.3 at 640': [32, 160, 160, 2], '64 ch 80×80 s1': [64, 80, 80, 1], '256 ch 20×20 s1': [256, 20, 20, 1],
};

export async function probe(ts: number[] = [4, 16, 64], runs = 8): Promise<Record<string, Record<string, string>>> {
  const p = await openProbe();
  const pipes: Record<number, GPUComputePipeline> = { 1: await p.pipeline(im2col) };
  for (const t of ts) pipes[t] = await p.pipeline(unfoldLoop(t));
  const out: Record<string, Record<string, string>> = {};
  for (const [name, [c, h, w, s]] of Object.entries(SHAPES)) {
    const oh = h / s, ow = w / s, npix = oh * ow, outOff = Math.ceil((c * h * w) / 64) * 64;
    p.device.queue.writeBuffer(p.arena, 0, noise(c * h * w, 7));
    const u = p.uniform(im2col, { in_off: 0, in_c: c, in_h: h, in_w: w, out_off: outOff, out_h: oh, out_w: ow, stride: s });
    const steps = (t: number): Step[] => [[pipes[t], p.bind(pipes[t], u, false), [Math.ceil(npix / 64 / t), c, 1]]];
    const ref = await p.output(steps(1), outOff, 9 * c * npix);
    const row: Record<string, string> = {};
    for (const t of [1, ...ts]) {
      const err = t === 1 ? '' : `, error ${relError(ref, await p.output(steps(t), outOff, 9 * c * npix)).toExponential(1)}`;
      row[t === 1 ? 'im2col-3x3' : `${t} px per lane`] = `${ms(await p.time(steps(t), runs))}${err}`;
    }
    out[name] = row;
  }
  p.device.destroy();
  return out;
}
