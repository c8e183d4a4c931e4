/** In-page: compile every shader in shaders/ and return the compiler's errors (empty when all are valid WGSL). */
import { requestGPUContext } from '../../../src/gpu/device.js';
import { shader, shaderNames } from '../../../src/gpu/shader.js';

export async function compileAll(): Promise<Record<string, string[]>> {
  const { device } = await requestGPUContext();
  const out: Record<string, string[]> = {};
  for (const name of shaderNames()) {
    const m = device.createShaderModule({ code: shader(name).code });
    const info = await m.getCompilationInfo();
    out[name] = info.messages.filter((x) => x.type === 'error').map((x) => `${x.lineNum}:${x.linePos} ${x.message}`);
  }
  device.destroy();
  return out;
}
