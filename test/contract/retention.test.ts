import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { contract, type OpenedStore } from './harness.js';
import { bitmap, newPush } from './fixtures.js';

const cutoffs = (t: number) => ({ pushesExpiredBefore: t, cidsBefore: t, callbacksBefore: t, idempotencyBefore: t });

contract('retention', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('deletes expired pushes with their work, finished per-push rows and old tokens, in batches, keeping the newest push', async () => {
    const s = db.store;
    // three expired pushes (the newest of all stays, whatever its age), each with receipts, relay work and pacing
    for (const id of ['1001', '1002', '1003']) {
      await s.pushes.insert(newPush(id, 'k', { createdAt: 100, expiresAt: 200, smsMessage: { delay_time: 0, temp_id: 1 } }), {
        bitmap: bitmap([0]),
        count: 1,
        inbox: [0],
        relay: [[0, 1]],
      });
      await s.pushes.saveReceipts([{ msgId: id, sent: bitmap([0]), acked: bitmap([]), clicked: bitmap([]), withdrawn: null }], []);
      await s.pacing.save({ msgId: id, appKey: 'k', released: 1, lastNum: 0, updatedAt: 150, finishedAt: 150 });
      await s.sms.claim(id, 'k', 0, '138', 150);
      await s.sms.finish(id, 0, null, 150);
    }
    await s.cids.issue([{ cid: 'old', appKey: 'k', type: 'push', issuedAt: 100, msgId: null, sendno: null, usedAt: null }]);
    await s.emas.rememberIdempotent('k', 'tok', 'r', 100);
    await s.emas.addDeferred({ messageId: '5', appKey: 'k', kind: 'scheduled', runAt: 100, push: newPush('5', 'k'), state: 'fired', createdAt: 100, note: null });
    await s.schedules.insert({ scheduleId: 'sch', appKey: 'k', name: 'n', enabled: true, kind: 'periodical', trigger: {}, push: {}, cid: null, createdAt: 1, updatedAt: 1, nextAt: 100 });
    await s.schedules.claimDue(100, 1, () => ({ fire: true, nextAt: 150 }));
    await s.schedules.claimDue(150, 1, () => ({ fire: true, nextAt: null }));
    await s.schedules.finishRuns([{ scheduleId: 'sch', fireAt: 100, msgId: '1' }, { scheduleId: 'sch', fireAt: 150, msgId: '2' }], 160);

    const first = await s.retention.purge(cutoffs(1_000), 2);
    assert.equal(first.pushes, 2);
    assert.equal(first.inbox, 2);
    assert.equal(first.cids, 1);
    assert.equal(first.idempotency, 1);
    assert.equal(first.scheduleRuns, 1, 'the newest run of a schedule stays');
    const second = await s.retention.purge(cutoffs(1_000), 2);
    assert.equal(second.pushes, 0, 'the newest push stays');
    assert.equal(second.inbox, 1);
    assert.equal(first.smsJobs + second.smsJobs, 2);
    assert.equal(first.smsSends + second.smsSends, 2);
    assert.equal(first.emasDeferred + second.emasDeferred, 1);
    assert.equal(await s.pushes.get('1001'), undefined);
    assert.equal(await s.relay.pendingFor('1001'), 0);
    assert.equal(await s.relay.pendingFor('1003'), 1, 'the kept push keeps its work');
    assert.equal(await s.pacing.get('1001'), undefined);
    assert.equal(await s.sms.counts('1001'), undefined);
    assert.notEqual(await s.sms.counts('1003'), undefined, 'its push is still there');
    assert.equal(await s.emas.deferred('5'), undefined);
    assert.deepEqual((await s.schedules.runs('sch')).map((r) => r.fireAt), [150]);
    const third = await s.retention.purge(cutoffs(1_000), 2);
    assert.equal(Object.values(third).reduce((a, b) => a + b, 0), 0);

    const space = await s.retention.space();
    assert.ok(space.bytes > 0 && space.fileBytes > 0 && space.pageSize > 0);
    assert.ok((await s.retention.reclaim(10)) >= 0);
    await s.retention.checkpoint();
  });
});
