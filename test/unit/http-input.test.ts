import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { MAX_JSON_DEPTH, installBodyHandling, nestingDepth, scanJsonText, serializedBytesBound } from '../../src/api/http/body.js';
import { mulberry32 } from '../helpers/prng.js';
import { addressKey } from '../../src/api/http/client-address.js';

test('nestingDepth counts brackets outside strings, and stops past the limit', () => {
  assert.equal(nestingDepth('"x"', 10), 0);
  assert.equal(nestingDepth('{"a":[1,{"b":[]}]}', 10), 4);
  assert.equal(nestingDepth('{"a":"[[[[{{{{\\"[[[["}', 10), 1);
  assert.equal(nestingDepth('["\\\\",[["\\\\"]]]', 10), 3);
  assert.equal(nestingDepth('['.repeat(1_000_000), MAX_JSON_DEPTH), MAX_JSON_DEPTH + 1);
  // malformed text is the parser's business (a leading ] can only lower the count, and JSON.parse refuses it)
  assert.equal(nestingDepth(']]]{', 10), 0);
});

test('addressKey: IPv4 as is, IPv4-mapped unwrapped, IPv6 by /64', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0db8:0001:0002::ff'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('2001:DB8::2'), addressKey('2001:db8::1'));
  assert.notEqual(addressKey('2001:db8:0:1::1'), addressKey('2001:db8::1'));
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
});

test('scanJsonText counts numbers written with an exponent, not the e of true and false', () => {
  assert.deepEqual(scanJsonText('{"a":[1e5,2.5E-3,-7e+2],"b":true,"c":false,"d":"1e5"}', 10), { depth: 2, exponents: 3, poisonable: false });
  assert.deepEqual(scanJsonText('[0, 10, 1.5, "e", "\\"1e2"]', 10), { depth: 1, exponents: 0, poisonable: false });
});

test('serializedBytesBound bounds JSON.stringify of parsed text and of its parts (random texts)', () => {
  const random = mulberry32(15);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const ws = () => pick(['', '', ' ', '\n  ', '\t']);
  const numbers = ['0', '-0', '7', '-12', '1.0', '0.1', '123456789012345678901234', '0.0000001', '1e20', '1E21', '1e-7', '1e-6', '5e-324', '1e400', '-1.5e+300', '9.999999999999999e22', '0.30000000000000004', '1e0', '2E-1'];
  const pieces = ['a', 'é', '深', '😀', '\\n', '\\"', '\\\\', '\\/', '\\u00e9', '\\u0001', '\\ud800', '\\udc00x', '\\ud83d\\ude00', '\\u2028', '\\b', ' '];
  const str = () => {
    let s = '';
    for (let n = Math.floor(random() * 6); n > 0; n--) s += pick(pieces);
    return `"${s}"`;
  };
  const value = (depth: number): string => {
    const r = random();
    if (depth > 3 || r < 0.35) return pick([...numbers, 'true', 'false', 'null']);
    if (r < 0.6) return str();
    const n = Math.floor(random() * 5);
    if (r < 0.8) return `[${ws()}${Array.from({ length: n }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
    return `{${Array.from({ length: n }, (_, i) => `${ws()}${str().slice(0, -1)}${i}"${ws()}:${ws()}${value(depth + 1)}`).join(',')}${ws()}}`;
  };
  const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');
  for (let i = 0; i < 3000; i++) {
    const text = `${ws()}[${Array.from({ length: 1 + Math.floor(random() * 4) }, () => value(0)).join(',')}]${ws()}`;
    const parsed = JSON.parse(text) as unknown[];
    const bound = serializedBytesBound(text.length, scanJsonText(text, MAX_JSON_DEPTH).exponents);
    assert.ok(bytes(parsed) <= bound, text);
    let parts = 0;
    for (const part of parsed) parts += bytes(part);
    assert.ok(parts <= bound, text);
  }
  // the numbers that grow most: 1e20 is written with 21 digits
  const grown = `[${Array(200).fill('1e20').join(',')}]`;
  assert.ok(bytes(JSON.parse(grown)) > 3 * grown.length);
  assert.ok(bytes(JSON.parse(grown)) <= serializedBytesBound(grown.length, scanJsonText(grown, MAX_JSON_DEPTH).exponents));
});

test('scanJsonText: a string that is or may be written as __proto__ or constructor makes the text poisonable', () => {
  const poisonable = (text: string) => scanJsonText(text, MAX_JSON_DEPTH).poisonable;
  assert.equal(poisonable('{"a":"b","proto":"__proto_","constructors":1,"x":"\\\\u005f"}'), false);
  for (const text of ['{"__proto__":{}}', '["constructor"]', '{"\\u005f_proto__":{}}', '{"a":"\\u00e9"}', '{"\\u0063onstructor":{"prototype":{}}}', '{"a":"unterminated']) {
    assert.equal(poisonable(text), true, text);
  }
});

test('bodies: prototype poisoning refused however it is written, clean JSON and a BOM read as before', async () => {
  const app = Fastify();
  installBodyHandling(app);
  app.post('/echo', async (request) => ({ body: request.body ?? null, bound: request.jsonBytesBound }));
  const post = (payload: string) => app.inject({ method: 'POST', url: '/echo', payload, headers: { 'content-type': 'application/json' } });
  for (const payload of [
    '{"__proto__":{"polluted":1}}',
    '{"a":{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":1}}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"\\u0063onstructor":{"prototype":{"polluted":1}}}',
    '{"a":1',
    '{"a":"x"} x',
  ]) {
    const res = await post(payload);
    assert.equal(res.statusCode, 400, payload);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
  // a constructor key whose value has no prototype is allowed, as before
  assert.deepEqual((await post('{"a":["é","\\u00e9"],"constructor":"x"}')).json().body, { a: ['é', 'é'], constructor: 'x' });
  const clean = await post('{"a":[1e2,"x"]}');
  assert.deepEqual(clean.json(), { body: { a: [100, 'x'] }, bound: serializedBytesBound(15, 1) });
  const bom = await post('\ufeff{"a":1}');
  assert.deepEqual(bom.json().body, { a: 1 });
  await app.close();
});
