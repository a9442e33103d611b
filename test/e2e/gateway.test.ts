import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { BorealisClient, BorealisError, type ClientState, type Push } from '../../sdk/src/node.js';
import {
  APP_KEY,
  RawClient,
  pushFrame,
  startGatewayHarness,
  waitFor,
  type Frame,
  type GatewayHarness,
} from '../helpers/gateway.js';

describe('gateway: authentication', { timeout: 60_000 }, () => {
  let h: GatewayHarness;
  before(async () => {
    h = await startGatewayHarness({ authTimeoutMs: 200 });
  });
  after(() => h.close());

  test('a device with the right secret gets ready and is present', async () => {
    const d = h.addDevice();
    const c = await RawClient.open(h.wsUrl);
    c.send({ t: 'auth', v: 1, registration_id: d.registrationId, device_secret: d.secret });
    const ready = await c.next((f) => f.t === 'ready');
    assert.deepEqual(ready, { t: 'ready', v: 1, registration_id: d.registrationId, heartbeat: 30 });
    const session = h.gateway.session(APP_KEY, d.num);
    assert.ok(session?.open);
    assert.equal(session.registrationId, d.registrationId);
    assert.equal(session.platform, 'android');
    assert.ok(h.calls.online.includes(session));
    assert.equal(h.gateway.sessions(APP_KEY)?.get(d.num), session);
    c.ws.close();
    await c.closed;
    await waitFor(() => h.gateway.session(APP_KEY, d.num) === undefined);
    assert.ok(h.calls.offline.includes(session));
  });

  test('a wrong secret closes with 4001 after an error frame', async () => {
    const d = h.addDevice();
    const c = await RawClient.open(h.wsUrl);
    c.send({ t: 'auth', v: 1, registration_id: d.registrationId, device_secret: 'not-the-secret' });
    assert.equal((await c.closed).code, 4001);
    assert.deepEqual(c.frames, [{ t: 'error', code: 4001, message: 'authentication failed' }]);
    assert.equal(h.gateway.session(APP_KEY, d.num), undefined);
  });

  test('an unknown device closes with 4001', async () => {
    const c = await RawClient.open(h.wsUrl);
    c.send({ t: 'auth', v: 1, registration_id: 'nobody', device_secret: 'x' });
    assert.equal((await c.closed).code, 4001);
  });

  test('no auth frame within the timeout closes with 4002', async () => {
    const started = Date.now();
    const c = await RawClient.open(h.wsUrl);
    assert.equal((await c.closed).code, 4002);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 2000, `closed after ${elapsed} ms`);
  });

  test('a credential check slower than the auth timeout closes with 4002', async () => {
    const c = await RawClient.open(h.wsUrl);
    c.send({ t: 'auth', v: 1, registration_id: 'slow', device_secret: 'y' });
    assert.equal((await c.closed).code, 4002);
  });

  test('an auth frame of another protocol version closes with 4000', async () => {
    const d = h.addDevice();
    const c = await RawClient.open(h.wsUrl);
    c.send({ t: 'auth', v: 2, registration_id: d.registrationId, device_secret: d.secret });
    assert.equal((await c.closed).code, 4000);
  });

  const beforeAuth: [string, Frame | string][] = [
    ['a ping', { t: 'ping' }],
    ['an ack', { t: 'ack', msg_ids: ['1'] }],
    ['bad JSON', '{"t":"auth",'],
    ['a JSON array', '[1,2]'],
    ['an auth frame with a numeric id', { t: 'auth', v: 1, registration_id: 42, device_secret: 'x' }],
    ['an auth frame with a huge secret', { t: 'auth', v: 1, registration_id: 'x', device_secret: 'y'.repeat(1000) }],
  ];
  for (const [name, frame] of beforeAuth) {
    test(`${name} as the first frame closes with 4000`, async () => {
      const c = await RawClient.open(h.wsUrl);
      c.send(frame);
      assert.equal((await c.closed).code, 4000);
    });
  }

  test('a frame sent before ready closes with 4000', async () => {
    const d = h.addDevice();
    const c = await RawClient.open(h.wsUrl);
    c.send({ t: 'auth', v: 1, registration_id: d.registrationId, device_secret: d.secret });
    c.send({ t: 'ping' });
    assert.equal((await c.closed).code, 4000);
    assert.equal(h.gateway.session(APP_KEY, d.num), undefined);
  });

  test('upgrades on other paths are refused with 404', async () => {
    const ws = new WebSocket(h.wsUrl.replace('/v1/gateway', '/v1/other'));
    const status = await new Promise<number>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('opened')));
      ws.on('error', reject);
    });
    assert.equal(status, 404);
  });

  test('a query string does not change the path', async () => {
    const d = h.addDevice();
    const c = await RawClient.authed(h.wsUrl + '?sdk=1', d);
    assert.ok(h.gateway.session(APP_KEY, d.num)?.open);
    c.ws.close();
  });
});

