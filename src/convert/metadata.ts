/**
 * Ultralytics export metadata. ONNX `metadata_props` values are Python reprs, e.g.
 *   names  "{0: 'person', 1: 'bicycle', 2: \"it's\"}"   (a dict; older exports: a list)
 *   imgsz  "[640, 640]"                                 (or a single "640")
 * TFLite exports carry the same fields as JSON; this parser reads both (JSON strings are Python strings).
 */
import { ModelImportError, UnsupportedModelError } from '../errors.js';

/** Python string-literal escapes that Ultralytics' repr() can emit (plus JSON's `\/`). */
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '/': '/' };
const HEX_LEN: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A tiny cursor over a Python literal; every failure names the character position. */
class Cursor {
  i = 0;
  constructor(readonly s: string, readonly what: string) {}
  fail(why: string): never {
    throw new ModelImportError(`metadata ${this.what} ${JSON.stringify(this.s.length > 60 ? `${this.s.slice(0, 60)}…` : this.s)}: ${why} at character ${this.i}`);
  }
  ws() { while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++; }
  peek() { this.ws(); return this.s[this.i]; }
  eat(c: string) { if (this.peek() !== c) this.fail(`expected "${c}"`); this.i++; }
  int(): number {
    this.ws();
    const m = /^\d{1,6}/.exec(this.s.slice(this.i));
    if (!m) this.fail('expected an integer');
    this.i += m[0].length;
    return Number(m[0]);
  }
  str(): string {
    this.ws();
    if (/[uU]/.test(this.s[this.i] ?? '') && /['"]/.test(this.s[this.i + 1] ?? '')) this.i++;
    const q = this.s[this.i];
    if (q !== "'" && q !== '"') this.fail('expected a quoted string');
    let out = '';
    for (this.i++; ; ) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail('unterminated string');
      if (c === q) return out;
      if (c !== '\\') { out += c; continue; }
      const e = this.s[this.i++];
      if (e === undefined) this.fail('unterminated escape');
      if (e in HEX_LEN) {
        const hex = this.s.slice(this.i, this.i + HEX_LEN[e]);
        if (!new RegExp(`^[0-9a-fA-F]{${HEX_LEN[e]}}$`).test(hex)) this.fail(`bad \\${e} escape`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) this.fail(`bad \\${e} escape`);
        out += String.fromCodePoint(cp);
        this.i += HEX_LEN[e];
      } else {
        out += ESCAPES[e] ?? `\\${e}`; // Python keeps unknown escapes verbatim
      }
    }
  }
  /** A dict key: an integer, or a quoted integer (JSON objects). */
  key(): number {
    if (this.peek() !== "'" && this.peek() !== '"') return this.int();
    const at = this.i;
    const k = this.str();
    if (!/^\d{1,6}$/.test(k)) { this.i = at; this.fail(`key ${JSON.stringify(k)} is not a class index`); }
    return Number(k);
  }
  end() { this.ws(); if (this.i !== this.s.length) this.fail('unexpected trailing text'); }
}

/** Class names from `names`: a dict {index: name} with indices exactly 0..n-1, or a list of names. */
export function parseNames(s: string): string[] {
  const c = new Cursor(s, 'names');
  const open = c.peek();
  if (open !== '{' && open !== '[') c.fail('expected a dict or a list');
  const close = open === '{' ? '}' : ']';
  c.eat(open);
  const out: string[] = [];
  const seen = new Set<number>();
  while (c.peek() !== close) {
    if (open === '{') {
      const k = c.key();
      if (seen.has(k)) c.fail(`class index ${k} appears twice`);
      c.eat(':');
      seen.add(k);
      out[k] = c.str();
    } else {
      out.push(c.str());
    }
    if (c.peek() === ',') c.i++;
    else if (c.peek() !== close) c.fail(`expected "," or "${close}"`);
  }
  c.eat(close);
  c.end();
  if (!out.length) c.fail('no class names');
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) c.fail(`class index ${i} is missing (indices go up to ${out.length - 1})`);
  return out;
}

/** `imgsz`: "[h, w]", "(h, w)", "[s]" or "s" → [h, w], each a multiple of 32 in 32..8192. */
export function parseImgsz(s: string): [number, number] {
  const c = new Cursor(s, 'imgsz');
  const open = c.peek();
  const close = open === '[' ? ']' : open === '(' ? ')' : undefined;
  if (close) c.eat(open);
  const v = [c.int()];
  if (close) {
    if (c.peek() === ',') { c.i++; if (c.peek() !== close) v.push(c.int()); }
    c.eat(close);
  }
  c.end();
  const hw: [number, number] = [v[0], v[1] ?? v[0]];
  if (!hw.every((x) => x >= 32 && x <= 8192 && x % 32 === 0)) c.fail(`size [${hw}] is not a multiple of 32 in 32..8192`);
  return hw;
}

/** One Python string literal starting at `start` (quotes, u-prefix and escapes as above): its value and the index after it. */
export function parsePyString(s: string, start: number, what: string): { value: string; end: number } {
  const c = new Cursor(s, what);
  c.i = start;
  const value = c.str();
  return { value, end: c.i };
}

/** `kpt_shape`: "[17, 3]" or (17, 3) or [17, 3] → [K, D]; D must be 2 or 3. */
export function parseKptShape(v: unknown): [number, number] {
  const s = Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
  const m = /^\s*[[(]\s*(\d{1,6})\s*,\s*(\d{1,6})\s*,?\s*[\])]\s*$/.exec(s);
  if (!m) throw new ModelImportError(`metadata kpt_shape ${JSON.stringify(s)} is not a (K, D) pair`);
  const kd: [number, number] = [Number(m[1]), Number(m[2])];
  if (kd[0] < 1 || (kd[1] !== 2 && kd[1] !== 3)) throw new UnsupportedModelError(`metadata kpt_shape (${kd[0]}, ${kd[1]}) is not (K, 2|3): keypoints have 2 values (x, y) or 3 (x, y, visibility)`);
  return kd;
}
