import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { contract, type OpenedStore } from './harness.js';
import { bitmap, newDevice, newPush } from './fixtures.js';

contract('SMS supplement', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('keeps each app its gateway account', async () => {
    const { sms } = db.store;
    const account = { appKey: 'k', endpoint: 'http://127.0.0.1:1/v1', key: 'key', secret: 'sec', signId: 7, updatedAt: 1 };
    await sms.setAccount(account);
    assert.deepEqual(await sms.getAccount('k'), account);
    await sms.setAccount({ ...account, signId: null, updatedAt: 2 });
    assert.deepEqual(await sms.getAccount('k'), { ...account, signId: null, updatedAt: 2 });
    assert.equal(await sms.getAccount('other'), undefined);
    assert.equal(await sms.removeAccount('k'), true);
    assert.equal(await sms.removeAccount('k'), false);
  });

  it('writes a job with its push, finds recipients, claims each SMS once across nodes, counts the answers', async () => {
    const { sms, pushes, devices } = db.store;
    const other = await db.another();
    const withMobile = await devices.insert(newDevice('k', 'android', { mobile: '13800000001' }));
    const noMobile = await devices.insert(newDevice('k', 'android'));
    await devices.insert(newDevice('x', 'android', { mobile: '13800000009' }));
    await pushes.insert(newPush('900', 'k', { smsMessage: { delay_time: 60, temp_id: 1 } }), { bitmap: bitmap([withMobile.num, noMobile.num]), count: 2 });
    assert.deepEqual(await sms.due(60_999, 10), []);
    assert.deepEqual(await sms.due(61_000, 10), [{ msgId: '900', appKey: 'k', dueAt: 61_000 }]);
    const recipients = await sms.recipients('k', [withMobile.num, noMobile.num, 77]);
    assert.deepEqual(recipients, [{ num: withMobile.num, registrationId: withMobile.registrationId, platform: 'android', mobile: '13800000001' }]);
    assert.deepEqual(await sms.recipients('k', []), []);
    const claims = await Promise.all([
      sms.claim('900', 'k', withMobile.num, '13800000001', 61_000),
      other.sms.claim('900', 'k', withMobile.num, '13800000001', 61_000),
    ]);
    assert.deepEqual(claims.sort(), [false, true]);
    assert.deepEqual(await sms.counts('900'), { sent: 0, failed: 0, pending: 1, skipped: 0, finished: false });
    await sms.mark('900', withMobile.num, 'sent', '{"ok":true}', 61_500);
    await sms.finish('900', 1, null, 62_000);
    assert.deepEqual(await sms.counts('900'), { sent: 1, failed: 0, pending: 0, skipped: 1, finished: true });
    assert.deepEqual(await sms.due(100_000, 10), []);
    assert.equal(await sms.counts('901'), undefined);
    assert.equal(await sms.counts('junk'), undefined);
  });

  if (kind.name === 'postgres') {
    it('hands a due job to one node at a time (a lease), to another once it ran out', async () => {
      const { sms, pushes } = db.store;
      const other = await db.another();
      await pushes.insert(newPush('950', 'k', { smsMessage: { delay_time: 0, temp_id: 1 } }), { bitmap: bitmap([0]), count: 1 });
      const [a, b] = await Promise.all([sms.due(2_000, 10), other.sms.due(2_000, 10)]);
      assert.deepEqual([...a, ...b].map((j) => j.msgId), ['950']);
      assert.deepEqual(await other.sms.due(3_000, 10), []);
      assert.deepEqual((await other.sms.due(2_000 + 5 * 60_000, 10)).map((j) => j.msgId), ['950']);
    });
  }
});

