import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AudienceIndex, RoaringBitmap32 } from '../../src/audience/audience-index.js';
import { ApiError } from '../../src/domain/errors.js';
import type { Push } from '../../src/domain/push.js';
import { LISTED_TARGETS, Planner, serializeSorted } from '../../src/delivery/planner.js';

const APP = 'a'.repeat(24);

/** A deterministic generator, so a failure names its case. */
function numbers(seed: number, count: number, spread: number): number[] {
  let x = seed;
  const out = new Set<number>();
  while (out.size < count) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    out.add(x % spread);
  }
  return [...out].sort((a, b) => a - b);
}

function push(audience: Push['audience'], platforms: Push['platforms'] = ['android', 'ios']): Push {
  return {
    appKey: APP,
    source: 'jpush',
    sendno: '0',
    platforms,
    audience,
    notification: { alert: 'hi' },
    options: { timeToLive: 60, bigPushDuration: 0, apnsProduction: false, raw: {} },
  };
}

describe('planner', () => {
  it('serializes a few numbers exactly as roaring does', () => {
    const cases: number[][] = [[0], [65_535], [65_536], [1, 2, 3], [0, 65_535, 65_536, 131_071, 2 ** 32 - 1]];
    for (let seed = 1; seed <= 60; seed++) {
      cases.push(numbers(seed, 1 + (seed % LISTED_TARGETS), seed % 3 === 0 ? 1000 : seed % 3 === 1 ? 1_000_000 : 2 ** 32));
    }
    for (const nums of cases) {
      const bytes = new RoaringBitmap32(nums).serialize('portable');
      assert.deepEqual(serializeSorted(nums), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), `numbers ${nums.join(',')}`);
      assert.deepEqual(RoaringBitmap32.deserialize(serializeSorted(nums), 'portable').toArray(), nums);
    }
  });

  it('plans a few explicit devices as a list and more as a bitmap, with the same targets', async () => {
    const rids = new Map<string, number>();
    const aliased = [5, 3, 3, 1];
    const index = new AudienceIndex({
      numsByAliases: async () => aliased,
      numsByAccounts: async () => [],
      numsByRegistrationIds: async (_app, ids) => new Map(ids.filter((id) => rids.has(id)).map((id) => [id, rids.get(id)!])),
    });
    for (let n = 0; n < 200; n++) {
      index.addDevice(APP, n, n % 3 === 0 ? 'web' : n % 3 === 1 ? 'android' : 'ios');
      rids.set(`rid${n}`, n);
    }
    const planner = new Planner(index);

    const few = await planner.plan(push({ registrationId: ['rid7', 'rid2', 'nobody', 'rid3', 'rid8'] }));
    assert.deepEqual(few.nums, [2, 7, 8], 'android and ios devices only, in order');
    assert.equal(few.count, 3);
    assert.deepEqual(few.bitmap.toArray(), [2, 7, 8]);
    assert.deepEqual(RoaringBitmap32.deserialize(few.serialized, 'portable').toArray(), [2, 7, 8]);

    // aliases may name a device twice; the lookup's own array is not reordered
    const byAlias = await planner.plan(push({ alias: ['x'] }, ['android', 'ios', 'hmos', 'quickapp']));
    assert.deepEqual(byAlias.nums, [1, 3, 5]);
    assert.deepEqual(aliased, [5, 3, 3, 1]);

    // named in any order (a handful, and more than a handful): stored in increasing order
    for (const n of [6, 40]) {
      const ids = Array.from({ length: n }, (_, i) => `rid${(i * 37) % n}`).reverse();
      const plannedIds = await planner.plan(push({ registrationId: ids }));
      const want = Array.from({ length: n }, (_, i) => i).filter((k) => k % 3 !== 0);
      assert.deepEqual(plannedIds.nums, want);
      assert.deepEqual(RoaringBitmap32.deserialize(plannedIds.serialized, 'portable').toArray(), want);
    }

    const many = Array.from({ length: 150 }, (_, i) => `rid${i}`);
    const wide = await planner.plan(push({ registrationId: many }));
    assert.equal(wide.nums, undefined);
    const expected = Array.from({ length: 150 }, (_, i) => i).filter((n) => n % 3 !== 0);
    assert.ok(expected.length > LISTED_TARGETS);
    assert.equal(wide.count, expected.length);
    assert.deepEqual(wide.bitmap.toArray(), expected);
    assert.deepEqual(RoaringBitmap32.deserialize(wide.serialized, 'portable').toArray(), expected);

    await assert.rejects(
      planner.plan(push({ registrationId: ['rid0', 'nobody'] })),
      (err: unknown) => err instanceof ApiError && err.code === 1011,
      'a web device only, for an android and ios push: no target',
    );
    await assert.rejects(
      planner.plan({ ...push({ registrationId: ['rid1'] }), appKey: 'b'.repeat(24) }),
      (err: unknown) => err instanceof ApiError && err.code === 1011,
      'another app has no such device',
    );
  });
});
