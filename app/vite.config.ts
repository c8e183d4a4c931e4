/**
 * The viewer app: `npm start` builds dist-app/ and serves it with `vite preview` on 127.0.0.1:4173;
 * `npm run dev:app` is the dev server (5173). The git-ignored weights/ folder is served at ./weights/ (never copied
 * into a build: the fracture model's licence forbids redistributing it).
 */
import { createReadStream, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, normalize } from 'node:path';
import { defineConfig, type Connect, type Plugin } from 'vite';

/** What `npm start` serves the app with; test/app checks that nothing violates it. */
export const CSP = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self'; img-src 'self' blob: data:";

const repo = fileURLToPath(new URL('..', import.meta.url));
const weightsDir = join(repo, 'weights');

const serveWeights: Connect.NextHandleFunction = (req, res, next) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const i = path.indexOf('/weights/');
  if (i < 0) return next();
  const file = normalize(join(weightsDir, path.slice(i + 9)));
  if (!file.startsWith(weightsDir) || !existsSync(file)) {
    res.statusCode = 404;
    return res.end(`no ${path}: run \`npm run weights\` to convert the fracture model into weights/`);
  }
  res.setHeader('content-type', 'application/octet-stream');
  createReadStream(file).pipe(res);
};

const weights = (): Plugin => ({
  name: 'serve-weights',
  configureServer: (s) => void s.middlewares.use(serveWeights),
  configurePreviewServer: (s) => void s.middlewares.use(serveWeights),
});

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [weights()],
  resolve: { alias: { wgsl_reflect: join(repo, 'node_modules/wgsl_reflect/wgsl_reflect.module.js') } },
  server: { host: '127.0.0.1', port: 5173, fs: { allow: [repo] } },
  // The production build is served under the strict policy the app is written for (no inline script, no eval).
  preview: { host: '127.0.0.1', port: 4173, headers: { 'Content-Security-Policy': CSP } },
  worker: { format: 'es' },
  build: { outDir: join(repo, 'dist-app'), emptyOutDir: true, target: 'es2022' },
});
