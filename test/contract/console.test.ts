import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { OperatorRecord } from '../../src/store/console-types.js';
import { bitmap, newPush } from './fixtures.js';
import { contract, type OpenedStore } from './harness.js';

const operator = (name: string, extra: Partial<OperatorRecord> = {}): OperatorRecord => ({
  name,
  passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${name}`,
  role: 'operator',
  apps: null,
  createdAt: 1_000,
  disabledAt: null,
  ...extra,
});

contract('console', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('stores operators once per name, lists them by name, and patches role, apps, password and disabling', async () => {
    const c = db.store.console;
    assert.equal(await c.countOperators(), 0);
    assert.equal(await c.createOperator(operator('zoe', { apps: ['k1', 'k2'] })), true);
    assert.equal(await c.createOperator(operator('adam', { role: 'admin' })), true);
    assert.equal(await c.createOperator(operator('zoe')), false, 'the name is taken');
    assert.deepEqual(await c.operator('zoe'), operator('zoe', { apps: ['k1', 'k2'] }));
    assert.deepEqual((await c.operators()).map((o) => o.name), ['adam', 'zoe']);
    assert.equal(await c.countOperators(), 2);
    assert.equal(await c.updateOperator('zoe', { role: 'viewer', apps: null, passwordHash: 'h2', disabledAt: 5 }), true);
    assert.deepEqual(await c.operator('zoe'), operator('zoe', { role: 'viewer', apps: null, passwordHash: 'h2', disabledAt: 5 }));
    assert.equal(await c.updateOperator('zoe', { disabledAt: null }), true);
    assert.equal((await c.operator('zoe'))?.disabledAt, null);
    assert.equal(await c.updateOperator('nobody', { role: 'admin' }), false);
    assert.equal(await c.updateOperator('adam', {}), true);
    assert.equal(await c.operator('nobody'), undefined);
  });

  it('keeps sessions until they end, per operator, and sweeps the expired ones', async () => {
    const c = db.store.console;
    await c.createSession({ id: 's1', operator: 'zoe', csrf: 't1', createdAt: 1, expiresAt: 100 });
    await c.createSession({ id: 's2', operator: 'zoe', csrf: 't2', createdAt: 1, expiresAt: 1_000 });
    await c.createSession({ id: 's3', operator: 'adam', csrf: 't3', createdAt: 1, expiresAt: 1_000 });
    assert.deepEqual(await c.session('s2'), { id: 's2', operator: 'zoe', csrf: 't2', createdAt: 1, expiresAt: 1_000 });
    assert.equal(await c.deleteExpiredSessions(100), 1);
    assert.equal(await c.session('s1'), undefined);
    assert.equal(await c.deleteSessionsOf('zoe'), 1);
    assert.equal(await c.session('s2'), undefined);
    await c.deleteSession('s3');
    assert.equal(await c.session('s3'), undefined);
  });

  it('appends to the audit log and pages it newest first, filtered by operator, app and action', async () => {
    const c = db.store.console;
    for (let i = 0; i < 5; i++) {
      await c.audit({ at: 10 + i, operator: i % 2 ? 'zoe' : 'adam', action: i < 3 ? 'push.send' : 'login', appKey: i < 3 ? 'k1' : null, target: `t${i}`, detail: i === 0 ? '{"a":1}' : null, ip: '127.0.0.1' });
    }
    const all = await c.auditPage({ limit: 3 });
    assert.deepEqual(all.map((e) => e.target), ['t4', 't3', 't2']);
    const rest = await c.auditPage({ limit: 3, before: all[2]!.id });
    assert.deepEqual(rest.map((e) => e.target), ['t1', 't0']);
    assert.deepEqual(rest[1], { id: rest[1]!.id, at: 10, operator: 'adam', action: 'push.send', appKey: 'k1', target: 't0', detail: '{"a":1}', ip: '127.0.0.1' });
    assert.deepEqual((await c.auditPage({ limit: 10, operator: 'zoe' })).map((e) => e.target), ['t3', 't1']);
    assert.deepEqual((await c.auditPage({ limit: 10, appKey: 'k1', action: 'push.send', operator: 'adam' })).map((e) => e.target), ['t2', 't0']);
  });

  it('pages one app\'s pushes newest first by msg_id, counts and searches them, wildcards taken literally', async () => {
    const { pushes, console: c } = db.store;
    const ids = ['9007199254740993', '9007199254740995', '9007199254740997', '9007199254740999'];
    for (const [i, id] of ids.entries()) {
      await pushes.insert(newPush(id, 'k1', { notification: { alert: i === 2 ? 'sale 50%_off' : `hello ${i}` }, createdAt: 1_000 + i }), { bitmap: bitmap([0, 1]), count: 2 });
    }
    await pushes.insert(newPush('9007199254741001', 'k2'), { bitmap: bitmap([0]), count: 1 });
    await pushes.markRevoked(ids[3]!, 5_000);
    const first = await c.pushPage({ appKey: 'k1', before: null, limit: 2 });
    assert.equal(first.total, 4);
    assert.deepEqual(first.pushes.map((p) => p.msgId), [ids[3], ids[2]]);
    assert.deepEqual([first.pushes[0]!.revokedAt, first.pushes[0]!.targetCount, first.pushes[1]!.revokedAt], [5_000, 2, null]);
    assert.match(first.pushes[1]!.body, /sale 50%_off/);
    const next = await c.pushPage({ appKey: 'k1', before: ids[2]!, limit: 5 });
    assert.deepEqual(next.pushes.map((p) => p.msgId), [ids[1], ids[0]]);
    const found = await c.pushPage({ appKey: 'k1', before: null, limit: 5, text: 'HELLO' });
    assert.deepEqual([found.total, found.pushes.map((p) => p.msgId)], [3, [ids[3], ids[1], ids[0]]]);
    assert.equal((await c.pushPage({ appKey: 'k1', before: null, limit: 5, text: '50%_' })).total, 1);
    assert.equal((await c.pushPage({ appKey: 'k1', before: null, limit: 5, text: '5_%' })).total, 0);
    assert.equal((await c.pushPage({ appKey: 'k3', before: null, limit: 5 })).total, 0);
  });
});
