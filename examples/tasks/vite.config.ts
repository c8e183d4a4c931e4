/**
 * `npx vite --config examples/tasks/vite.config.ts`: the example on http://127.0.0.1:5174/ with the
 * library from source and the git-ignored weights/ folder (`npm run weights`) at ./weights/.
 */
import { createReadStream, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, normalize } from 'node:path';
import { defineConfig, type Connect } from 'vite';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const weightsDir = join(repo, 'weights');

const serveWeights: Connect.NextHandleFunction = (req, res, next) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  if (!path.startsWith('/weights/')) return next();
  const file = normalize(join(weightsDir, path.slice(9)));
  if (!file.startsWith(weightsDir) || !existsSync(file)) {
    res.statusCode = 404;
    return res.end(`no ${path}: run \`npm run weights\``);
  }
  res.setHeader('content-type', 'application/octet-stream');
  createReadStream(file).pipe(res);
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [{ name: 'serve-weights', configureServer: (s) => void s.middlewares.use(serveWeights) }],
  resolve: {
    alias: {
      'yolo11-webgpu': join(repo, 'src/index.ts'),
      wgsl_reflect: join(repo, 'node_modules/wgsl_reflect/wgsl_reflect.module.js'),
    },
  },
  server: { host: '127.0.0.1', port: 5174, fs: { allow: [repo] } },
});
