import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { RelayWork } from '../../src/store/relay-types.js';
import { contract, type OpenedStore } from './harness.js';
import { bitmap, members, newDevice, newPush } from './fixtures.js';

const lease = (node: string, ms = 1_000) => ({ node, ms });

contract('relay queue', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('queues slices with the push, claims them under a lease another node cannot take until it runs out', async () => {
    const { relay, pushes } = db.store;
    const other = await db.another();
    await pushes.insert(newPush('500', 'k'), { bitmap: bitmap([0, 1, 2, 3, 4]), count: 5, relay: [[0, 3], [3, 5]] });
    assert.equal(await relay.pending(), 2);
    assert.equal(await relay.pendingFor('500'), 2);
    assert.equal(await relay.pendingFor('junk'), 0);
    assert.deepEqual(await relay.claim(999, 10, lease('a')), [], 'not due before the push was accepted');

    const first = await relay.claim(1_000, 10, lease('a'));
    assert.deepEqual(first.map((w) => [w.msgId, w.appKey, w.lo, w.hi, w.nums, w.attempts, w.claimedBy]), [
      ['500', 'k', 0, 3, null, 0, 'a'],
      ['500', 'k', 3, 5, null, 0, 'a'],
    ]);
    assert.deepEqual(await other.relay.claim(1_500, 10, lease('b')), [], 'leased to a');
    assert.deepEqual(await relay.claim(1_500, 10, lease('a')), [], 'not twice to a either');
    // a renews one lease, the other runs out and goes to b
    assert.deepEqual(await relay.renew([first[0]!.id], 'a', 5_000), [first[0]!.id]);
    const taken = await other.relay.claim(2_000, 10, lease('b'));
    assert.deepEqual(taken.map((w) => [w.id, w.claimedBy]), [[first[1]!.id, 'b']]);
    assert.deepEqual(await relay.renew([first[1]!.id], 'a', 9_000), [], 'a no longer holds it');

    // a's late confirmation of the slice b took: its results count, its retry does not queue
    const stale = await relay.complete({ work: first[1]!, retry: { nums: [4], nextAt: 2_000, attempts: 1 }, results: [{ channel: 'apns', sent: [3], failed: [], dead: [] }], deadTokens: [], badges: [] });
    assert.equal(stale, false);
    assert.equal(await relay.pendingFor('500'), 2);
    // b confirms it with a retry of device 4 (a jittered delay: not a whole millisecond)
    assert.equal(await other.relay.complete({ work: taken[0]!, retry: { nums: [4], nextAt: 2_999.25, attempts: 1 }, results: [{ channel: 'apns', sent: [], failed: [], dead: [] }], deadTokens: [], badges: [] }), true);
    assert.equal(await relay.complete({ work: first[0]!, results: [{ channel: 'apns', sent: [0, 1], failed: [2], dead: [] }], deadTokens: [], badges: [] }), true);
    assert.equal(await relay.pendingFor('500'), 1);
    assert.deepEqual(await relay.claim(2_999, 10, lease('a')), []);
    const retry = await relay.claim(3_000, 10, lease('a'));
    assert.deepEqual(retry.map((w) => [w.lo, w.hi, members(w.nums), w.attempts]), [[4, 5, [4], 1]]);
    const receipts = await relay.receipts('500');
    assert.deepEqual(receipts.map((r) => [r.channel, members(r.sent), members(r.failed), members(r.dead)]), [['apns', [0, 1, 3], [2], []]]);
    assert.deepEqual(await relay.receipts('nope'), []);
  });

  it('keeps the devices a vendor quota sent back to the own connection, merged across slices', async () => {
    const { relay, pushes } = db.store;
    await pushes.insert(newPush('510', 'k'), { bitmap: bitmap([0, 1, 2, 3]), count: 4, relay: [[0, 2], [2, 4]] });
    const slices = await relay.claim(1_000, 10, lease('a'));
    assert.equal(slices.length, 2);
    const [lo, hi] = slices;
    assert.equal(await relay.complete({ work: lo!, results: [{ channel: 'xiaomi', sent: [0], failed: [], dead: [], fallback: [1] }], deadTokens: [], badges: [] }), true);
    assert.equal(await relay.complete({ work: hi!, results: [{ channel: 'xiaomi', sent: [], failed: [], dead: [], fallback: [2, 3] }, { channel: 'oppo', sent: [2], failed: [], dead: [] }], deadTokens: [], badges: [] }), true);
    const receipts = await relay.receipts('510');
    assert.deepEqual(
      receipts.map((r) => [r.channel, members(r.sent), r.fallback ? members(r.fallback) : null]),
      [
        ['oppo', [2], null],
        ['xiaomi', [0], [1, 2, 3]],
      ],
    );
  });

  it('postpones a failed slice for every node, and a restarting node releases what it held', async () => {
    const opened = await kind.open();
    try {
      const { relay, pushes } = opened.store;
      const other = await opened.another();
      await pushes.insert(newPush('600', 'k'), { bitmap: bitmap([0, 1]), count: 2, relay: [[0, 1], [1, 2]] });
      const [one, two] = await relay.claim(1_000, 10, lease('a', 60_000));
      await relay.postpone(one!.id, 'b', 50_000); // not b's: nothing happens
      await relay.postpone(one!.id, 'a', 5_000);
      assert.deepEqual(await other.relay.claim(4_999, 10, lease('b')), []);
      assert.deepEqual((await other.relay.claim(5_000, 10, lease('b'))).map((w) => w.id), [one!.id]);
      assert.equal(await relay.releaseAll('a'), 1);
      assert.deepEqual((await other.relay.claim(5_000, 10, lease('b'))).map((w) => w.id), [two!.id]);
      assert.equal(await relay.releaseAll('nobody'), 0);
    } finally {
      await opened.close();
    }
  });

  it('reads devices and badges, drops only the dead token that was tried, sets badges', async () => {
    const opened = await kind.open();
    try {
      const { relay, devices, pushes, liveActivities } = opened.store;
      const d0 = await devices.insert(newDevice('k', 'ios', { tokens: { apns: 'tok-0' } }));
      const d1 = await devices.insert(newDevice('k', 'ios', { tokens: { apns: 'tok-1', fcm: 'f-1' } }));
      await devices.insert(newDevice('other', 'ios', { tokens: { apns: 'tok-x' } }));
      await liveActivities.put('k', 'act', d0.num, 'live-tok', 1);
      const found = await relay.devices('k', [d0.num, d1.num, 99]);
      assert.deepEqual(found.map((d) => [d.num, d.registrationId, d.platform, d.tokens]).sort(), [
        [d0.num, d0.registrationId, 'ios', { apns: 'tok-0' }],
        [d1.num, d1.registrationId, 'ios', { apns: 'tok-1', fcm: 'f-1' }],
      ]);
      assert.deepEqual(await relay.devices('k', []), []);
      await pushes.insert(newPush('700', 'k'), { bitmap: bitmap([d0.num, d1.num]), count: 2, relay: [[0, 10]] });
      const [work] = await relay.claim(1_000, 1, lease('a'));
      await devices.updateTokens('k', d1.num, { apns: 'tok-1-new', fcm: 'f-1' });
      const held = await relay.complete({
        work: work!,
        results: [{ channel: 'apns', sent: [], failed: [], dead: [d0.num, d1.num] }],
        deadTokens: [
          { num: d0.num, channel: 'apns', token: 'tok-0' },
          { num: d1.num, channel: 'apns', token: 'tok-1' },
          { num: d0.num, channel: 'apns_activity', token: 'live-tok' },
        ],
        badges: [{ num: d0.num, badge: 3 }, { num: d1.num, badge: 1 }],
      });
      assert.equal(held, true);
      const after = await relay.devices('k', [d0.num, d1.num]);
      assert.deepEqual(after.map((d) => d.tokens).sort((a, b) => Object.keys(a).length - Object.keys(b).length), [{}, { apns: 'tok-1-new', fcm: 'f-1' }]);
      assert.deepEqual(await liveActivities.holders('k', 'act'), []);
      assert.deepEqual([...(await relay.badges('k', [d0.num, d1.num, 50]))].sort(), [[d0.num, 3], [d1.num, 1]]);
      assert.equal((await relay.badges('other', [d0.num])).size, 0);
    } finally {
      await opened.close();
    }
  });

  it('two nodes claiming at once never get the same slice', async () => {
    const opened = await kind.open();
    try {
      const a = opened.store;
      const b = await opened.another();
      const ranges: [number, number][] = Array.from({ length: 40 }, (_, i) => [i * 10, i * 10 + 10]);
      await a.pushes.insert(newPush('800', 'k'), { bitmap: bitmap([...Array(400).keys()]), count: 400, relay: ranges });
      const drain = async (node: string, store: typeof a) => {
        const got: RelayWork[] = [];
        for (;;) {
          const batch = await store.relay.claim(1_000, 3, lease(node, 60_000));
          if (batch.length === 0) return got;
          got.push(...batch);
        }
      };
      const [ga, gb] = await Promise.all([drain('a', a), drain('b', b)]);
      const ids = [...ga, ...gb].map((w) => w.id);
      assert.equal(ids.length, 40, `${ga.length} + ${gb.length}`);
      assert.equal(new Set(ids).size, 40);
      // and each confirms only its own
      await Promise.all([
        ...ga.map((w) => a.relay.complete({ work: w, results: [], deadTokens: [], badges: [] })),
        ...gb.map((w) => b.relay.complete({ work: w, results: [], deadTokens: [], badges: [] })),
      ]);
      assert.equal(await a.relay.pending(), 0);
    } finally {
      await opened.close();
    }
  });
});
