import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ScheduleRecord } from '../../src/store/advanced-types.js';
import type { Store } from '../../src/store/types.js';
import { contract, type OpenedStore } from './harness.js';

function schedule(id: string, appKey: string, nextAt: number | null, extra: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    scheduleId: id,
    appKey,
    name: `name-${id}`,
    enabled: true,
    kind: 'single',
    trigger: { single: { time: '2030-01-01 00:00:00' } },
    push: { platform: 'all', audience: 'all', notification: { alert: id } },
    cid: null,
    createdAt: 1_000 + Number(id.replace(/\D/g, '') || 0),
    updatedAt: 1_000,
    nextAt,
    ...extra,
  };
}

const fireOnce = () => ({ fire: true, nextAt: null });

contract('schedules', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('stores, lists, updates and deletes schedules per app', async () => {
    const { schedules } = db.store;
    await schedules.insert(schedule('s1', 'k', 5_000, { cid: 'cid-1' }));
    await schedules.insert(schedule('s2', 'k', 6_000, { enabled: false, kind: 'periodical' }));
    await schedules.insert(schedule('s3', 'k', null));
    await schedules.insert(schedule('s4', 'other', 7_000));
    assert.deepEqual(await schedules.get('k', 's1'), schedule('s1', 'k', 5_000, { cid: 'cid-1' }));
    assert.equal(await schedules.get('other', 's1'), undefined, 'another app sees nothing');
    assert.equal((await schedules.byCid('k', 'cid-1'))?.scheduleId, 's1');
    assert.equal(await schedules.byCid('other', 'cid-1'), undefined);
    const page = await schedules.list('k', 0, 1);
    assert.equal(page.total, 2, 'expired s3 is not listed');
    assert.deepEqual(page.schedules.map((s) => s.scheduleId), ['s1']);
    assert.deepEqual((await schedules.list('k', 1, 10)).schedules.map((s) => [s.scheduleId, s.enabled, s.kind]), [['s2', false, 'periodical']]);
    assert.equal(await schedules.countActive('k'), 2);
    assert.equal(await schedules.update({ ...schedule('s1', 'k', 8_000), name: 'renamed', enabled: false, push: { x: 1 } }), true);
    const s1 = await schedules.get('k', 's1');
    assert.deepEqual([s1?.name, s1?.enabled, s1?.push, s1?.nextAt, s1?.cid], ['renamed', false, { x: 1 }, 8_000, 'cid-1']);
    assert.equal(await schedules.update(schedule('s1', 'other', 1)), false);
    assert.equal(await schedules.delete('other', 's1', 9_000), false);
    assert.equal(await schedules.delete('k', 's1', 9_000), true);
    assert.equal(await schedules.delete('k', 's1', 9_000), false);
    assert.equal(await schedules.get('k', 's1'), undefined);
    assert.equal(await schedules.update(schedule('s1', 'k', 1)), false, 'a deleted schedule stays deleted');
    assert.equal(await schedules.countActive('k'), 1);
  });

  it('claims due schedules, moves them on, records runs and their results', async () => {
    const opened = await kind.open();
    try {
      const { schedules } = opened.store;
      await schedules.insert(schedule('a1', 'k', 1_000));
      await schedules.insert(schedule('a2', 'k', 2_000));
      await schedules.insert(schedule('a3', 'k', 9_000));
      const seen: string[] = [];
      const claimed = await schedules.claimDue(
        2_500,
        10,
        (r) => {
          seen.push(r.scheduleId);
          return r.scheduleId === 'a1' ? { fire: true, nextAt: 20_000 } : { fire: false, nextAt: null };
        },
        'node-a',
      );
      assert.deepEqual(seen, ['a1', 'a2']);
      assert.deepEqual(claimed.map((c) => [c.record.scheduleId, c.fireAt, c.record.nextAt]), [['a1', 1_000, 20_000]]);
      assert.equal((await schedules.get('k', 'a1'))?.nextAt, 20_000);
      assert.equal((await schedules.get('k', 'a2'))?.nextAt, null);
      assert.deepEqual(await schedules.claimDue(2_500, 10, fireOnce), []);
      assert.deepEqual(await schedules.runs('a1'), [{ scheduleId: 'a1', fireAt: 1_000, claimedAt: 2_500, msgId: null, errorCode: null, errorMessage: null, doneAt: null }]);
      // a missed instant fires as another one (fireAt), once
      const late = await schedules.claimDue(20_000, 10, () => ({ fire: true, fireAt: 19_000, nextAt: 30_000 }));
      assert.deepEqual(late.map((c) => [c.record.scheduleId, c.fireAt]), [['a3', 19_000], ['a1', 19_000]]);
      await schedules.finishRuns(
        [
          { scheduleId: 'a1', fireAt: 1_000, msgId: '123456789012345' },
          { scheduleId: 'a1', fireAt: 19_000, errorCode: 1011, errorMessage: 'no target' },
        ],
        21_000,
      );
      const runs = await schedules.runs('a1');
      assert.deepEqual(runs.map((r) => [r.fireAt, r.msgId, r.errorCode, r.errorMessage, r.doneAt]), [
        [1_000, '123456789012345', null, null, 21_000],
        [19_000, null, 1011, 'no target', 21_000],
      ]);
      assert.deepEqual(await schedules.runs('none'), []);
    } finally {
      await opened.close();
    }
  });

  it('a starting node fails its own unfinished runs and abandoned ones, not those another node is firing', async () => {
    const opened = await kind.open();
    try {
      const { schedules } = opened.store;
      for (const id of ['u1', 'u2', 'u3', 'u4']) await schedules.insert(schedule(id, 'k', 1_000));
      await schedules.claimDue(1_000, 1, fireOnce, 'node-a'); // u1, by a
      await schedules.claimDue(1_000, 1, fireOnce, 'node-b'); // u2, by b, just now
      await schedules.claimDue(1_000, 1, fireOnce); // u3, by no named node
      await schedules.claimDue(500_000, 1, () => ({ fire: true, fireAt: 1_000, nextAt: null }), 'node-c'); // u4, by c, later
      const failed = await schedules.failUnfinished(8200, 'stopped', 600_000, { node: 'node-a', staleBefore: 2_000 });
      // u1 (own), u2 (claimed at 1,000, before the stale bound), u3 (no node); u4 is c's and recent
      assert.equal(failed, 3);
      assert.deepEqual((await schedules.runs('u4')).map((r) => r.doneAt), [null]);
      assert.deepEqual((await schedules.runs('u1')).map((r) => [r.errorCode, r.errorMessage, r.doneAt]), [[8200, 'stopped', 600_000]]);
      assert.equal(await schedules.failUnfinished(8200, 'stopped', 700_000), 1, 'without a scope: every unfinished run');
    } finally {
      await opened.close();
    }
  });

  it('two nodes claiming at once fire each due schedule once', async () => {
    const opened = await kind.open();
    try {
      const a = opened.store;
      const b = await opened.another();
      for (let i = 0; i < 30; i++) await a.schedules.insert(schedule(`c${i}`, 'k', 1_000));
      const drain = async (store: Store, node: string) => {
        const got: string[] = [];
        for (;;) {
          const batch = await store.schedules.claimDue(1_000, 4, fireOnce, node);
          if (batch.length === 0) return got;
          got.push(...batch.map((c) => c.record.scheduleId));
        }
      };
      const [ga, gb] = await Promise.all([drain(a, 'a'), drain(b, 'b')]);
      assert.equal(ga.length + gb.length, 30, `${ga.length} + ${gb.length}`);
      assert.equal(new Set([...ga, ...gb]).size, 30);
      for (let i = 0; i < 30; i++) assert.equal((await a.schedules.runs(`c${i}`)).length, 1);
    } finally {
      await opened.close();
    }
  });
});
