import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trimOldest } from '../../src/util/bounded-map.js';

describe('trimOldest', () => {
  test('a map at or under its bound is left alone', () => {
    const m = new Map([...Array(32).keys()].map((k) => [k, k]));
    trimOldest(m, 32);
    assert.equal(m.size, 32);
  });

  test('over the bound, the oldest go first, down to a sixteenth below it', () => {
    const m = new Map<number, number>();
    for (let k = 0; k < 33; k++) m.set(k, k);
    trimOldest(m, 32);
    assert.equal(m.size, 30);
    assert.deepEqual([...m.keys()].slice(0, 2), [3, 4]);
    assert.ok(m.has(32));
  });

  test('a re-inserted key counts as new (the least recently set goes first)', () => {
    const m = new Map<string, number>([['a', 1], ['b', 2], ['c', 3]]);
    m.delete('a');
    m.set('a', 1);
    m.set('d', 4);
    trimOldest(m, 3);
    assert.deepEqual([...m.keys()], ['c', 'a', 'd']);
  });

  test('a small bound still trims at least one entry', () => {
    const m = new Map([[1, 1], [2, 2], [3, 3]]);
    trimOldest(m, 2);
    assert.deepEqual([...m.keys()], [2, 3]);
  });
});
