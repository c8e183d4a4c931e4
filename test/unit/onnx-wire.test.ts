/**
 * The ONNX wire-format codec (src/convert/onnx-wire.ts) against protobufjs + onnx-proto (a
 * devDependency kept as an independent implementation): the same values for every field in its
 * schema on the COCO exports; a decode → edit → encode round trip that protobufjs reads back with the
 * edits and with every field outside the schema intact; negative and packed numbers; malformed input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import pkg from 'onnx-proto';
import { decodeModelProto, encodeModelProto, type Message } from '../../src/convert/onnx-wire.js';
import { fixture } from '../helpers/fixtures.js';

const { onnx } = pkg;
/* eslint-disable @typescript-eslint/no-explicit-any */

/** protobufjs's decode as plain data: int64 as numbers, bytes as base64. */
const plain = (bytes: Uint8Array) => onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number, bytes: String });
/** The fields in onnx-wire's schema, read the way the importer reads them. */
const schemaView = (m: any) => ({
  meta: m.metadataProps.map((p: any) => [p.key, p.value]),
  nodes: m.graph.node.map((n: any) => [n.name, n.opType, [...n.input], [...n.output], n.attribute.map((a: any) => [a.name, a.type, Number(a.i), a.f])]),
  inits: m.graph.initializer.map((t: any) => [t.name, t.dims.map(Number), t.dataType, Buffer.from(t.rawData).toString('base64'), [...t.floatData], [...t.int32Data], t.int64Data.map(Number), [...t.doubleData], t.dataLocation ?? 0]),
  values: [...m.graph.input, ...m.graph.output, ...m.graph.valueInfo].map((v: any) => [v.name, v.type?.tensorType?.elemType, v.type?.tensorType?.shape?.dim.map((d: any) => [d.dimValue == null ? null : Number(d.dimValue), d.dimParam ?? null])]),
});