describe('gateway: frames and limits', { timeout: 60_000 }, () => {
  let h: GatewayHarness;
  before(async () => {
    h = await startGatewayHarness({ maxBufferedBytes: 256 * 1024 });
  });
  after(() => h.close());

  test('ping is answered with pong', async () => {
    const c = await RawClient.authed(h.wsUrl, h.addDevice());
    c.send({ t: 'ping' });
    assert.deepEqual(await c.next((f) => f.t === 'pong'), { t: 'pong' });
    c.ws.close();
  });

  test('acks and clicks reach the hooks with their ids', async () => {
    const d = h.addDevice();
    const c = await RawClient.authed(h.wsUrl, d);
    const session = h.gateway.session(APP_KEY, d.num);
    const ids = Array.from({ length: 100 }, (_, i) => String(1000 + i));
    c.send({ t: 'ack', msg_ids: ['17', '18'], future_field: true });
    c.send({ t: 'ack', msg_ids: ids });
    c.send({ t: 'ack', msg_ids: [] });
    c.send({ t: 'click', msg_id: '17' });
    await c.roundTrip();
    const acks = h.calls.ack.filter((a) => a.session === session).map((a) => a.msgIds);
    assert.deepEqual(acks, [['17', '18'], ids], 'an empty ack calls nothing');
    assert.deepEqual(
      h.calls.click.filter((x) => x.session === session).map((x) => x.msgId),
      ['17'],
    );
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    c.ws.close();
  });

  const hostile: [string, Frame | string][] = [
    ['bad JSON', 'not json'],
    ['a JSON string', '"ping"'],
    ['null', 'null'],
    ['an unknown frame type', { t: 'subscribe' }],
    ['a frame without type', { msg_ids: ['1'] }],
    ['an ack with 101 ids', { t: 'ack', msg_ids: Array.from({ length: 101 }, (_, i) => String(i)) }],
    ['an ack with numeric ids', { t: 'ack', msg_ids: [1, 2] }],
    ['an ack with a non-numeric id', { t: 'ack', msg_ids: ['1', 'abc'] }],
    ['an ack with an object id', { t: 'ack', msg_ids: [{ toString: '1' }] }],
    ['an ack whose ids are not an array', { t: 'ack', msg_ids: '1,2' }],
    ['a click with a numeric id', { t: 'click', msg_id: 17 }],
    ['a click without id', { t: 'click' }],
    ['tags with a string for add', { t: 'tags', id: 1, add: 'vip' }],
    ['tags with a number among the tags', { t: 'tags', id: 1, add: ['vip', 3] }],
    ['tags with a string request id', { t: 'tags', id: '1', add: ['vip'] }],
    ['tags with a negative request id', { t: 'tags', id: -1, add: ['vip'] }],
    ['tags with a fractional request id', { t: 'tags', id: 1.5, add: ['vip'] }],
    ['alias without alias', { t: 'alias', id: 1 }],
    ['alias with a number', { t: 'alias', id: 1, alias: 5 }],
    ['a second auth', { t: 'auth', v: 1, registration_id: 'x', device_secret: 'y' }],
  ];
  for (const [name, frame] of hostile) {
    test(`${name} closes with 4000 and reaches no hook`, async () => {
      const d = h.addDevice();
      const c = await RawClient.authed(h.wsUrl, d);
      const session = h.gateway.session(APP_KEY, d.num);
      c.send(frame);
      const { code } = await c.closed;
      assert.equal(code, 4000);
      const last = c.frames.at(-1);
      assert.equal(last?.t, 'error');
      assert.equal(last?.code, 4000);
      assert.equal(h.calls.ack.filter((a) => a.session === session).length, 0);
      assert.equal(h.calls.update.filter((a) => a.session === session).length, 0);
      await waitFor(() => h.calls.offline.includes(session!));
    });
  }

  test('a binary frame closes with 4000', async () => {
    const c = await RawClient.authed(h.wsUrl, h.addDevice());
    c.ws.send(Buffer.from('{"t":"ping"}'), { binary: true });
    assert.equal((await c.closed).code, 4000);
  });

  test('a frame over 4096 bytes closes with 1009', async () => {
    const c = await RawClient.authed(h.wsUrl, h.addDevice());
    c.send({ t: 'ping', pad: 'x'.repeat(4100) });
    assert.equal((await c.closed).code, 1009);
  });

  test('a frame of exactly 4096 bytes is accepted', async () => {
    const c = await RawClient.authed(h.wsUrl, h.addDevice());
    const base = JSON.stringify({ t: 'ping', pad: '' });
    c.send(JSON.stringify({ t: 'ping', pad: 'x'.repeat(4096 - base.length) }));
    await c.next((f) => f.t === 'pong');
    c.ws.close();
  });

  test('a burst within the limit passes; beyond it the connection closes with 4029', async () => {
    const ok = await RawClient.authed(h.wsUrl, h.addDevice());
    for (let i = 0; i < 45; i++) ok.send({ t: 'ping' });
    await waitFor(() => ok.frames.filter((f) => f.t === 'pong').length === 45);
    assert.equal(ok.ws.readyState, WebSocket.OPEN);
    ok.ws.close();

    const flood = await RawClient.authed(h.wsUrl, h.addDevice());
    for (let i = 0; i < 80; i++) flood.send({ t: 'ping' });
    assert.equal((await flood.closed).code, 4029);
    const pongs = flood.frames.filter((f) => f.t === 'pong').length;
    assert.ok(pongs >= 50 && pongs <= 51, `${pongs} pongs before the close`);
  });

  test('the bucket refills at the sustained rate', async () => {
    const c = await RawClient.authed(h.wsUrl, h.addDevice());
    for (let i = 0; i < 50; i++) c.send({ t: 'ping' });
    await waitFor(() => c.frames.filter((f) => f.t === 'pong').length === 50);
    // 250 ms at 20 frames a second buys about 5 more frames
    await new Promise((r) => setTimeout(r, 260));
    for (let i = 0; i < 4; i++) c.send({ t: 'ping' });
    await waitFor(() => c.frames.filter((f) => f.t === 'pong').length === 54);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    for (let i = 0; i < 5; i++) c.send({ t: 'ping' });
    assert.equal((await c.closed).code, 4029);
  });

  test('tags and alias are answered with reply', async () => {
    const d = h.addDevice();
    const c = await RawClient.authed(h.wsUrl, d);
    c.send({ t: 'tags', id: 1, add: ['vip', 'beta'] });
    assert.deepEqual(await c.next((f) => f.id === 1), { t: 'reply', id: 1, tags: ['vip', 'beta'], alias: null });
    c.send({ t: 'tags', id: 2, remove: ['beta'] });
    assert.deepEqual(await c.next((f) => f.id === 2), { t: 'reply', id: 2, tags: ['vip'], alias: null });
    c.send({ t: 'alias', id: 3, alias: 'alice' });
    assert.deepEqual(await c.next((f) => f.id === 3), { t: 'reply', id: 3, tags: ['vip'], alias: 'alice' });
    c.send({ t: 'alias', id: 4, alias: null });
    assert.deepEqual(await c.next((f) => f.id === 4), { t: 'reply', id: 4, tags: ['vip'], alias: null });
    const session = h.gateway.session(APP_KEY, d.num);
    assert.deepEqual(
      h.calls.update.filter((u) => u.session === session).map((u) => u.update),
      [{ tags: { add: ['vip', 'beta'] } }, { tags: { remove: ['beta'] } }, { alias: 'alice' }, { alias: null }],
    );
    c.ws.close();
  });

  test('a refused change is answered with error and the JPush code', async () => {
    const c = await RawClient.authed(h.wsUrl, h.addDevice());
    c.send({ t: 'tags', id: 7, add: ['x'.repeat(41)] });
    assert.deepEqual(await c.next((f) => f.id === 7), { t: 'error', id: 7, code: 1003, message: 'tag or alias longer than 40 bytes' });
    c.send({ t: 'alias', id: 8, alias: 'boom' });
    assert.deepEqual(await c.next((f) => f.id === 8), { t: 'error', id: 8, code: 1000, message: 'Server internal error' });
    c.send({ t: 'tags', id: 9 });
    assert.deepEqual(await c.next((f) => f.id === 9), { t: 'error', id: 9, code: 1002, message: 'tags needs add or remove' });
    await c.roundTrip();
    assert.equal(c.ws.readyState, WebSocket.OPEN, 'a refused request does not end the connection');
    c.ws.close();
  });

  test('pushes are sent as text frames through session.send', async () => {
    const d = h.addDevice();
    const c = await RawClient.authed(h.wsUrl, d);
    const session = h.gateway.session(APP_KEY, d.num)!;
    const binaries: boolean[] = [];
    c.ws.on('message', (_data, isBinary) => binaries.push(isBinary));
    assert.equal(session.send(pushFrame('42')), true);
    const push = await c.next((f) => f.t === 'push');
    assert.equal(push.msg_id, '42');
    assert.deepEqual(binaries, [false]);
    c.ws.close();
    await c.closed;
    await waitFor(() => !session.open);
    assert.equal(session.send(pushFrame('43')), false, 'send on a closed session reports false');
  });

  test('a slow consumer is closed with 4013 and send reports false', async () => {
    const d = h.addDevice();
    const c = await RawClient.authed(h.wsUrl, d);
    const session = h.gateway.session(APP_KEY, d.num)!;
    c.ws.pause();
    const frame = pushFrame('1', { message: { msg_content: 'x'.repeat(16 * 1024) } });
    let sent = 0;
    while (session.send(frame)) {
      sent++;
      assert.ok(sent < 4096, 'send never reported the backlog');
    }
    assert.equal(session.open, false);
    assert.equal(h.gateway.session(APP_KEY, d.num), undefined);
    assert.ok(h.calls.offline.includes(session));
    c.ws.resume();
    assert.equal((await c.closed).code, 4013);
    assert.ok(c.frames.filter((f) => f.t === 'push').length <= sent);
  });
});

