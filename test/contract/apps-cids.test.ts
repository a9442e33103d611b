import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { contract, type OpenedStore } from './harness.js';
import type { AppRecord } from '../../src/store/types.js';

function app(appKey: string, createdAt: number): AppRecord {
  return { appKey, name: `app ${appKey}`, secretHash: Buffer.from(`hash-${appKey}`), createdAt, rateLimit: null, rateWindow: null, broadcastPerDay: null };
}

contract('apps, cids and channel credentials', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('creates, lists, counts and reads apps', async () => {
    const { apps } = db.store;
    await apps.create(app('b0000000000000000000000b', 2000));
    await apps.create(app('a0000000000000000000000a', 2000));
    await apps.create(app('c0000000000000000000000c', 1000));
    assert.equal(await apps.count(), 3);
    assert.deepEqual((await apps.list()).map((a) => a.appKey), ['c0000000000000000000000c', 'a0000000000000000000000a', 'b0000000000000000000000b']);
    const got = await apps.get('a0000000000000000000000a');
    assert.deepEqual(got, app('a0000000000000000000000a', 2000));
    assert.equal(await apps.get('nope'), undefined);
    await assert.rejects(apps.create(app('a0000000000000000000000a', 3000)), 'an app key is unique');
  });

  it('creates the first app once, whichever of several nodes asks at the same time', async () => {
    const fresh = await kind.open();
    try {
      const nodes = [fresh.store, await fresh.another(), await fresh.another()];
      const made = await Promise.all(nodes.map((s, i) => s.apps.createFirst(app(`first${i}`.padEnd(24, '0'), 1))));
      assert.deepEqual(made.filter(Boolean), [true]);
      assert.equal(await fresh.store.apps.count(), 1);
      assert.equal(await nodes[1]!.apps.createFirst(app('later'.padEnd(24, '0'), 2)), false);
    } finally {
      await fresh.close();
    }
  });

  it('updates secrets and limits, and says when the app is unknown', async () => {
    const { apps } = db.store;
    await apps.create(app('limits00000000000000000a', 1));
    assert.equal(await apps.updateSecret('limits00000000000000000a', Buffer.from('new')), true);
    assert.equal(await apps.updateSecret('unknown', Buffer.from('new')), false);
    assert.equal(await apps.updateLimits('limits00000000000000000a', { rateLimit: 5, rateWindow: 10 }), true);
    assert.equal(await apps.updateLimits('limits00000000000000000a', { broadcastPerDay: 3, rateLimit: null }), true);
    assert.equal(await apps.updateLimits('limits00000000000000000a', {}), true);
    assert.equal(await apps.updateLimits('unknown', {}), false);
    assert.equal(await apps.updateLimits('unknown', { rateLimit: 1 }), false);
    const got = await apps.get('limits00000000000000000a');
    assert.deepEqual(got?.secretHash, Buffer.from('new'));
    assert.equal(got?.rateLimit, null);
    assert.equal(got?.rateWindow, 10);
    assert.equal(got?.broadcastPerDay, 3);
  });

  it('issues cids and reads them back unused', async () => {
    const { cids } = db.store;
    await cids.issue([
      { cid: 'cid-1', appKey: 'k1', type: 'push', issuedAt: 10, msgId: null, sendno: null, usedAt: null },
      { cid: 'cid-2', appKey: 'k1', type: 'schedule', issuedAt: 11, msgId: null, sendno: null, usedAt: null },
    ]);
    await cids.issue([]);
    assert.deepEqual(await cids.get('cid-2'), { cid: 'cid-2', appKey: 'k1', type: 'schedule', issuedAt: 11, msgId: null, sendno: null, usedAt: null });
    assert.equal(await cids.get('cid-3'), undefined);
    await assert.rejects(cids.issue([{ cid: 'cid-1', appKey: 'k2', type: 'push', issuedAt: 1, msgId: null, sendno: null, usedAt: null }]));
  });

  it('keeps sealed channel credentials per app and channel', async () => {
    const creds = db.store.channelCredentials;
    await creds.put('k1', 'fcm', Buffer.from([1, 2, 3]), 100);
    await creds.put('k1', 'apns', Buffer.from([4]), 101);
    await creds.put('k0', 'apns', Buffer.from([5]), 102);
    await creds.put('k1', 'fcm', Buffer.from([9]), 103);
    assert.deepEqual(await creds.get('k1', 'fcm'), { sealed: Buffer.from([9]), updatedAt: 103 });
    assert.equal(await creds.get('k2', 'fcm'), undefined);
    assert.deepEqual(await creds.list(), [
      { appKey: 'k0', channel: 'apns', updatedAt: 102 },
      { appKey: 'k1', channel: 'apns', updatedAt: 101 },
      { appKey: 'k1', channel: 'fcm', updatedAt: 103 },
    ]);
    assert.equal(await creds.remove('k1', 'apns'), true);
    assert.equal(await creds.remove('k1', 'apns'), false);
  });

  it('answers ping and stats', async () => {
    await db.store.ping();
    const stats = await db.store.stats();
    assert.ok(stats.databaseBytes > 0);
    assert.equal(typeof stats.callbackQueue, 'number');
    assert.equal(typeof stats.inboxEntries, 'number');
    assert.ok((await db.store.sizeBytes()) > 0);
  });
});
