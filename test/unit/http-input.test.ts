import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, nestingDepth } from '../../src/api/http/body.js';
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
