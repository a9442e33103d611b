import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { contract, type OpenedStore } from './harness.js';
import { bitmap, members, newDevice, newPush } from './fixtures.js';

contract('vendor receipts and quotas', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('finds a device by its vendor token, only in its app and only for indexed vendors', async () => {
    const { devices, vendors } = db.store;
    const d = await devices.insert(newDevice('k', 'android', { tokens: { huawei: 'hw-1', xiaomi: 'mi-1', fcm: 'f-1' } }));
    await devices.insert(newDevice('other', 'android', { tokens: { huawei: 'hw-2' } }));
    const found = await vendors.deviceByToken('k', 'huawei', 'hw-1');
    assert.deepEqual(found && [found.num, found.registrationId, found.platform, found.tokens], [d.num, d.registrationId, 'android', { huawei: 'hw-1', xiaomi: 'mi-1', fcm: 'f-1' }]);
    assert.equal((await vendors.deviceByToken('k', 'xiaomi', 'mi-1'))?.num, d.num);
    assert.equal(await vendors.deviceByToken('k', 'huawei', 'hw-2'), undefined, 'another app’s device');
    assert.equal(await vendors.deviceByToken('k', 'fcm', 'f-1'), undefined, 'FCM sends no receipts by token');
    assert.equal(await vendors.deviceByToken('k', "huawei') OR true --", 'x'), undefined);
  });

  it('removes a token only while the device still holds it', async () => {
    const { devices, vendors } = db.store;
    const d = await devices.insert(newDevice('k', 'android', { tokens: { oppo: 'op-1', vivo: 'vi-1' } }));
    assert.equal(await vendors.removeToken('k', d.num, 'oppo', 'op-old'), false);
    assert.equal(await vendors.removeToken('k', d.num + 1000, 'oppo', 'op-1'), false);
    assert.equal(await vendors.removeToken('k', d.num, 'oppo', 'op-1'), true);
    assert.equal(await vendors.deviceByToken('k', 'oppo', 'op-1'), undefined);
    assert.deepEqual((await vendors.deviceByToken('k', 'vivo', 'vi-1'))?.tokens, { vivo: 'vi-1' });
  });

  it('merges received and clicked per channel, a click counting as received, and reports only what is new', async () => {
    const { vendors, relay, pushes } = db.store;
    await pushes.insert(newPush('700', 'k'), { bitmap: bitmap([0, 1, 2, 3]), count: 4, relay: [[0, 4]] });
    assert.deepEqual(await vendors.addReceipts('700', 'huawei', [0, 1], []), { received: [0, 1], clicked: [] });
    assert.deepEqual(await vendors.addReceipts('700', 'huawei', [1, 2], [3]), { received: [2, 3], clicked: [3] });
    assert.deepEqual(await vendors.addReceipts('700', 'huawei', [0], [3]), { received: [], clicked: [] });
    assert.deepEqual(await vendors.addReceipts('junk', 'huawei', [0], []), { received: [], clicked: [] });
    // relay results on the same row keep the vendor's figures
    const [work] = await relay.claim(1_000, 1, { node: 'a', ms: 1_000 });
    await relay.complete({ work: work!, results: [{ channel: 'huawei', sent: [0, 1, 2, 3], failed: [], dead: [] }], deadTokens: [], badges: [] });
    const rows = await relay.receipts('700');
    assert.deepEqual(
      rows.map((r) => [r.channel, members(r.sent), members(r.received), members(r.clicked)]),
      [['huawei', [0, 1, 2, 3], [0, 1, 2, 3], [3]]],
    );
    // two nodes adding at once both count
    const other = await db.another();
    const [a, b] = await Promise.all([vendors.addReceipts('700', 'xiaomi', [5], []), other.vendors.addReceipts('700', 'xiaomi', [6], [7])]);
    assert.deepEqual([a, b], [{ received: [5], clicked: [] }, { received: [6, 7], clicked: [7] }]);
    const mi = (await relay.receipts('700')).find((r) => r.channel === 'xiaomi');
    assert.deepEqual([members(mi?.received), members(mi?.clicked), members(mi?.sent)], [[5, 6, 7], [7], []]);
  });

  it('counts quota use per app, channel, category and day, learns caps, and prunes old days', async () => {
    const { vendors, relay, pushes } = db.store;
    await vendors.addQuotaUse([
      { appKey: 'k', channel: 'xiaomi', category: 'notice', day: '2026-01-01', count: 3 },
      { appKey: 'k', channel: 'xiaomi', category: 'notice', day: '2026-01-02', count: 5 },
      { appKey: 'j', channel: 'oppo', category: 'marketing', day: '2026-01-02', count: 0 },
    ]);
    await vendors.addQuotaUse([{ appKey: 'k', channel: 'xiaomi', category: 'notice', day: '2026-01-02', count: 2 }]);
    await vendors.learnQuota('k', 'xiaomi', 'notice', '2026-01-02', 100);
    await vendors.learnQuota('k', 'oppo', 'marketing', '2026-01-02', 50, 40);
    await vendors.learnQuota('k', 'oppo', 'marketing', '2026-01-02', 60, 30); // a lower count is not taken
    // a confirmed relay slice adds its sends to the quota
    await pushes.insert(newPush('701', 'k'), { bitmap: bitmap([0]), count: 1, relay: [[0, 1]] });
    const [work] = await relay.claim(1_000, 1, { node: 'a', ms: 1_000 });
    await relay.complete({ work: work!, results: [], deadTokens: [], badges: [], quotaUse: [{ channel: 'xiaomi', category: 'notice', day: '2026-01-02', count: 1 }] });

    const sorted = (rows: Awaited<ReturnType<typeof vendors.quotaUse>>) =>
      rows.map((r) => [r.appKey, r.channel, r.category, r.day, r.used, r.learnedLimit]).sort((x, y) => String(x[1]).localeCompare(String(y[1])));
    assert.deepEqual(sorted(await vendors.quotaUse('2026-01-02', 'k')), [
      ['k', 'oppo', 'marketing', '2026-01-02', 40, 60],
      ['k', 'xiaomi', 'notice', '2026-01-02', 8, 100],
    ]);
    assert.deepEqual(sorted(await vendors.quotaUse('2026-01-01')), [['k', 'xiaomi', 'notice', '2026-01-01', 3, null]]);
    assert.deepEqual(await vendors.quotaUse('2026-01-02', 'j'), [], 'a zero count writes nothing');
    assert.equal(await vendors.pruneQuota('2026-01-02'), 1);
    assert.deepEqual(await vendors.quotaUse('2026-01-01'), []);
  });
});
