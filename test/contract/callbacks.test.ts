import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { CallbackBatch } from '../../src/store/types.js';
import { contract, type OpenedStore } from './harness.js';

function batch(url: string, createdAt: number, body = '{}'): CallbackBatch {
  return { appKey: 'k', url, body, createdAt };
}

contract('callback URLs and the callback queue', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('registers URLs with one default per app and type masks', async () => {
    const { callbacks } = db.store;
    const a = await callbacks.addUrl('k', 'https://a.example/', { isDefault: false }, 10);
    assert.deepEqual(a, { appKey: 'k', url: 'https://a.example/', isDefault: false, types: 15, createdAt: 10 });
    await callbacks.addUrl('k', 'https://b.example/', { isDefault: true, types: 3 }, 11);
    assert.equal((await callbacks.defaultUrl('k'))?.url, 'https://b.example/');
    // a new default replaces the old; re-registering keeps created_at and the mask unless given
    const a2 = await callbacks.addUrl('k', 'https://a.example/', { isDefault: true }, 12);
    assert.deepEqual(a2, { appKey: 'k', url: 'https://a.example/', isDefault: true, types: 15, createdAt: 10 });
    await callbacks.addUrl('k', 'https://a.example/', { isDefault: false, types: 1 }, 13);
    assert.deepEqual(
      (await callbacks.listUrls('k')).map((u) => [u.url, u.isDefault, u.types]),
      [['https://a.example/', true, 1], ['https://b.example/', false, 3]],
    );
    assert.equal((await callbacks.getUrl('k', 'https://b.example/'))?.types, 3);
    assert.equal(await callbacks.getUrl('other', 'https://b.example/'), undefined);
    assert.equal(await callbacks.defaultUrl('other'), undefined);
    assert.equal(await callbacks.removeUrl('k', 'https://b.example/'), true);
    assert.equal(await callbacks.removeUrl('k', 'https://b.example/'), false);
  });

  it('makes one URL the default when two are made default at once', async () => {
    const second = await db.another();
    await Promise.all([
      db.store.callbacks.addUrl('race', 'https://one.example/', { isDefault: true }, 1),
      second.callbacks.addUrl('race', 'https://two.example/', { isDefault: true }, 1),
    ]);
    assert.equal((await db.store.callbacks.listUrls('race')).filter((u) => u.isDefault).length, 1);
  });

  it('queues, retries, holds and removes batches', async () => {
    const opened = await kind.open();
    try {
      const { pushes, callbacks } = opened.store;
      await pushes.saveReceipts([], [batch('https://a/', 100, 'one'), batch('https://b/', 50, 'two'), batch('https://a/', 200, 'three')]);
      assert.equal(await callbacks.queued(), 3);
      assert.equal((await opened.store.stats()).callbackQueue, 3);
      let due = await callbacks.due(150, 10);
      assert.deepEqual(due.map((d) => d.body), ['two', 'one']);
      assert.deepEqual({ ...due[0], id: 0 }, { id: 0, appKey: 'k', url: 'https://b/', body: 'two', createdAt: 50, attempts: 0, nextAt: 50, lastError: null });
      await callbacks.retryLater(due[0]!.id, 1_000, 'HTTP 503');
      due = await callbacks.due(1_000, 10);
      assert.deepEqual(due.map((d) => [d.body, d.attempts, d.lastError]), [['one', 0, null], ['three', 0, null], ['two', 1, 'HTTP 503']]);
      await callbacks.holdUrl('k', 'https://a/', 2_000);
      assert.deepEqual((await callbacks.due(1_999, 10)).map((d) => d.body), ['two']);
      await callbacks.remove(due[2]!.id);
      assert.deepEqual((await callbacks.due(2_000, 1)).map((d) => d.body), ['one']);
      assert.equal(await callbacks.queued(), 2);
    } finally {
      await opened.close();
    }
  });

  it('claims due batches for a while, and takes back released ones', async () => {
    const opened = await kind.open();
    try {
      const { pushes, callbacks } = opened.store;
      await pushes.saveReceipts([], [batch('https://a/', 10, 'x'), batch('https://a/', 20, 'y'), batch('https://a/', 30, 'z')]);
      const claimed = await callbacks.claim(100, 2, 5_000);
      assert.deepEqual(claimed.map((c) => [c.body, c.nextAt]), [['x', 10], ['y', 20]]);
      assert.deepEqual((await callbacks.claim(100, 10, 5_000)).map((c) => c.body), ['z']);
      assert.deepEqual(await callbacks.claim(4_999, 10, 9_000), []);
      await callbacks.release(claimed[1]!.id, claimed[1]!.nextAt);
      assert.deepEqual((await callbacks.claim(100, 10, 5_000)).map((c) => c.body), ['y']);
      // a claim that was never finished (its node died) is taken again once it runs out
      assert.deepEqual((await callbacks.claim(5_000, 10, 9_000)).map((c) => c.body), ['x', 'y', 'z']);
    } finally {
      await opened.close();
    }
  });

  it('never gives one batch to two nodes claiming at the same time', async () => {
    const opened = await kind.open();
    try {
      const second = await opened.another();
      const queued = Array.from({ length: 300 }, (_, i) => batch('https://a/', i, `b${i}`));
      await opened.store.pushes.saveReceipts([], queued);
      const taken: string[] = [];
      const drain = async (store: typeof second) => {
        for (;;) {
          const rows = await store.callbacks.claim(1_000, 7, 60_000);
          if (rows.length === 0) return;
          taken.push(...rows.map((r) => r.body));
        }
      };
      await Promise.all([drain(opened.store), drain(second), drain(opened.store), drain(second)]);
      assert.equal(taken.length, 300);
      assert.equal(new Set(taken).size, 300);
    } finally {
      await opened.close();
    }
  });
});