describe('gateway: sessions', { timeout: 60_000 }, () => {
  let h: GatewayHarness;
  before(async () => {
    h = await startGatewayHarness({ heartbeatSeconds: 0.2 });
  });
  after(() => h.close());

  test('a silent connection is closed with 4008 after 2.5 heartbeats', async () => {
    const started = Date.now();
    const c = await RawClient.authed(h.wsUrl, h.addDevice());
    assert.equal((await c.next((f) => f.t === 'ready')).heartbeat, 0.2);
    assert.equal((await c.closed).code, 4008);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 490 && elapsed < 2000, `closed after ${elapsed} ms`);
  });

  test('a connection that pings stays open', async () => {
    const c = await RawClient.authed(h.wsUrl, h.addDevice());
    const timer = setInterval(() => c.send({ t: 'ping' }), 150);
    await new Promise((r) => setTimeout(r, 1200));
    clearInterval(timer);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    c.ws.close();
  });

  test('a second connection of a device replaces the first (4003)', async () => {
    const d = h.addDevice();
    const first = await RawClient.authed(h.wsUrl, d);
    const firstSession = h.gateway.session(APP_KEY, d.num)!;
    const second = await RawClient.authed(h.wsUrl, d);
    const secondSession = h.gateway.session(APP_KEY, d.num)!;
    assert.notEqual(firstSession, secondSession);
    const { code } = await first.closed;
    assert.equal(code, 4003);
    assert.deepEqual(first.frames.at(-1), { t: 'error', code: 4003, message: 'replaced by a newer connection' });
    // the old connection's end (offline hook, close event) leaves the new one in place
    await waitFor(() => h.calls.offline.includes(firstSession));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.gateway.session(APP_KEY, d.num), secondSession);
    assert.ok(secondSession.open);
    assert.ok(!h.calls.offline.includes(secondSession));
    assert.equal(h.calls.online.filter((s) => s.registrationId === d.registrationId).length, 2);
    secondSession.send(pushFrame('99'));
    assert.equal((await second.next((f) => f.t === 'push')).msg_id, '99');
    second.ws.close();
  });

  test('connectionCount counts pending and authenticated connections', async () => {
    const own = await startGatewayHarness();
    try {
      assert.equal(own.gateway.connectionCount, 0);
      const a = await RawClient.authed(own.wsUrl, own.addDevice());
      const b = await RawClient.open(own.wsUrl);
      await waitFor(() => own.gateway.connectionCount === 2);
      a.ws.close();
      b.ws.close();
      await waitFor(() => own.gateway.connectionCount === 0);
    } finally {
      await own.close();
    }
  });
});

