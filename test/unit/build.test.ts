/**
 * The built package: `npm run build` (vite lib build + tsc declarations) yields dist/index.js,
 * dist/index.d.ts and dist/cli.js; the public entry is browser-safe (no static Node imports), carries
 * its shaders and wgsl_reflect inside; dist/ needs no devDependency; and the bin runs from dist/. dist/ is rebuilt only
 * when a source is newer than it (`npm ci` builds it through `prepare`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { DIST, ROOT, ensureDist, run } from '../helpers/dist.js';

const OUTPUTS = ['index.js', 'index.d.ts', 'cli.js'].map((f) => join(DIST, f));

/** Bare-module and node: specifiers imported statically (import … from / export … from / import '…'). */
function staticImports(code: string): string[] {
  return [...code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2]);
}

beforeAll(ensureDist, 180_000);

describe('build (dist/)', () => {
  test('dist/index.js is browser-safe: no static Node or external imports, shaders and wgsl_reflect bundled in', () => {
    for (const f of OUTPUTS) expect(existsSync(f), f).toBe(true);
    // Walk the static import graph from the public entry.
    const seen = new Set<string>();
    const bare = new Set<string>();
    let code = '';
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      code += src;
      for (const s of staticImports(src)) {
        if (s.startsWith('./') || s.startsWith('../')) visit(join(file, '..', s));
        else bare.add(s);
      }
    };
    visit(join(DIST, 'index.js'));
    expect([...bare]).toEqual([]);
    // Booleans, not toMatch: a failure would print megabytes of bundle.
    expect(/var \w+_default = "[^"]*@compute/.test(code), 'shaders/*.wgsl inlined as strings').toBe(true);
    expect(/\bgetBindGroups\(\)\s*\{/.test(code), 'wgsl_reflect bundled (its own code, minified)').toBe(true);
    expect(/import\.meta\.glob\(/.test(code), 'no import.meta.glob left').toBe(false);
    expect(readFileSync(join(DIST, 'index.d.ts'), 'utf8')).toMatch(/createDetector|requestGPUContext/);
  });

  test('every package dist/ imports by name is a Node builtin or a runtime dependency (devDependencies are absent when installed)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const runtime = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const bad: string[] = [];
    for (const f of readdirSync(DIST).filter((n) => n.endsWith('.js'))) {
      const src = readFileSync(join(DIST, f), 'utf8');
      // Static imports, and dynamic ones with a literal name (computed names are the optional, guarded loads).
      const names = [...staticImports(src), ...[...src.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])];
      for (const s of names) {
        // '/…' is a URL inside page source that dist serves to Chromium (src/node/chromium-backend.ts).
        if (s.startsWith('.') || s.startsWith('/') || s.startsWith('node:') || builtinModules.includes(s)) continue;
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0];
        if (!runtime.has(name)) bad.push(`${f}: ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test('`yolo11-webgpu --help` exits 0 and lists the commands', () => {
    const r = run(process.execPath, ['bin/yolo11-webgpu.js', '--help']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^usage: yolo11-webgpu <command>/);
    for (const c of ['convert', 'inspect', 'detect']) expect(r.out).toContain(`  ${c} `);
  });

  test('an unknown command exits 2 with one line on stderr', () => {
    const r = run(process.execPath, ['bin/yolo11-webgpu.js', 'nosuchcmd']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/unknown command "nosuchcmd"/);
  });
});
