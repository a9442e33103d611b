import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { Credentials } from '../../src/apps/credentials.js';
import { rawFrames, settle, startClient, type TestClient } from '../helpers/devices.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

async function push(server: TestServer, body: Record<string, unknown>, auth?: Credentials): Promise<string> {
  const res = await call(server, 'POST', '/v3/push', { body, auth });
  assert.equal(res.status, 200, res.text);
  return (res.body as { msg_id: string }).msg_id;
}

const note = (alert: string) => ({ alert });

describe('delivery to connected devices, by audience', () => {
  let server: TestServer;
  let app: Credentials;
  let d1: TestClient; // android, t_a t_b, alias al1
  let d2: TestClient; // ios, t_b t_c
  let d3: TestClient; // android, t_c, alias al2
  let d4: TestClient; // hmos, t_a
  let d5: TestClient; // web, t_a
  let all: TestClient[];

  before(async () => {
    server = await startTestServer({ limits: { broadcastsPerDay: 0 } });
    app = await server.createApp('audience');
    d1 = await startClient(server, app, { platform: 'android', tags: ['t_a', 't_b'], alias: 'al1' });
    d2 = await startClient(server, app, { platform: 'ios', tags: ['t_b', 't_c'] });
    d3 = await startClient(server, app, { platform: 'android', tags: ['t_c'], alias: 'al2' });
    d4 = await startClient(server, app, { platform: 'hmos', tags: ['t_a'] });
    d5 = await startClient(server, app, { platform: 'web', tags: ['t_a'] });
    all = [d1, d2, d3, d4, d5];
  });
  after(async () => {
    for (const c of all) await c.close();
    await server.close();
  });

  /** Sends a push and returns which of the five connected devices got it. */
  async function receivers(body: Record<string, unknown>): Promise<TestClient[]> {
    const before = all.map((c) => c.pushes.length);
    const msgId = await push(server, { platform: 'all', notification: note('x'), ...body }, app);
    await settle(120);
    const got = all.filter((c, i) => c.pushes.slice(before[i]).some((p) => p.msgId === msgId));
    // nobody gets it twice
    for (const c of all) assert.ok(c.pushes.filter((p) => p.msgId === msgId).length <= 1);
    return got;
  }

  test('tag is a union', async () => {
    assert.deepEqual(await receivers({ audience: { tag: ['t_a', 't_c'] } }), [d1, d2, d3, d4, d5]);
    assert.deepEqual(await receivers({ audience: { tag: ['t_b'] } }), [d1, d2]);
  });
  test('tag_and is an intersection', async () => {
    assert.deepEqual(await receivers({ audience: { tag_and: ['t_b', 't_c'] } }), [d2]);
  });
  test('tag_not is the complement of the union (only with the other kinds)', async () => {
    assert.deepEqual(await receivers({ audience: { tag: ['t_a', 't_b', 't_c'], tag_not: ['t_a'] } }), [d2, d3]);
    assert.deepEqual(await receivers({ audience: { tag_not: ['t_a', 't_c'] } }), []);
  });
  test('alias and registration_id', async () => {
    assert.deepEqual(await receivers({ audience: { alias: ['al1', 'al2'] } }), [d1, d3]);
    assert.deepEqual(await receivers({ audience: { registration_id: [d2.registrationId, d4.registrationId] } }), [d2, d4]);
  });
  test('kinds combine by AND', async () => {
    assert.deepEqual(await receivers({ audience: { tag: ['t_c'], alias: ['al2', 'al1'] } }), [d3]);
    assert.deepEqual(await receivers({ audience: { tag: ['t_a'], tag_and: ['t_b'], registration_id: [d1.registrationId, d2.registrationId] } }), [d1]);
  });
  test('the platform filter', async () => {
    assert.deepEqual(await receivers({ platform: ['android'], audience: { tag: ['t_a', 't_c'] } }), [d1, d3]);
    assert.deepEqual(await receivers({ platform: ['ios', 'hmos'], audience: { tag: ['t_a', 't_c'] } }), [d2, d4]);
    // web devices are reached by "all" only
    assert.deepEqual(await receivers({ platform: 'all', audience: 'all' }), [d1, d2, d3, d4, d5]);
  });
  test('a platform without content for it is not targeted', async () => {
    const got = await receivers({ audience: { tag: ['t_a', 't_c'] }, notification: { android: { alert: 'only android' } } });
    assert.deepEqual(got, [d1, d3]);
  });
  test('nothing matches: 1011, and nothing is stored', async () => {
    for (const audience of [{ tag: ['nobody'] }, { alias: ['ghost'] }, { registration_id: ['00000000000000000'] }, { tag_and: ['t_a', 't_c'] }, { segment: ['s1'] }]) {
      const res = await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience, notification: note('x') }, auth: app });
      assert.equal(res.status, 400, JSON.stringify(audience));
      assert.equal(errorCode(res), 1011, JSON.stringify(audience));
    }
    const v = await call(server, 'POST', '/v3/push/validate', { body: { platform: 'all', audience: { tag: ['nobody'] }, notification: note('x') }, auth: app });
    assert.equal(errorCode(v), 1011);
  });
  test('another app cannot target these devices, even by registration id', async () => {
    const other = await server.createApp('intruder');
    const before = all.map((c) => c.pushes.length);
    await push(server, { platform: 'all', audience: 'all', notification: note('intruder') }, other);
    const res = await call(server, 'POST', '/v3/push', {
      body: { platform: 'all', audience: { registration_id: [d1.registrationId] }, notification: note('x') },
      auth: other,
    });
    assert.equal(errorCode(res), 1011);
    await settle();
    assert.deepEqual(all.map((c) => c.pushes.length), before);
  });
});