describe('gateway: close', { timeout: 60_000 }, () => {
  test('close() closes every connection with 1001 and refuses new ones', async () => {
    const h = await startGatewayHarness();
    try {
      const devices = [h.addDevice(), h.addDevice(), h.addDevice()];
      const clients = await Promise.all(devices.map((d) => RawClient.authed(h.wsUrl, d)));
      const pending = await RawClient.open(h.wsUrl);
      await waitFor(() => h.gateway.connectionCount === 4);
      const sessions = devices.map((d) => h.gateway.session(APP_KEY, d.num)!);
      await h.gateway.close();
      for (const c of [...clients, pending]) assert.equal((await c.closed).code, 1001);
      assert.equal(h.gateway.connectionCount, 0);
      assert.equal(h.gateway.sessions(APP_KEY), undefined);
      for (const s of sessions) {
        assert.equal(s.open, false);
        assert.ok(h.calls.offline.includes(s));
      }
      await assert.rejects(RawClient.open(h.wsUrl));
    } finally {
      await h.close();
    }
  });
});

describe('SDK against the gateway', { timeout: 60_000 }, () => {
  let h: GatewayHarness;
  before(async () => {
    h = await startGatewayHarness({ heartbeatSeconds: 0.2 });
  });
  const clients: BorealisClient[] = [];
  after(async () => {
    // a failed test must not leave a client reconnecting forever
    await Promise.all(clients.map((c) => c.close()));
    await h.close();
  });

  const reconnect = { minDelayMs: 20, maxDelayMs: 100 };
  function client(extra: Partial<ConstructorParameters<typeof BorealisClient>[0]> = {}): BorealisClient {
    const c = new BorealisClient({ server: h.url, appKey: APP_KEY, platform: 'android', reconnect, ...extra });
    clients.push(c);
    return c;
  }
  function sessionOf(c: BorealisClient) {
    const d = h.devices.get(c.registrationId!)!;
    return h.gateway.session(APP_KEY, d.num);
  }

  test('registers, connects, receives pushes and acks them', async () => {
    const c = client();
    const pushes: Push[] = [];
    const notifications: string[] = [];
    const messages: string[] = [];
    c.on('push', (p) => pushes.push(p));
    c.on('notification', (p) => notifications.push(String(p.notification.alert)));
    c.on('message', (p) => messages.push(p.message.msg_content));
    await c.connect();
    assert.equal(h.devices.get(c.registrationId!)?.platform, 'android');
    assert.ok(c.connected);
    const session = sessionOf(c)!;
    session.send(pushFrame('500'));
    session.send(pushFrame('501', { notification: undefined, message: { msg_content: 'data' } }));
    session.send(pushFrame('502', { message: { msg_content: 'both' } }));
    await waitFor(() => h.calls.ack.filter((a) => a.session === session).flatMap((a) => a.msgIds).length === 3);
    assert.deepEqual(pushes.map((p) => p.msgId), ['500', '501', '502']);
    assert.deepEqual(notifications, ['hello 500', 'hello 502']);
    assert.deepEqual(messages, ['data', 'both']);
    const acked = h.calls.ack.filter((a) => a.session === session);
    assert.equal(acked.length, 1, 'pushes of one tick are acked in one frame');
    await c.close();
  });

  test('stays connected across heartbeats', async () => {
    const c = client();
    await c.connect();
    const session = sessionOf(c)!;
    await new Promise((r) => setTimeout(r, 1200));
    assert.ok(session.open, 'the SDK pings within the idle limit');
    await c.close();
  });

  test('a push sent again is acked again but emitted once', async () => {
    const c = client();
    const pushes: string[] = [];
    c.on('push', (p) => pushes.push(p.msgId));
    await c.connect();
    const session = sessionOf(c)!;
    session.send(pushFrame('600'));
    await waitFor(() => h.calls.ack.some((a) => a.session === session && a.msgIds.includes('600')));
    session.send(pushFrame('600'));
    await waitFor(() => h.calls.ack.filter((a) => a.session === session && a.msgIds.includes('600')).length === 2);
    assert.deepEqual(pushes, ['600']);
    assert.deepEqual(c.state.seen, ['600']);
    await c.close();
  });

  test('override and withdraw become replace and withdraw events', async () => {
    const c = client();
    const events: string[] = [];
    c.on('replace', (old, p) => events.push(`replace ${old} by ${p.msgId}`));
    c.on('push', (p) => events.push(`push ${p.msgId}`));
    c.on('withdraw', (id) => events.push(`withdraw ${id}`));
    await c.connect();
    const session = sessionOf(c)!;
    session.send(pushFrame('700'));
    session.send(pushFrame('701', { override_msg_id: '700' }));
    session.send(Buffer.from('{"t":"withdraw","msg_id":"701"}'));
    await waitFor(() => events.length === 4);
    assert.deepEqual(events, ['push 700', 'replace 700 by 701', 'push 701', 'withdraw 701']);
    await c.close();
  });

  test('setTags and setAlias resolve with the reply and reject with the error code', async () => {
    const c = client();
    await c.connect();
    assert.deepEqual(await c.setTags({ add: ['vip'] }), { tags: ['vip'], alias: null });
    assert.deepEqual(await c.setAlias('bob'), { tags: ['vip'], alias: 'bob' });
    const err = await c.setTags({ add: ['y'.repeat(50)] }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BorealisError);
    assert.equal(err.code, 1003);
    await assert.rejects(c.setAlias('z'.repeat(5000)), (e: unknown) => e instanceof BorealisError && e.code === 1005);
    assert.ok(c.connected, 'an oversized request is refused before it is sent');
    await c.close();
    await assert.rejects(c.setAlias('late'), BorealisError);
  });

  test('a request made while disconnected is sent once connected', async () => {
    const c = client();
    const answer = c.setAlias('early');
    await c.connect();
    assert.deepEqual(await answer, { tags: [], alias: 'early' });
    await c.close();
  });

  test('reconnects after the server drops the connection', async () => {
    const c = client();
    const disconnects: { code: number; reconnectInMs: number | null }[] = [];
    let connects = 0;
    c.on('connected', () => connects++);
    c.on('disconnected', (info) => disconnects.push(info));
    await c.connect();
    const first = sessionOf(c)!;
    first.close(4013, 'slow consumer');
    await waitFor(() => connects === 2);
    assert.equal(disconnects[0]?.code, 4013);
    assert.ok(disconnects[0]!.reconnectInMs! >= 0 && disconnects[0]!.reconnectInMs! < reconnect.minDelayMs);
    const second = sessionOf(c)!;
    assert.notEqual(second, first);
    assert.ok(second.open);
    await c.close();
  });

  test('reconnects after a gateway restart', async () => {
    const c = client();
    const codes: number[] = [];
    let connects = 0;
    c.on('connected', () => connects++);
    c.on('disconnected', (info) => codes.push(info.code));
    await c.connect();
    await h.gateway.close();
    await waitFor(() => codes.length >= 1);
    // while no gateway listens, attempts fail and back off
    await new Promise((r) => setTimeout(r, 150));
    await h.restartGateway();
    await waitFor(() => connects === 2);
    assert.equal(codes[0], 1001);
    assert.ok(codes.length >= 2, `attempts without a gateway also failed: ${codes.join(',')}`);
    assert.ok(sessionOf(c)?.open);
    await c.close();
  });

  test('does not reconnect after 4003 (replaced) or 4001 (refused)', async () => {
    const a = client();
    await a.connect();
    const b = client({ state: a.state });
    const aEnd = new Promise<{ code: number; reconnectInMs: number | null }>((resolve) => a.on('disconnected', resolve));
    await b.connect();
    const end = await aEnd;
    assert.deepEqual([end.code, end.reconnectInMs], [4003, null]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(a.connected, false);
    assert.ok(b.connected, 'the replaced client did not come back to take over');
    await b.close();

    const bad = client({ state: { registrationId: a.registrationId, deviceSecret: 'wrong', seen: [] } });
    await assert.rejects(bad.connect(), (e: unknown) => e instanceof BorealisError && e.code === 4001);
    assert.equal(bad.connected, false);
  });

  test('state restores the device and its seen ids', async () => {
    let saved: ClientState | undefined;
    const a = client({ onStateChange: (s) => (saved = s) });
    await a.connect();
    const registrations = h.registrations;
    sessionOf(a)!.send(pushFrame('800'));
    await waitFor(() => saved?.seen.includes('800') === true);
    await a.close();

    const b = client({ state: a.state });
    const pushes: string[] = [];
    b.on('push', (p) => pushes.push(p.msgId));
    await b.connect();
    assert.equal(h.registrations, registrations, 'no new registration');
    assert.equal(b.registrationId, a.registrationId);
    const session = sessionOf(b)!;
    session.send(pushFrame('800'));
    session.send(pushFrame('801'));
    await waitFor(() => h.calls.ack.filter((x) => x.session === session).flatMap((x) => x.msgIds).length === 2);
    assert.deepEqual(pushes, ['801']);
    await b.close();
  });

  test('register() with saved credentials updates and keeps the secret', async () => {
    const a = client();
    await a.register();
    const before = a.state;
    const b = client({ state: before, tokens: { fcm: 'token' } });
    assert.equal(await b.register(), before.registrationId);
    assert.equal(b.state.deviceSecret, before.deviceSecret);
    const bad = new BorealisClient({ server: h.url, appKey: 'nope', platform: 'ios' });
    await assert.rejects(bad.register(), (e: unknown) => e instanceof BorealisError && e.code === 1008);
  });
});

describe('device simulator', { timeout: 60_000 }, () => {
  const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  let h: GatewayHarness;
  let dir: string;
  before(async () => {
    h = await startGatewayHarness();
    dir = mkdtempSync(join(tmpdir(), 'borealis-device-'));
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function simulate(args: string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'device', '--app-key', APP_KEY, '--server', h.url, ...args]);
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines = () => out.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Frame);
    return { child, out, exited, lines };
  }

  test('registers, tags, prints one line per delivery and saves its devices', async () => {
    const stateFile = join(dir, 'devices.json');
    const registrations = h.registrations;
    const sim = simulate(['--tags', 'a, b', '--alias', 'sim', '--count', '2', '--state', stateFile]);
    try {
      await waitFor(() => sim.out.stderr.includes('2 device(s) connected'), 20_000, `set-up; stderr: ${sim.out.stderr}`);
      assert.equal(h.registrations, registrations + 2);
      const sessions = [...h.gateway.sessions(APP_KEY)!.values()].filter((s) => h.devices.get(s.registrationId)?.alias === 'sim');
      assert.equal(sessions.length, 2);
      for (const s of sessions) assert.deepEqual(h.devices.get(s.registrationId)?.tags, ['a', 'b']);
      for (const s of sessions) {
        s.send(pushFrame('900', { message: { msg_content: 'm' }, override_msg_id: '899' }));
        s.send(Buffer.from('{"t":"withdraw","msg_id":"900"}'));
      }
      await waitFor(() => sim.lines().length === 4, 5000, 'four lines');
      const ids = sessions.map((s) => s.registrationId).sort();
      const pushes = sim.lines().filter((l) => l.msg_id !== undefined);
      assert.deepEqual(pushes.map((l) => l.registration_id).sort(), ids);
      assert.deepEqual(pushes[0], {
        registration_id: pushes[0]!.registration_id,
        msg_id: '900',
        notification: { alert: 'hello 900' },
        message: { msg_content: 'm' },
        override_msg_id: '899',
      });
      const withdrawals = sim.lines().filter((l) => l.withdraw !== undefined);
      assert.deepEqual(withdrawals.map((l) => l.withdraw), ['900', '900']);
      await waitFor(() => sessions.every((s) => h.calls.ack.some((a) => a.session === s && a.msgIds.includes('900'))));
    } finally {
      sim.child.kill('SIGINT');
    }
    assert.equal(await sim.exited, 0, sim.out.stderr);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { registrationId: string; seen: string[] }[];
    assert.equal(saved.length, 2);
    assert.deepEqual(saved.map((x) => x.seen), [['900'], ['900']]);

    // a second run reuses the saved devices and remembers what they have seen
    const again = simulate(['--count', '2', '--state', stateFile]);
    try {
      await waitFor(() => again.out.stderr.includes('2 device(s) connected'), 20_000, `second set-up; stderr: ${again.out.stderr}`);
      assert.equal(h.registrations, registrations + 2, 'no new registrations');
      const session = h.gateway.session(APP_KEY, h.devices.get(saved[0]!.registrationId)!.num)!;
      assert.ok(session.open);
      session.send(pushFrame('900'));
      session.send(pushFrame('901'));
      await waitFor(() => again.lines().length === 1, 5000, 'one line');
      assert.equal(again.lines()[0]?.msg_id, '901');
    } finally {
      again.child.kill('SIGTERM');
    }
    assert.equal(await again.exited, 0, again.out.stderr);
  });

  test('an unknown app key fails with a message and exit code 1', async () => {
    const bad = spawn(process.execPath, ['--import', 'tsx', MAIN, 'device', '--app-key', 'unknown', '--server', h.url]);
    let stderr = '';
    bad.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /app_key/);
  });

  test('usage errors exit 2', async () => {
    const bad = spawn(process.execPath, ['--import', 'tsx', MAIN, 'device', '--count', '0', '--app-key', 'k']);
    const code = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    assert.equal(code, 2);
  });
});
