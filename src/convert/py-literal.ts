/**
 * A Python literal (the `repr()` of Ultralytics' metadata dict) as JSON-like values: dicts, lists,
 * tuples, strings, ints, floats, True/False/None. Older TFLite exports store their metadata so, in a
 * `temp_meta.txt` inside the appended zip: `{'task': 'segment', 'imgsz': [640, 640], 'names': {0: 'person', …}}`.
 * Strings use the escapes of metadata.ts's parser. Depth and length are bounded; anything else is a
 * ModelImportError naming the character position.
 */
import { ModelImportError } from '../errors.js';
import { parsePyString } from './metadata.js';

export type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

const MAX_DEPTH = 32;

export function parsePyLiteral(s: string, what = 'metadata'): PyValue {
  let i = 0;
  const fail = (why: string): never => {
    throw new ModelImportError(`${what}: ${why} at character ${i} of its ${s.length}`);
  };
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      const out: Record<string, PyValue> = {};
      for (ws(); s[i] !== '}'; ws()) {
        const k = value(depth + 1);
        if (typeof k !== 'string' && typeof k !== 'number') fail('a dict key must be a string or a number');
        ws();
        if (s[i++] !== ':') fail('expected ":"');
        out[String(k)] = value(depth + 1);
        ws();
        if (s[i] === ',') i++;
        else if (s[i] !== '}') fail('expected "," or "}"');
      }
      i++;
      return out;
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const out: PyValue[] = [];
      for (ws(); s[i] !== close; ws()) {
        if (i >= s.length) fail(`expected "${close}"`);
        out.push(value(depth + 1));
        ws();
        if (s[i] === ',') i++;
        else if (s[i] !== close) fail(`expected "," or "${close}"`);
      }
      i++;
      return out;
    }
    if (c === "'" || c === '"' || ((c === 'u' || c === 'U') && /['"]/.test(s[i + 1] ?? ''))) {
      const r = parsePyString(s, i, what);
      i = r.end;
      return r.value;
    }
    const word = /^(True|False|None)\b/.exec(s.slice(i, i + 5));
    if (word) {
      i += word[0].length;
      return word[0] === 'True' ? true : word[0] === 'False' ? false : null;
    }
    const num = /^[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?|inf|nan)/i.exec(s.slice(i, i + 40));
    if (num) {
      i += num[0].length;
      return Number(num[0].replace(/inf/i, 'Infinity'));
    }
    return fail(i >= s.length ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
  };
  const v = value(0);
  ws();
  if (i !== s.length) fail('unexpected trailing text');
  return v;
}