describe('rendering per platform', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('the platform block overrides the top-level alert; message and notification both arrive', async () => {
    const android = await startClient(server, server.app, { platform: 'android', tags: ['r'] });
    const ios = await startClient(server, server.app, { platform: 'ios', tags: ['r'] });
    const msgId = await push(server, {
      platform: 'all',
      audience: { tag: ['r'] },
      notification: {
        alert: 'top',
        android: { alert: 'for android', title: 'T', builder_id: 2, extras: { k: 'v' } },
        ios: { sound: 'default', badge: '+1' },
      },
      message: { msg_content: 'custom', title: 'mt', extras: { m: 1 } },
    });
    const [a] = await android.waitForPushes(1);
    const [i] = await ios.waitForPushes(1);
    assert.equal(a!.msgId, msgId);
    assert.deepEqual(a!.notification, { alert: 'for android', title: 'T', builder_id: 2, extras: { k: 'v' } });
    assert.deepEqual(i!.notification, { alert: 'top', sound: 'default', badge: '+1' });
    for (const p of [a!, i!]) assert.deepEqual(p.message, { msg_content: 'custom', title: 'mt', extras: { m: 1 } });
    await android.close();
    await ios.close();
  });
});

// Both ways a connecting device finds what it is owed: the per-device index of narrow pushes,
// and bitmap membership of wide ones (narrowTargets 0 makes every push wide).
for (const narrowTargets of [1000, 0]) describe(`offline devices, expiry, override and revoke (narrowTargets ${narrowTargets})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ delivery: { narrowTargets } });
  });
  after(() => server.close());

  test('an offline device gets its pushes in order when it connects', async () => {
    const d = await startClient(server, server.app, { tags: ['off'], connect: false });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await push(server, { platform: 'all', audience: { tag: ['off'] }, notification: note(`n${i}`) }));
    await d.client.connect();
    const got = await d.waitForPushes(5);
    assert.deepEqual(got.map((p) => p.msgId), ids);
    assert.deepEqual(got.map((p) => p.notification?.alert), ['n0', 'n1', 'n2', 'n3', 'n4']);
    // acknowledged: the server sends nothing again (checked below the SDK, which would hide duplicates)
    await settle(300);
    await d.close();
    const creds = { registrationId: d.registrationId, deviceSecret: d.client.state.deviceSecret! };
    assert.deepEqual(await rawFrames(server, creds), []);
  });

  test('a backlog larger than the slow-consumer limit still drains completely', async () => {
    const d = await startClient(server, server.app, { tags: ['big'], connect: false });
    const body = 'x'.repeat(3500);
    const ids: string[] = [];
    // ~1.2 MiB owed, more than the gateway lets pile up in one socket
    for (let i = 0; i < 350; i += 25) {
      ids.push(
        ...(await Promise.all(
          Array.from({ length: 25 }, () => push(server, { platform: 'all', audience: { tag: ['big'] }, message: { msg_content: body } })),
        )),
      );
    }
    await d.client.connect();
    const got = await d.waitForPushes(350, 15_000);
    assert.deepEqual(new Set(got.map((p) => p.msgId)), new Set(ids));
    await d.close();
  });

  test('an expired push is not delivered; time_to_live 0 reaches only connected devices', async () => {
    const offline = await startClient(server, server.app, { tags: ['exp'], connect: false });
    const online = await startClient(server, server.app, { tags: ['exp'] });
    await push(server, { platform: 'all', audience: { tag: ['exp'] }, notification: note('short'), options: { time_to_live: 1 } });
    const zero = await push(server, { platform: 'all', audience: { tag: ['exp'] }, notification: note('now only'), options: { time_to_live: 0 } });
    await online.waitForPushes(2);
    assert.ok(online.pushes.some((p) => p.msgId === zero));
    await settle(1200);
    await offline.client.connect();
    await settle(200);
    assert.equal(offline.pushes.length, 0);
    await offline.close();
    await online.close();
  });

  test('override: devices without the first push get only the new one; holders are told to replace', async () => {
    const holder = await startClient(server, server.app, { tags: ['ovr'] });
    const later = await startClient(server, server.app, { tags: ['ovr'], connect: false });
    const first = await push(server, { platform: 'all', audience: { tag: ['ovr'] }, notification: note('v1') });
    await holder.waitForPushes(1);
    await settle(300); // the holder's ack is recorded
    const second = await push(server, {
      platform: 'all',
      audience: { tag: ['ovr'] },
      notification: note('v2'),
      options: { override_msg_id: first },
    });
    await holder.waitForPushes(2);
    assert.deepEqual(holder.replaced.map((r) => [r.overridden, r.push.msgId]), [[first, second]]);
    await later.client.connect();
    await later.waitForPushes(1);
    await settle(150);
    assert.deepEqual(later.pushes.map((p) => p.msgId), [second]);
    await holder.close();
    await later.close();
  });

  test('revoke: undelivered copies are dropped, holders are told to withdraw', async () => {
    const holder = await startClient(server, server.app, { tags: ['rev'] });
    const offlineHolder = await startClient(server, server.app, { tags: ['rev'] });
    const never = await startClient(server, server.app, { tags: ['rev'], connect: false });
    const msgId = await push(server, { platform: 'all', audience: { tag: ['rev'] }, notification: note('oops') });
    await holder.waitForPushes(1);
    await offlineHolder.waitForPushes(1);
    await settle(300);
    await offlineHolder.close();
    const res = await call(server, 'DELETE', `/v3/push/${msgId}`);
    assert.equal(res.status, 200, res.text);
    await holder.waitForWithdraw(msgId);
    await offlineHolder.client.connect();
    await offlineHolder.waitForWithdraw(msgId);
    await never.client.connect();
    await settle(200);
    assert.equal(never.pushes.length, 0);
    // a revoked push cannot be overridden
    const o = await call(server, 'POST', '/v3/push', {
      body: { platform: 'all', audience: { tag: ['rev'] }, notification: note('x'), options: { override_msg_id: msgId } },
    });
    assert.equal(errorCode(o), 1003);
    for (const c of [holder, offlineHolder, never]) await c.close();
  });

  test('revoke of an unknown or foreign msg_id: 400 / 1003', async () => {
    const other = await server.createApp('foreign');
    const foreign = await push(server, { platform: 'all', audience: { alias: ['someone'] }, notification: note('f') }, other);
    for (const id of ['1', '99999999999999', 'abc', foreign]) {
      const res = await call(server, 'DELETE', `/v3/push/${id}`);
      assert.equal(res.status, 400, id);
      assert.equal(errorCode(res), 1003, id);
      assert.match((res.body as { error: { message: string } }).error.message, /msgid doesn't exist/);
    }
    const unauth = await call(server, 'DELETE', `/v3/push/${foreign}`, { auth: null });
    assert.equal(unauth.status, 401);
  });
});

for (const narrowTargets of [1000, 0]) describe(`restarts and credentials (narrowTargets ${narrowTargets})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ delivery: { narrowTargets } });
  });
  after(() => server.close());

  test('pushes pending across a restart are delivered once to the application', async () => {
    const acked = await startClient(server, server.app, { tags: ['rs'] });
    const pending = await startClient(server, server.app, { tags: ['rs'], connect: false });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await push(server, { platform: 'all', audience: { tag: ['rs'] }, notification: note(`r${i}`) }));
    await acked.waitForPushes(3);
    await settle(300);
    await server.restart();
    await pending.client.connect();
    const got = await pending.waitForPushes(3);
    assert.deepEqual(got.map((p) => p.msgId), ids);
    await acked.waitForPushes(3);
    await settle(300);
    // the SDK reconnected after the restart; nothing reached the application twice,
    // and the acks saved before the restart mean the server does not even resend
    assert.deepEqual(acked.pushes.map((p) => p.msgId), ids);
    await acked.close();
    const creds = { registrationId: acked.registrationId, deviceSecret: acked.client.state.deviceSecret! };
    assert.deepEqual(await rawFrames(server, creds), []);
    await acked.close();
    await pending.close();
  });

  test('receipts of a time_to_live 0 push, and a click after a restart, are counted', async () => {
    const d = await startClient(server, server.app, { tags: ['rc'] });
    // closed whatever happens: a client left reconnecting keeps the test process alive
    try {
      const zero = await push(server, { platform: 'all', audience: { tag: ['rc'] }, notification: note('z'), options: { time_to_live: 0 } });
      const later = await push(server, { platform: 'all', audience: { tag: ['rc'] }, notification: note('l'), options: { time_to_live: 1 } });
      await d.waitForPushes(2);
      // receipts are saved in batches: wait for them rather than for a fixed time (slow machines)
      const r0 = await waitFor(async () => {
        const r = await server.node.ctx.delivery.receiptsOf(server.app.appKey, zero);
        return r && r.sent.size === 1 && r.received.size === 1 ? r : undefined;
      }, 10_000, 'receipts of the time_to_live 0 push');
      assert.equal(r0.sent.size, 1);
      // after the restart the expired push is no longer in memory: the click goes to the stored receipts
      await settle(1300); // `later` (time_to_live 1 s) expires
      await server.restart();
      await d.waitForPushes(2);
      d.client.click(later);
      const r1 = await waitFor(async () => {
        const r = await server.node.ctx.delivery.receiptsOf(server.app.appKey, later);
        return r && r.clicked.size === 1 ? r : undefined;
      }, 10_000, 'the click after the restart');
      assert.equal(r1.received.size, 1);
    } finally {
      await d.close();
    }
  });

  test("a device cannot use another device's credentials", async () => {
    const a = await startClient(server, server.app, { connect: false });
    const b = await startClient(server, server.app, { connect: false });
    const url = server.url.replace(/^http/, 'ws') + '/v1/gateway';
    const codes = await Promise.all(
      [
        { registration_id: a.registrationId, device_secret: b.client.state.deviceSecret },
        { registration_id: a.registrationId, device_secret: 'x'.repeat(24) },
        { registration_id: 'nope', device_secret: a.client.state.deviceSecret },
      ].map(
        (creds) =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(url);
            ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', v: 1, ...creds })));
            ws.on('close', (code) => resolve(code));
            ws.on('error', () => {});
          }),
      ),
    );
    assert.deepEqual(codes, [4001, 4001, 4001]);
  });
});
