import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import roaring from 'roaring';
import type { AcceptedPush } from '../../src/domain/push.js';
import type { ReceiptRow } from '../../src/store/types.js';
import { contract, type OpenedStore } from './harness.js';

const { RoaringBitmap32 } = roaring;

function bitmap(nums: number[]): Buffer {
  const u = new RoaringBitmap32(nums).serialize('portable');
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function members(b: Buffer | null | undefined): number[] {
  return b ? RoaringBitmap32.deserialize(b, 'portable').toArray() : [];
}

function push(msgId: string, appKey: string, extra: Partial<AcceptedPush> = {}): AcceptedPush {
  return {
    msgId,
    appKey,
    source: 'jpush',
    sendno: `s${msgId}`,
    platforms: ['android'],
    audience: { tag: ['t'] },
    notification: { alert: `hello ${msgId}` },
    options: { timeToLive: 60, apnsProduction: false, bigPushDuration: 0, raw: {} },
    createdAt: 1_000,
    expiresAt: 61_000,
    ...extra,
  };
}

function receipt(msgId: string, sent: number[], acked: number[], clicked: number[] = [], withdrawn: number[] | null = null): ReceiptRow {
  return { msgId, sent: bitmap(sent), acked: bitmap(acked), clicked: bitmap(clicked), withdrawn: withdrawn && bitmap(withdrawn) };
}

contract('pushes', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('stores pushes with their targets, marks the cid used and the overridden push', async () => {
    const { pushes, cids } = db.store;
    await cids.issue([{ cid: 'c-1', appKey: 'k', type: 'push', issuedAt: 1, msgId: null, sendno: null, usedAt: null }]);
    const wide = push('100', 'k', { audience: { all: true }, cid: 'c-1' });
    const narrow = push('101', 'k', { options: { ...wide.options, overrideMsgId: '100' } });
    // inserted in one turn: they share a commit
    await Promise.all([pushes.insert(wide, { bitmap: bitmap([0, 1, 2]), count: 3 }), pushes.insert(narrow, { bitmap: bitmap([1]), count: 1, inbox: [1] })]);
    assert.deepEqual(await pushes.get('100'), wide);
    assert.equal(await pushes.get('999'), undefined);
    assert.equal(await pushes.get('not-a-number'), undefined);
    assert.deepEqual(await pushes.head('101'), { msgId: '101', appKey: 'k', createdAt: 1000, expiresAt: 61000, revokedAt: null });
    assert.deepEqual(await cids.get('c-1'), { cid: 'c-1', appKey: 'k', type: 'push', issuedAt: 1, msgId: '100', sendno: 's100', usedAt: 1000 });
    const one = await pushes.liveOne('100');
    assert.equal(one?.overriddenBy, '101');
    assert.deepEqual(members(one?.targets), [0, 1, 2]);
    assert.equal(one?.receipts, null);
    assert.equal(await pushes.maxMsgId(), 101n);
    assert.equal(await pushes.countBroadcastsSince('k', 1000), 1);
    assert.equal(await pushes.countBroadcastsSince('k', 1001), 0);
    assert.equal(await pushes.countBroadcastsSince('other', 0), 0);
  });

  it('fails a push whose msg_id is taken, and commits nothing of it', async () => {
    const { pushes } = db.store;
    await pushes.insert(push('200', 'k'), { bitmap: bitmap([0]), count: 1 });
    await assert.rejects(pushes.insert(push('200', 'k', { sendno: 'again' }), { bitmap: bitmap([5]), count: 1, inbox: [5] }));
    assert.equal((await pushes.get('200'))?.sendno, 's200');
    assert.deepEqual(await pushes.inboxPage('k', 5, 0, null, 10), []);
  });

  it('keeps live pushes: wide ones and revoked ones, until they expire', async () => {
    const opened = await kind.open();
    try {
      const { pushes } = opened.store;
      await pushes.insert(push('10', 'k', { audience: { all: true } }), { bitmap: bitmap([0, 1]), count: 2 });
      await pushes.insert(push('11', 'k'), { bitmap: bitmap([1]), count: 1, inbox: [1] });
      await pushes.insert(push('12', 'k', { expiresAt: 5_000 }), { bitmap: bitmap([0]), count: 1 });
      assert.deepEqual((await pushes.live(2_000)).map((r) => r.push.msgId), ['10', '12']);
      assert.deepEqual((await pushes.live(5_000)).map((r) => r.push.msgId), ['10']);
      await pushes.markRevoked('11', 3_000);
      await pushes.markRevoked('11', 4_000); // the first revocation stands
      const live = await pushes.live(2_000);
      assert.deepEqual(live.map((r) => [r.push.msgId, r.revokedAt]), [['10', null], ['11', 3000], ['12', null]]);
      assert.equal((await pushes.head('11'))?.revokedAt, 3000);
      await pushes.markRevoked('bogus', 1);
    } finally {
      await opened.close();
    }
  });

  it('pages inboxes and finds expired entries; saved receipts drop acknowledged ones', async () => {
    const opened = await kind.open();
    try {
      const { pushes, devices } = opened.store;
      for (let i = 0; i < 2; i++) {
        await devices.insert({ appKey: 'k', registrationId: `r${i}`, platform: 'android', secretHash: Buffer.from('s'), alias: null, mobile: null, tokens: {}, createdAt: 1 });
      }
      await pushes.insert(push('301', 'k'), { bitmap: bitmap([0, 1]), count: 2, inbox: [0, 1] });
      await pushes.insert(push('302', 'k', { expiresAt: 2_000 }), { bitmap: bitmap([0]), count: 1, inbox: [0] });
      await pushes.insert(push('303', 'k'), { bitmap: bitmap([0]), count: 1, inbox: [0] });
      await pushes.markRevoked('303', 1_500);
      await pushes.saveReceipts([receipt('301', [0], [])], [], []);

      const page = await pushes.inboxPage('k', 0, 1_000, null, 2);
      assert.deepEqual(page.map((e) => e.msgId), ['301', '302']);
      assert.deepEqual(members(page[0]?.row?.receipts?.sent), [0]);
      assert.equal(page[1]?.row?.push.msgId, '302');
      assert.deepEqual((await pushes.inboxPage('k', 0, 1_000, '302', 10)).map((e) => e.msgId), ['303']);
      assert.deepEqual((await pushes.inboxPage('k', 0, 2_000, null, 10)).map((e) => e.msgId), ['301', '303']);
      assert.deepEqual((await pushes.inboxPage('other', 0, 0, null, 10)).length, 0);
      // first pages asked for together (devices connecting at once): each with its own device, clock and size
      const together = await Promise.all([
        pushes.inboxPage('k', 0, 1_000, null, 2),
        pushes.inboxPage('k', 1, 1_000, null, 10),
        pushes.inboxPage('k', 0, 2_000, null, 10),
        pushes.inboxPage('k', 0, 1_000, null, 10),
        pushes.inboxPage('k', 7, 1_000, null, 10),
        pushes.inboxPage('other', 0, 0, null, 10),
      ]);
      assert.deepEqual(together.map((p) => p.map((e) => e.msgId)), [['301', '302'], ['301'], ['301', '303'], ['301', '302', '303'], [], []]);
      assert.deepEqual(members(together[1]![0]?.row?.receipts?.sent), [0]);
      assert.equal(together[3]![2]?.row?.push.msgId, '303');

      const expired = await pushes.expiredInbox(70_000, 10);
      const sorted = expired.map((e) => `${e.msgId}/${e.num}/${e.registrationId}/${e.platform}/${e.withdrawn}`).sort();
      assert.deepEqual(sorted, ['301/0/r0/android/false', '301/1/r1/android/false', '302/0/r0/android/false', '303/0/r0/android/true']);
      assert.equal((await pushes.expiredInbox(70_000, 2)).length, 2);
      assert.equal((await opened.store.stats()).inboxEntries, 4);

      await pushes.saveReceipts([], [], [{ appKey: 'k', num: 0, msgId: '301' }, { appKey: 'k', num: 1, msgId: '301' }]);
      assert.deepEqual((await pushes.inboxPage('k', 0, 1_000, null, 10)).map((e) => e.msgId), ['302', '303']);
      assert.equal((await opened.store.stats()).inboxEntries, 2);
    } finally {
      await opened.close();
    }
  });

  it('saves receipts with callback batches, and reads them back for reports', async () => {
    const { pushes, callbacks } = db.store;
    await pushes.insert(push('400', 'k'), { bitmap: bitmap([0, 1, 2]), count: 3 });
    const before = await callbacks.queued();
    await pushes.saveReceipts([receipt('400', [0, 1], [0], [], null)], [{ appKey: 'k', url: 'https://cb.example/1', body: '{"n":1}', createdAt: 7 }]);
    assert.equal(await callbacks.queued(), before + 1);
    const r = await pushes.receipts('400');
    assert.deepEqual(r?.head, { msgId: '400', appKey: 'k', createdAt: 1000, expiresAt: 61000, revokedAt: null });
    assert.deepEqual(members(r?.targets), [0, 1, 2]);
    assert.deepEqual(members(r?.receipts?.sent), [0, 1]);
    assert.deepEqual(members(r?.receipts?.acked), [0]);
    assert.equal(r?.receipts?.withdrawn, null);
    assert.equal(await pushes.receipts('401'), undefined);
    await pushes.saveReceipts([], [], []);
  });

  it('adds up receipts saved for one push: a later save never takes away what was saved', async () => {
    const { pushes } = db.store;
    await pushes.insert(push('500', 'k'), { bitmap: bitmap([0, 1, 2, 3]), count: 4 });
    await pushes.saveReceipts([receipt('500', [0, 1], [0], [], null)], []);
    await pushes.saveReceipts([receipt('500', [2], [2], [2], [3])], []);
    const r = (await pushes.liveOne('500'))?.receipts;
    assert.deepEqual(members(r?.sent), [0, 1, 2]);
    assert.deepEqual(members(r?.acked), [0, 2]);
    assert.deepEqual(members(r?.clicked), [2]);
    assert.deepEqual(members(r?.withdrawn), [3]);
  });

  it('adds up receipts two nodes save for the same pushes at the same time', async () => {
    const second = await db.another();
    const ids = ['600', '601', '602'];
    for (const id of ids) await db.store.pushes.insert(push(id, 'k'), { bitmap: bitmap([...Array(64).keys()]), count: 64 });
    // node A saw even devices, node B odd ones; each saves its cumulative view many times
    const saves: Promise<void>[] = [];
    for (let round = 1; round <= 8; round++) {
      const even = Array.from({ length: round * 4 }, (_, i) => i * 2);
      const odd = even.map((n) => n + 1);
      saves.push(db.store.pushes.saveReceipts(ids.map((id) => receipt(id, even, even)), []));
      saves.push(second.pushes.saveReceipts([...ids].reverse().map((id) => receipt(id, odd, odd, [], [1])), []));
    }
    await Promise.all(saves);
    for (const id of ids) {
      const r = (await second.pushes.receipts(id))?.receipts;
      assert.deepEqual(members(r?.sent), [...Array(64).keys()], `sent of ${id}`);
      assert.deepEqual(members(r?.acked), [...Array(64).keys()], `acked of ${id}`);
      assert.deepEqual(members(r?.withdrawn), [1]);
    }
  });
});
