// Dawn (the `webgpu` package) smoke run in a plain Node process: runs shaders/smoke.wgsl
// (y = a·x + b) and prints "OK <adapter>" when every value is right. Spawned by smoke.node.test.ts.
import { readFileSync } from 'node:fs';
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
// Keep the instance referenced: dawn.node frees it on GC even while its device is in use (see src/gpu/device.ts).
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error('Dawn found no WebGPU adapter: apt-get install -y chromium libvulkan1 and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
  process.exit(3);
}
const device = await adapter.requestDevice();
const code = readFileSync(new URL('../../shaders/smoke.wgsl', import.meta.url), 'utf8');
const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
const n = 1000;
const x = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);
const mk = (size, usage) => device.createBuffer({ size, usage });
const xb = mk(n * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
const yb = mk(n * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
const ub = mk(16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
const rb = mk(n * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
device.queue.writeBuffer(xb, 0, x);
const u = new DataView(new ArrayBuffer(16));
u.setUint32(0, n, true);
u.setFloat32(4, 3, true);
u.setFloat32(8, -2, true);
device.queue.writeBuffer(ub, 0, u.buffer);
const bg = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [xb, yb, ub].map((buffer, binding) => ({ binding, resource: { buffer } })) });
const enc = device.createCommandEncoder();
const pass = enc.beginComputePass();
pass.setPipeline(pipeline);
pass.setBindGroup(0, bg);
pass.dispatchWorkgroups(Math.ceil(n / 64));
pass.end();
enc.copyBufferToBuffer(yb, 0, rb, 0, n * 4);
device.queue.submit([enc.finish()]);
await rb.mapAsync(GPUMapMode.READ);
const y = new Float32Array(rb.getMappedRange().slice(0));
const bad = [...y].findIndex((v, i) => v !== 3 * x[i] - 2);
device.destroy();
if (bad >= 0) {
  console.error(`wrong value at ${bad}: ${y[bad]} ≠ ${3 * x[bad] - 2}`);
  process.exit(1);
}
console.log(`OK ${adapter.info.vendor} ${adapter.info.description}`);