describe('ONNX wire format', () => {
  for (const file of ['yolo11n-coco-fp32.onnx', 'yolo11n-coco-uint8.onnx']) {
    test(`${file}: the same values as protobufjs; re-encoded, protobufjs reads back the whole model`, () => {
      const bytes = new Uint8Array(readFileSync(fixture(`models/${file}`)));
      const ours = decodeModelProto(bytes);
      expect(JSON.stringify(schemaView(ours)) === JSON.stringify(schemaView(onnx.ModelProto.decode(bytes))), 'schema fields differ').toBe(true);
      const again = encodeModelProto(ours);
      expect(again.length).toBe(bytes.length); // same fields, reordered: fields outside the schema go last
      expect(JSON.stringify(plain(again)) === JSON.stringify(plain(bytes)), 'round trip lost something').toBe(true);
    });
  }

  test('edits survive the round trip: changed dims, a new output, dropped type and value_info', () => {
    const m = decodeModelProto(new Uint8Array(readFileSync(fixture('models/yolo11n-coco-fp32.onnx'))));
    const dim = m.graph.input[0].type.tensorType.shape.dim;
    dim[2] = { dimValue: 320 };
    dim[3] = { dimParam: 'width' };
    m.graph.output.push({ name: '/model.4/cv2/act/Mul_output_0' });
    m.graph.output[0].type = undefined;
    m.graph.valueInfo = [];
    m.graph.initializer[0].dims = [-1, 2 ** 40];
    const back = plain(encodeModelProto(m));
    expect(back.graph.input[0].type.tensorType.shape.dim.slice(2)).toEqual([{ dimValue: 320 }, { dimParam: 'width' }]);
    expect(back.graph.output.map((o: any) => [o.name, !!o.type])).toEqual([['output0', false], ['/model.4/cv2/act/Mul_output_0', false]]);
    expect(back.graph.valueInfo ?? []).toEqual([]);
    expect(back.graph.initializer[0].dims).toEqual([-1, 2 ** 40]);
    expect(back.opsetImport).toEqual(plain(new Uint8Array(readFileSync(fixture('models/yolo11n-coco-fp32.onnx')))).opsetImport); // outside the schema
  });

  test('numbers: negative int32/int64, packed and unpacked repeated fields, float and double, defaults', () => {
    const t = { name: 't', dims: [2, -3], dataType: 7, int64Data: [-1, 2 ** 53 - 1, 0], int32Data: [-5, 7], floatData: [1.5, -0.25], doubleData: [Math.PI] };
    const bytes = onnx.ModelProto.encode({ graph: { node: [{ opType: 'X', attribute: [{ name: 'axis', type: 2, i: -1 }, { name: 'eps', type: 1, f: 0.5 }] }], initializer: [t] } }).finish();
    const m = decodeModelProto(bytes);
    const d = m.graph.initializer[0];
    expect([d.name, d.dims, d.dataType, d.int64Data, d.int32Data, d.floatData, d.doubleData]).toEqual(['t', [2, -3], 7, [-1, 2 ** 53 - 1, 0], [-5, 7], [1.5, -0.25], [Math.PI]]);
    expect(m.graph.node[0].attribute.map((a: Message) => [a.name, a.i, a.f])).toEqual([['axis', -1, 0], ['eps', 0, 0.5]]);
    // Absent fields: scalar defaults (not own properties), [] for repeated, null for messages, undefined for oneof members.
    expect([d.rawData.length, d.dataLocation, Object.hasOwn(d, 'rawData'), m.graph.node[0].name, m.graph.input, m.metadataProps]).toEqual([0, 0, false, '', [], []]);
    expect([m.graph.node[0].attribute[0].t, decodeModelProto(new Uint8Array(0)).graph]).toEqual([undefined, null]);
    // dims written unpacked (as onnx.proto declares it), packed read too.
    const unpacked = Uint8Array.of(0x3a, 6, 0x2a, 4, 0x08, 2, 0x08, 3); // graph { initializer { dims: 2, dims: 3 } }
    const packed = Uint8Array.of(0x3a, 6, 0x2a, 4, 0x0a, 2, 2, 3); // graph { initializer { dims: [2, 3] packed } }
    for (const b of [unpacked, packed]) expect(decodeModelProto(b).graph.initializer[0].dims).toEqual([2, 3]);
    expect([...encodeModelProto(decodeModelProto(packed))]).toEqual([...unpacked]);
    expect(JSON.stringify(plain(encodeModelProto(m)))).toBe(JSON.stringify(plain(bytes)));
  });

  test('malformed input throws an Error saying where; it never reads past the end', () => {
    const bytes = new Uint8Array(readFileSync(fixture('models/yolo11n-coco-uint8.onnx')));
    expect(() => decodeModelProto(bytes.subarray(0, bytes.length - 1))).toThrow(/past the end|truncated/);
    expect(() => decodeModelProto(Uint8Array.of(0x3a, 0x05, 0x0a))).toThrow(/GraphProto|ModelProto.graph: a message of 5 bytes at offset 2 runs past the end \(3\)/);
    expect(() => decodeModelProto(Uint8Array.of(0x16, 0))).toThrow(/^wire type 6 at offset 1$/); // field 2, outside the schema
    expect(() => decodeModelProto(Uint8Array.of(0x13))).toThrow(/wire type 3 .*groups/);
    expect(() => decodeModelProto(Uint8Array.of(0x38, 1))).toThrow(/ModelProto.graph \(field 7\) has wire type 0 at offset 0, expected 2/);
    expect(() => decodeModelProto(Uint8Array.of(0x08, ...new Array(10).fill(0xff), 1))).toThrow(/varint longer than 10 bytes/);
    expect(() => decodeModelProto(Uint8Array.of(0x08, 0x80))).toThrow(/truncated varint/);
    // Field 0 and unknown fields are skipped (as protobufjs does): 64 zero bytes are an empty model.
    expect(decodeModelProto(new Uint8Array(64)).graph).toBe(null);
  });
});