contract('EMAS', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('keeps access keys per app and disables them', async () => {
    const { emas } = db.store;
    const key = { accessKeyId: 'LTAI1', appKey: 'k', secret: 's1', createdAt: 1, disabledAt: null };
    await emas.createAccessKey(key);
    await emas.createAccessKey({ ...key, accessKeyId: 'LTAI2', createdAt: 2 });
    await emas.createAccessKey({ ...key, accessKeyId: 'LTAI3', appKey: 'other' });
    assert.deepEqual(await emas.accessKey('LTAI1'), key);
    assert.equal(await emas.accessKey('nope'), undefined);
    assert.deepEqual((await emas.accessKeys('k')).map((k) => k.accessKeyId), ['LTAI1', 'LTAI2']);
    assert.equal(await emas.disableAccessKey('other', 'LTAI1', 5), false, 'only its own app disables a key');
    assert.equal(await emas.disableAccessKey('k', 'LTAI1', 5), true);
    assert.equal(await emas.disableAccessKey('k', 'LTAI1', 6), false);
    assert.equal((await emas.accessKey('LTAI1'))?.disabledAt, 5);
  });

  it('assigns numeric AppKeys once per app, distinct across nodes assigning at once', async () => {
    const { emas } = db.store;
    const other = await db.another();
    assert.equal(await emas.emasAppKey('a1', false), undefined);
    const keys = await Promise.all([emas.emasAppKey('a1', true), other.emas.emasAppKey('a2', true), other.emas.emasAppKey('a1', true), emas.emasAppKey('a3', true)]);
    assert.equal(keys[0], keys[2]);
    assert.equal(new Set(keys).size, 3);
    assert.deepEqual([...new Set(keys)].sort(), [30_000_001, 30_000_002, 30_000_003]);
    assert.equal(await emas.appOfEmasKey(keys[1]!), 'a2');
    assert.equal(await emas.appOfEmasKey(1), undefined);
  });

  it('keeps deferred pushes, hands due ones out, moves them between states', async () => {
    const { emas } = db.store;
    const push = newPush('0', 'k');
    const d = { messageId: '7001', appKey: 'k', kind: 'scheduled' as const, runAt: 5_000, push, state: 'pending' as const, createdAt: 1, note: null };
    await emas.addDeferred(d);
    await emas.addDeferred({ ...d, messageId: '7002', runAt: 4_000 });
    await emas.addDeferred({ ...d, messageId: '7003', kind: 'continuous', runAt: null });
    assert.deepEqual(await emas.deferred('7001'), d);
    assert.equal(await emas.deferred('x'), undefined);
    assert.equal(await emas.nextDue(), 4_000);
    assert.deepEqual((await emas.due(4_500, 10)).map((x) => x.messageId), ['7002']);
    assert.equal(await emas.transition('7002', 'pending', 'fired'), true);
    assert.equal(await emas.transition('7002', 'pending', 'fired'), false);
    assert.equal(await emas.transition('7001', 'pending', 'cancelled', 'by the app'), true);
    assert.deepEqual([(await emas.deferred('7001'))?.state, (await emas.deferred('7001'))?.note], ['cancelled', 'by the app']);
    assert.deepEqual(await emas.due(10_000, 10), []);
    assert.equal(await emas.nextDue(), undefined);
  });

  it('remembers IdempotentTokens per app', async () => {
    const { emas } = db.store;
    await emas.rememberIdempotent('k', 't1', 'r1', 10_000);
    assert.equal(await emas.idempotent('k', 't1', 9_000), 'r1');
    assert.equal(await emas.idempotent('k', 't1', 10_001), undefined);
    assert.equal(await emas.idempotent('other', 't1', 0), undefined);
    await emas.rememberIdempotent('k', 't1', 'r2', 11_000);
    assert.equal(await emas.idempotent('k', 't1', 0), 'r2');
  });

  it('uses up a SignatureNonce once across nodes until it expires, and prunes expired ones', async () => {
    const { emas } = db.store;
    const other = await db.another();
    // two nodes claim the same nonce at once: exactly one wins
    const both = await Promise.all([emas.claimNonce('AK1', 'n-1', 1_000, 5_000), other.emas.claimNonce('AK1', 'n-1', 1_000, 5_000)]);
    assert.deepEqual(both.sort(), [false, true]);
    const same = await Promise.all([emas.claimNonce('AK1', 'n-2', 1_000, 5_000), emas.claimNonce('AK1', 'n-2', 1_000, 5_000), emas.claimNonce('AK1', 'n-3', 1_000, 5_000)]);
    // on a pool of connections either claim may land first: exactly one of the two wins
    assert.deepEqual([same[0], same[1]].sort(), [false, true], 'one node, the same nonce twice at once');
    assert.equal(same[2], true);
    assert.equal(await emas.claimNonce('AK1', 'n-1', 4_999, 9_000), false, 'still live');
    assert.equal(await emas.claimNonce('AK2', 'n-1', 1_000, 5_000), true, 'nonces are per AccessKey');
    assert.equal(await emas.claimNonce('AK1', 'n\u0000\u00e9', 1_000, 5_000), true, 'any text');
    assert.equal(await other.emas.claimNonce('AK1', 'n-1', 5_000, 9_000), true, 'expired: free again');
    assert.equal(await emas.claimNonce('AK1', 'n-1', 6_000, 9_000), false);
    // n-2, n-3, AK2's n-1 and the odd one; a store that appends may count n-1's first row too
    const pruned = await emas.pruneNonces(5_000);
    assert.ok(pruned === 4 || pruned === 5, String(pruned));
    assert.equal(await emas.claimNonce('AK2', 'n-1', 5_000, 9_000), true);
    assert.equal(await emas.claimNonce('AK1', 'n-3', 5_000, 9_000), true);
    assert.equal(await emas.claimNonce('AK1', 'n-1', 6_000, 9_000), false, 'the nonce taken over stays used');
  });

  it('lists an app\'s pushes and counts its devices', async () => {
    const opened = await kind.open();
    try {
      const { emas, pushes, devices } = opened.store;
      await pushes.insert(newPush('11', 'k', { createdAt: 100, expiresAt: 60_100 }), { bitmap: bitmap([0]), count: 1 });
      await pushes.insert(newPush('12', 'k', { createdAt: 200, expiresAt: 60_200 }), { bitmap: bitmap([0]), count: 1 });
      await pushes.insert(newPush('13', 'other', { createdAt: 150, expiresAt: 60_150 }), { bitmap: bitmap([0]), count: 1 });
      const page = await emas.pushRecords('k', 0, 1_000, 0, 1);
      assert.equal(page.total, 2);
      assert.deepEqual(page.rows.map((r) => [r.msgId, r.createdAt, (r.push as { sendno?: string }).sendno]), [['12', 200, 's12']]);
      assert.deepEqual((await emas.pushIds('k', 0, 150, 10)).map((r) => r.msgId), ['11']);
      const a = await devices.insert(newDevice('k', 'android', { createdAt: 100 }));
      await devices.insert(newDevice('k', 'ios', { createdAt: 200 }));
      await devices.insert(newDevice('other', 'ios', { createdAt: 100 }));
      assert.equal(await emas.countDevices('k', 'all', 1_000), 2);
      assert.equal(await emas.countDevices('k', ['ios'], 1_000), 1);
      assert.equal(await emas.countDevices('k', [], 1_000), 0);
      assert.equal(await emas.countDevices('k', 'all', 1_000, 150), 1);
      await devices.markOnline('k', [a.num], 500);
      assert.equal(await emas.countSeen('k', 400, 600), 1);
      assert.equal(await emas.countSeen('k', 501, 600), 0);
    } finally {
      await opened.close();
    }
  });
});
