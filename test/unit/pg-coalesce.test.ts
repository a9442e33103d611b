import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Coalescer } from '../../src/store/postgres/coalesce.js';

describe('Coalescer (lookups of one event-loop turn in one query)', () => {
  test('answers each caller with its own key, one fetch per turn, split at the batch size', async () => {
    const fetched: string[][] = [];
    const c = new Coalescer<string, string>(async (keys) => {
      fetched.push(keys);
      return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.toUpperCase()]));
    }, 3);
    const got = await Promise.all(['a', 'b', 'a', 'missing', 'c', 'd'].map((k) => c.get(k)));
    assert.deepEqual(got, ['A', 'B', 'A', undefined, 'C', 'D']);
    // duplicate keys are asked for once; 5 distinct keys at 3 per query
    assert.deepEqual(fetched, [['a', 'b', 'missing'], ['c', 'd']]);
    assert.equal(await c.get('e'), 'E');
    assert.equal(fetched.length, 3);
  });

  test('a failed fetch fails the callers of that batch only', async () => {
    const c = new Coalescer<string, number>(async (keys) => {
      if (keys.includes('bad')) throw new Error('boom');
      return new Map(keys.map((k) => [k, k.length]));
    }, 2);
    const results = await Promise.allSettled(['ok', 'bad', 'fine'].map((k) => c.get(k)));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'fulfilled']);
    assert.equal((results[2] as PromiseFulfilledResult<number>).value, 4);
  });
});
