import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeenIds } from '../../sdk/src/index.js';

describe('SDK: seen msg_ids', () => {
  test('add reports whether the id is new', () => {
    const seen = new SeenIds(10);
    assert.equal(seen.add('1'), true);
    assert.equal(seen.add('1'), false);
    assert.equal(seen.has('1'), true);
    assert.equal(seen.has('2'), false);
  });

  test('keeps only the most recent ids, oldest first', () => {
    const seen = new SeenIds(2000);
    for (let i = 0; i < 2500; i++) seen.add(String(i));
    assert.equal(seen.size, 2000);
    assert.equal(seen.has('499'), false);
    assert.equal(seen.has('500'), true);
    assert.equal(seen.has('2499'), true);
    const ids = seen.toArray();
    assert.equal(ids[0], '500');
    assert.equal(ids.at(-1), '2499');
    // an evicted id counts as new again
    assert.equal(seen.add('0'), true);
    assert.equal(seen.has('500'), false);
  });

  test('starts from saved ids and trims them to the limit', () => {
    const seen = new SeenIds(3, ['1', '2', '3', '4', '2']);
    assert.deepEqual(seen.toArray(), ['2', '3', '4']);
  });
});
