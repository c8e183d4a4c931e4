/**
 * The Node benchmark's step runner (bench/node/main.ts runChild): a step whose process hangs is killed
 * at its time limit, one that dies says why, one that answers gives its value — each a row, never a hang.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChild } from '../../bench/node/main.js';
import { ortReason } from '../../bench/node/ort.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-node-'));
const script = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return [p];
};

describe('bench:node step runner', () => {
  it('returns the value a step sends, with its log lines on the way', async () => {
    const self = script('ok.mjs', `process.once('message', (m) => { process.send({ type: 'log', text: 'working on ' + m.job }); process.send({ type: 'done', value: { got: m.arg, f: new Float32Array([1.5]) } }, () => process.exit(0)); });`);
    const lines: string[] = [];
    const v = await runChild<{ got: number; f: Float32Array }>(self, 'env', 7, 30, (l) => lines.push(l));
    expect(v.got).toBe(7);
    expect(v.f).toBeInstanceOf(Float32Array); // typed arrays travel as themselves (advanced serialization)
    expect(lines).toEqual(['working on env']);
  });

  it('a step that fails is its error message', async () => {
    const self = script('fail.mjs', `process.once('message', () => process.send({ type: 'failed', name: 'ModelImportError', message: 'bad graph' }, () => process.exit(0)));`);
    await expect(runChild(self, 'ort', null, 30, () => {})).rejects.toThrow(/^bad graph$/);
  });

  it('a step whose process dies says how, with its error line', async () => {
    const self = script('crash.mjs', `process.stderr.write('warning: noise\\nTypeError: boom\\n    at x\\n'); process.exit(3);`);
    await expect(runChild(self, 'ours', null, 30, () => {})).rejects.toThrow(/exit 3\) without a result: TypeError: boom/);
  });

  it('a step that hangs is killed at its time limit', async () => {
    const self = script('hang.mjs', 'setInterval(() => {}, 1000);');
    const t = Date.now();
    await expect(runChild(self, 'gemm', null, 1, () => {})).rejects.toThrow('timed out after 1 s');
    expect(Date.now() - t).toBeLessThan(10_000);
  });
});

describe('ORT failure rows', () => {
  it('give the reason first and the source line after it', () => {
    const native = '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters';
    expect(ortReason(native)).toBe('Failed to get a WebGPU adapter: No supported adapters (webgpu_context.cc:136)');
    expect(ortReason('/onnxruntime_src/onnxruntime/core/session/inference_session.cc:42 void f()> Load model failed')).toBe('Load model failed (inference_session.cc:42)');
    expect(ortReason('Got invalid dimensions for input: images')).toBe('Got invalid dimensions for input: images');
  });
});
