/**
 * WGSL reflection: binding layouts and uniform-struct offsets are read from the WGSL itself
 * (wgsl_reflect), so TypeScript never counts bytes by hand.
 */
import { ResourceType, WgslReflect } from 'wgsl_reflect';

const sources = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export interface UniformField {
  offset: number;
  /** 'u32' | 'i32' | 'f32', or a vector/array of them. */
  scalar: 'u32' | 'i32' | 'f32';
  count: number;
}

export interface BindingInfo {
  name: string;
  binding: number;
  kind: 'uniform' | 'storage' | 'read-only-storage' | 'texture' | 'sampler' | 'storage-texture';
}

export interface ShaderInfo {
  name: string;
  code: string;
  bindings: BindingInfo[];
  /** The uniform struct, if the shader has one (at most one uniform binding per shader). */
  uniform?: { binding: number; size: number; fields: Map<string, UniformField> };
  overrides: string[];
}

const cache = new Map<string, ShaderInfo>();

/** All shader names (file stems of shaders/*.wgsl). */
export function shaderNames(): string[] {
  return Object.keys(sources).map((p) => p.replace(/^.*\/(.*)\.wgsl$/, '$1'));
}

/** Reflect `shaders/<name>.wgsl`. */
export function shader(name: string): ShaderInfo {
  const hit = cache.get(name);
  if (hit) return hit;
  const code = sources[`../../shaders/${name}.wgsl`];
  if (code === undefined) throw new Error(`no shader shaders/${name}.wgsl`);
  const info = reflect(name, code);
  cache.set(name, info);
  return info;
}

const scalarOf = (t: string): UniformField['scalar'] | undefined =>
  /^(u32|vec[234]u|vec[234]<u32>)$/.test(t) ? 'u32' : /^(i32|vec[234]i|vec[234]<i32>)$/.test(t) ? 'i32' : /^(f32|vec[234]f|vec[234]<f32>)$/.test(t) ? 'f32' : undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyType = any;

export function reflect(name: string, code: string): ShaderInfo {
  const r = new WgslReflect(code);
  const group = r.getBindGroups()[0] ?? [];
  const bindings: BindingInfo[] = [];
  for (const b of group as AnyType[]) {
    if (!b) continue;
    const t = b.resourceType as ResourceType;
    const kind: BindingInfo['kind'] =
      t === ResourceType.Uniform ? 'uniform'
        : t === ResourceType.Storage ? (b.access === 'read' ? 'read-only-storage' : 'storage')
          : t === ResourceType.Texture ? 'texture' : t === ResourceType.Sampler ? 'sampler' : 'storage-texture';
    if (t === ResourceType.Immediate) throw new Error(`shaders/${name}.wgsl: immediate data is not supported`);
    bindings.push({ name: b.name, binding: b.binding, kind });
  }
  let uniform: ShaderInfo['uniform'];
  const u = (r.uniforms as AnyType[])[0];
  if (u) {
    const fields = new Map<string, UniformField>();
    for (const m of u.members as AnyType[]) {
      const t = m.type;
      const tname: string = t.format ? `${t.name}<${t.format.name}>` : t.name;
      let scalar = scalarOf(tname) ?? scalarOf(t.name);
      let count = /vec([234])/.exec(tname)?.[1] ? Number(/vec([234])/.exec(tname)![1]) : 1;
      if (t.name === 'array') {
        const el: string = t.format?.format ? `${t.format.name}<${t.format.format.name}>` : t.format?.name;
        scalar = scalarOf(el);
        count = (t.count ?? 0) * (/vec([234])/.exec(el)?.[1] ? Number(/vec([234])/.exec(el)![1]) : 1);
      }
      if (!scalar) throw new Error(`shaders/${name}.wgsl: uniform field ${m.name} has unsupported type ${tname}`);
      fields.set(m.name, { offset: m.offset, scalar, count });
    }
    uniform = { binding: u.binding, size: Math.ceil(u.size / 16) * 16, fields };
  }
  return { name, code, bindings, uniform, overrides: (r.overrides as AnyType[]).map((o) => o.name) };
}

/** Pack uniform values by field name. Every field must be given; arrays/vectors take number arrays. */
export function packUniforms(info: ShaderInfo, values: Record<string, number | readonly number[]>): ArrayBuffer {
  const u = info.uniform;
  if (!u) throw new Error(`shaders/${info.name}.wgsl has no uniform struct`);
  const buf = new ArrayBuffer(u.size);
  const dv = new DataView(buf);
  for (const [k, f] of u.fields) {
    const v = values[k];
    if (v === undefined) throw new Error(`shaders/${info.name}.wgsl: uniform ${k} not given`);
    const arr = typeof v === 'number' ? [v] : v;
    if (arr.length !== f.count) throw new Error(`shaders/${info.name}.wgsl: uniform ${k} needs ${f.count} values, got ${arr.length}`);
    // arrays of vec4 are 16-byte strided, like their elements; scalar arrays in uniforms are not allowed (stride 16) — use vec4 arrays
    arr.forEach((x, i) => {
      const o = f.offset + i * 4;
      if (f.scalar === 'f32') dv.setFloat32(o, x, true);
      else if (f.scalar === 'i32') dv.setInt32(o, x, true);
      else dv.setUint32(o, x, true);
    });
  }
  for (const k of Object.keys(values)) if (!u.fields.has(k)) throw new Error(`shaders/${info.name}.wgsl: no uniform field ${k}`);
  return buf;
}
