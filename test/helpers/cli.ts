/** Run the yolo11-webgpu CLI in-process, capturing its exit code, stdout and stderr. */
import { main } from '../../src/cli/main.js';

export async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const o = process.stdout.write;
  const e = process.stderr.write;
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof o;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof e;
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}
