import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import { RoaringBitmap32 } from '../../src/audience/audience-index.js';
import { deviceTrace, pushFigures, statusCode } from '../../src/receipts/report.js';
import { runCli } from '../helpers/cli.js';
import { rawFrames, settle, startClient, type TestClient } from '../helpers/devices.js';
import { basic, call, errorCode, startTestServer, type TestDevice, type TestServer } from '../helpers/server.js';

type Fig = { target: number; sent: number; received: number; click: number };
type Channel = Fig & { display: null };

async function push(server: TestServer, app: Credentials, body: Record<string, unknown>): Promise<string> {
  const res = await call(server, 'POST', '/v3/push', { body, auth: app });
  assert.equal(res.status, 200, res.text);
  return (res.body as { msg_id: string }).msg_id;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Report API and borealis report', () => {
  let server: TestServer;
  let app: Credentials;
  let other: Credentials;
  let a1: TestClient; // android, clicks
  let a2: TestClient; // android
  let i1: TestClient; // ios, clicks
  let h1: TestClient; // hmos
  let q1: TestClient; // quickapp
  let w1: TestClient; // web
  let clients: TestClient[];
  let offline: TestDevice; // android target that never connects
  let raw: TestDevice; // ios target that connects without acknowledging
  let bystander: TestDevice; // android device of the app, not a target
  let foreign: TestDevice; // android device of another app with the same tag
  let msgId: string;
  let foreignMsgId: string;
  let expiredMsgId: string; // no longer live: read from the store after a restart

  const detail = (ids: string, auth: Credentials = app) => call(server, 'GET', `/v3/messages/detail?msg_ids=${ids}`, { auth });

  before(async () => {
    server = await startTestServer();
    app = await server.createApp('reports');
    other = await server.createApp('other');
    a1 = await startClient(server, app, { platform: 'android', tags: ['r'] });
    a2 = await startClient(server, app, { platform: 'android', tags: ['r'] });
    i1 = await startClient(server, app, { platform: 'ios', tags: ['r'] });
    h1 = await startClient(server, app, { platform: 'hmos', tags: ['r'] });
    q1 = await startClient(server, app, { platform: 'quickapp', tags: ['r'] });
    w1 = await startClient(server, app, { platform: 'web', tags: ['r'] });
    clients = [a1, a2, i1, h1, q1, w1];
    offline = await server.registerDevice(app, { platform: 'android', tags: ['r'] });
    raw = await server.registerDevice(app, { platform: 'ios', tags: ['r'] });
    bystander = await server.registerDevice(app, { platform: 'android', tags: ['z'] });
    foreign = await server.registerDevice(other, { platform: 'android', tags: ['r'] });

    msgId = await push(server, app, {
      platform: 'all',
      audience: { tag: ['r'] },
      notification: { alert: 'hello' },
      message: { msg_content: 'data' },
    });
    for (const c of clients) await until(`push on ${c.registrationId}`, async () => c.pushes, (p) => p.some((x) => x.msgId === msgId));
    a1.client.click(msgId);
    i1.client.click(msgId);
    // Handed the push on connect, never acknowledged: sent, not received.
    const frames = await rawFrames(server, raw, 200);
    assert.ok(frames.some((f) => f.t === 'push' && f.msg_id === msgId), JSON.stringify(frames));
    foreignMsgId = await push(server, other, { platform: 'all', audience: { tag: ['r'] }, notification: { alert: 'theirs' } });
    // every ack and click has arrived
    await until(
      'figures',
      () => detail(msgId),
      (res) => {
        const n = (res.body as { details: { notification: Fig } }[])[0]?.details.notification;
        return n !== undefined && n.received === 6 && n.click === 2;
      },
    );
  });

  after(async () => {
    for (const c of clients ?? []) await c.close();
    await server?.close();
  });

  /** What the devices themselves saw, per platform. */
  function seen(platform: string, c: TestClient[]): number {
    const platformOf = new Map<TestClient, string>([[a1, 'android'], [a2, 'android'], [i1, 'ios'], [h1, 'hmos'], [q1, 'quickapp'], [w1, 'web']]);
    return c.filter((x) => platformOf.get(x) === platform && x.pushes.some((p) => p.msgId === msgId)).length;
  }

  test('messages/detail: per platform figures agree with what the devices saw', async () => {
    const res = await detail(msgId);
    assert.equal(res.status, 200, res.text);
    const [entry, ...rest] = res.body as { msg_id: string; details: Record<string, Record<string, unknown>> }[];
    assert.equal(rest.length, 0);
    assert.equal(entry!.msg_id, msgId);
    const n = entry!.details.notification!;
    const ch = (target: number, sent: number, received: number, click: number): Channel => ({ target, sent, received, display: null, click });
    // 8 targets: 3 android (one offline), 2 ios (one never acks), hmos, quickapp, web
    assert.deepEqual(
      { target: n.target, sent: n.sent, received: n.received, display: n.display, click: n.click },
      ch(8, 7, 6, 2),
    );
    assert.deepEqual(n.sub_android, { jg_android: ch(3, 2, seen('android', clients), 1) });
    assert.deepEqual(n.sub_ios, { jg_ios: ch(2, 2, seen('ios', clients), 1) });
    assert.deepEqual(n.sub_hmos, { jg_hmos: ch(1, 1, seen('hmos', clients), 0) });
    assert.deepEqual(n.sub_quickapp, { quick_jg: ch(1, 1, seen('quickapp', clients), 0) });
    assert.equal(seen('android', clients), 2);
    // one frame carries both: the message block reports the same delivery
    assert.deepEqual(entry!.details.message, n);
    assert.deepEqual(Object.keys(entry!.details).sort(), ['message', 'notification']);
  });

  test('messages/detail: only the platforms the push had content for; a message-only push has one block', async () => {
    const id = await push(server, app, { platform: ['android'], audience: { tag: ['r'] }, message: { msg_content: 'm' } });
    await until('acks', () => detail(id), (r) => (r.body as { details: { message?: Fig } }[])[0]?.details.message?.received === 2);
    const [entry] = (await detail(id)).body as { details: Record<string, Record<string, unknown>> }[];
    assert.deepEqual(Object.keys(entry!.details), ['message']);
    const m = entry!.details.message!;
    assert.equal(m.target, 3);
    assert.ok(m.sub_android);
    assert.equal(m.sub_ios, undefined);
  });

  test('received and received/detail', async () => {
    const legacy = await call(server, 'GET', `/v3/received?msg_ids=${msgId}`, { auth: app });
    assert.equal(legacy.status, 200, legacy.text);
    assert.deepEqual(legacy.body, [
      { msg_id: msgId, android_received: 2, ios_apns_sent: null, ios_apns_received: null, ios_msg_received: 1, wp_mpns_sent: null },
    ]);
    const res = await call(server, 'GET', `/v3/received/detail?msg_ids=${msgId}`, { auth: app });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, [
      {
        msg_id: msgId,
        jpush_received: 6,
        android_pns_sent: null,
        android_pns_received: null,
        ios_apns_sent: null,
        ios_apns_received: null,
        ios_msg_received: 1,
        live_acivity_sent: null,
        live_acivity_received: null,
        wp_mpns_sent: null,
        quickapp_jpush_received: 1,
        quickapp_pns_sent: null,
        hmos_hmpns_sent: null,
        hmos_hmpns_received: null,
        hmos_msg_sent: 1,
        hmos_msg_received: 1,
      },
    ]);
    const messages = await call(server, 'GET', `/v3/messages?msg_ids=${msgId}`, { auth: app });
    assert.deepEqual(messages.body, [
      {
        msg_id: msgId,
        android: { received: 2, target: 3, online_push: 2, click: 1, msg_click: null },
        ios: { apns_sent: null, apns_target: null, apns_received: null, click: 1, target: 2, received: 1 },
        winphone: null,
      },
    ]);
  });

  test('unknown msg_ids and those of another app are left out, in either direction', async () => {
    const res = await call(server, 'GET', `/v3/received/detail?msg_ids=999999999999,${foreignMsgId},${msgId},${msgId}`, { auth: app });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((res.body as { msg_id: string }[]).map((e) => e.msg_id), [msgId]);
    for (const path of ['/v3/received', '/v3/received/detail', '/v3/messages', '/v3/messages/detail']) {
      const theirs = await call(server, 'GET', `${path}?msg_ids=${msgId}`, { auth: other });
      assert.equal(theirs.status, 200, path);
      assert.deepEqual(theirs.body, [], path);
    }
    // and they see their own
    const own = await call(server, 'GET', `/v3/received?msg_ids=${foreignMsgId}`, { auth: other });
    assert.deepEqual((own.body as { msg_id: string }[]).map((e) => e.msg_id), [foreignMsgId]);
  });

  test('status/message: delivered, not delivered, not a target, not of this app', async () => {
    const res = await call(server, 'POST', '/v3/status/message', {
      auth: app,
      // JPush's own example sends msg_id as a number
      body: {
        msg_id: Number(msgId),
        registration_ids: [a1.registrationId, offline.registrationId, raw.registrationId, bystander.registrationId, foreign.registrationId, 'nosuchdevice0', 'bad id!'],
      },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, {
      [a1.registrationId]: { status: 0 },
      [offline.registrationId]: { status: 1 },
      [raw.registrationId]: { status: 1 },
      [bystander.registrationId]: { status: 3 },
      [foreign.registrationId]: { status: 2 },
      nosuchdevice0: { status: 2 },
      'bad id!': { status: 2 },
    });
    const dated = await call(server, 'POST', '/v3/status/message', {
      auth: app,
      body: { msg_id: msgId, registration_ids: [a2.registrationId], date: new Date().toISOString().slice(0, 10) },
    });
    assert.deepEqual(dated.body, { [a2.registrationId]: { status: 0 } });
  });

  test('status/message: a msg_id of another app is 3002, like one that does not exist', async () => {
    for (const id of [foreignMsgId, '999999999999']) {
      const res = await call(server, 'POST', '/v3/status/message', { auth: app, body: { msg_id: id, registration_ids: [a1.registrationId] } });
      assert.equal(res.status, 400, res.text);
      assert.equal(errorCode(res), 3002);
    }
  });

  test('per-device trace: the furthest each device got', async () => {
    const trace = async (id: string, rid: string) => call(server, 'GET', `/v3/status/message/${id}/${rid}`, { auth: app });
    const expect = { msg_id: msgId, channel: 'jpush' };
    assert.deepEqual((await trace(msgId, a1.registrationId)).body, {
      ...expect, registration_id: a1.registrationId, platform: 'android', targeted: true, sent: true, received: true, clicked: true, state: 'clicked',
    });
    assert.deepEqual((await trace(msgId, w1.registrationId)).body, {
      ...expect, registration_id: w1.registrationId, platform: 'web', targeted: true, sent: true, received: true, clicked: false, state: 'received',
    });
    assert.deepEqual((await trace(msgId, raw.registrationId)).body, {
      ...expect, registration_id: raw.registrationId, platform: 'ios', targeted: true, sent: true, received: false, clicked: false, state: 'sent',
    });
    assert.deepEqual((await trace(msgId, offline.registrationId)).body, {
      ...expect, registration_id: offline.registrationId, platform: 'android', targeted: true, sent: false, received: false, clicked: false, state: 'pending',
    });
    assert.deepEqual((await trace(msgId, bystander.registrationId)).body, {
      ...expect, registration_id: bystander.registrationId, platform: 'android', targeted: false, sent: false, received: false, clicked: false, state: 'not_target',
    });
    const theirDevice = await trace(msgId, foreign.registrationId);
    assert.equal(theirDevice.status, 404);
    assert.equal(errorCode(theirDevice), 3003);
    for (const id of [foreignMsgId, '999999999999', 'abc']) {
      const res = await trace(id, a1.registrationId);
      assert.equal(res.status, 404, id);
      assert.equal(errorCode(res), 3002, id);
    }
  });

  test('per-device trace: expired and revoked', async () => {
    const only = { registration_id: [offline.registrationId] };
    const short = await push(server, app, { platform: 'all', audience: only, notification: { alert: 'soon gone' }, options: { time_to_live: 1 } });
    const revoked = await push(server, app, { platform: 'all', audience: only, notification: { alert: 'taken back' } });
    const del = await call(server, 'DELETE', `/v3/push/${revoked}`, { auth: app });
    assert.equal(del.status, 200, del.text);
    const state = async (id: string) =>
      ((await call(server, 'GET', `/v3/status/message/${id}/${offline.registrationId}`, { auth: app })).body as { state: string }).state;
    assert.equal(await state(short), 'pending');
    assert.equal(await state(revoked), 'revoked');
    await settle(1100);
    assert.equal(await state(short), 'expired');
    expiredMsgId = short;
    const res = await call(server, 'POST', '/v3/status/message', { auth: app, body: { msg_id: revoked, registration_ids: [offline.registrationId] } });
    assert.deepEqual(res.body, { [offline.registrationId]: { status: 1 } });
  });

  test('limits: at most 100 msg_ids, well-formed; at most 1000 registration ids', async () => {
    const hundred = [msgId, ...Array.from({ length: 99 }, (_, i) => String(900000000000 + i))].join(',');
    const ok = await call(server, 'GET', `/v3/received?msg_ids=${hundred}`, { auth: app });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((ok.body as unknown[]).length, 1);
    const tooMany = `${hundred},900000000999`;
    const queries = [`msg_ids=${tooMany}`, '', 'msg_ids=', 'msg_ids=abc', `msg_ids=${msgId},,${msgId}`, 'msg_ids=-1', 'msg_ids=0', `msg_ids=${'9'.repeat(30)}`, 'msg_ids[a]=1'];
    for (const path of ['/v3/received', '/v3/received/detail', '/v3/messages/detail']) {
      for (const q of queries) {
        const res = await call(server, 'GET', `${path}?${q}`, { auth: app });
        assert.equal(res.status, 400, `${path}?${q.slice(0, 40)}: ${res.text}`);
        assert.equal(errorCode(res), 3003, `${path}?${q.slice(0, 40)}`);
      }
    }
    const rids = (n: number) => Array.from({ length: n }, (_, i) => `rid${i}`);
    const thousand = await call(server, 'POST', '/v3/status/message', { auth: app, body: { msg_id: msgId, registration_ids: rids(1000) } });
    assert.equal(thousand.status, 200, thousand.text);
    assert.equal(Object.keys(thousand.body as object).length, 1000);
    const bodies: unknown[] = [
      { msg_id: msgId, registration_ids: rids(1001) },
      { msg_id: msgId, registration_ids: [] },
      { msg_id: msgId, registration_ids: 'abc' },
      { msg_id: msgId, registration_ids: [1, 2] },
      { registration_ids: ['a'] },
      { msg_id: 1.5, registration_ids: ['a'] },
      { msg_id: [msgId], registration_ids: ['a'] },
      { msg_id: msgId, registration_ids: ['a'], date: '2024-02-30' },
      { msg_id: msgId, registration_ids: ['a'], date: 20240101 },
      [],
      null,
      'x',
    ];
    for (const body of bodies) {
      const res = await call(server, 'POST', '/v3/status/message', { auth: app, body });
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 60)}: ${res.text}`);
      assert.equal(errorCode(res), 3003, JSON.stringify(body).slice(0, 60));
    }
    for (const raw of ['not json', '{"msg_id":', '']) {
      const res = await call(server, 'POST', '/v3/status/message', { auth: app, raw, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, `${raw}: ${res.text}`);
      assert.equal(errorCode(res), 3003, raw);
    }
  });

  test('authentication: 3001 with HTTP 401', async () => {
    const wrong = 'Basic ' + Buffer.from(`${app.appKey}:wrongsecret`).toString('base64');
    for (const auth of [null, wrong, 'Bearer x', basic({ appKey: 'nope', masterSecret: 'nope' } as Credentials)]) {
      for (const [method, path] of [
        ['GET', `/v3/received?msg_ids=${msgId}`],
        ['GET', `/v3/messages/detail?msg_ids=${msgId}`],
        ['POST', '/v3/status/message'],
        ['GET', `/v3/status/message/${msgId}/${a1.registrationId}`],
      ] as const) {
        const res = await call(server, method, path, { auth, body: method === 'POST' ? { msg_id: msgId, registration_ids: ['a'] } : undefined });
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(errorCode(res), 3001, `${method} ${path}`);
      }
    }
  });

  test('wrong methods: 405 with Allow', async () => {
    for (const [method, path, allow] of [
      ['POST', `/v3/received?msg_ids=${msgId}`, 'GET, HEAD'],
      ['DELETE', '/v3/received/detail', 'GET, HEAD'],
      ['PUT', '/v3/messages/detail', 'GET, HEAD'],
      ['GET', '/v3/status/message', 'POST'],
      ['DELETE', `/v3/status/message/${msgId}/${a1.registrationId}`, 'GET, HEAD'],
    ] as const) {
      const res = await call(server, method, path, { auth: app });
      assert.equal(res.status, 405, `${method} ${path}: ${res.text}`);
      assert.equal(res.headers.get('allow'), allow);
      assert.equal(errorCode(res), 3003);
    }
  });

  test('hostile input is answered with a 4xx and a code, never a 500', async () => {
    const paths = [
      `/v3/received?msg_ids=${'1,'.repeat(5000)}1`,
      '/v3/received?msg_ids=%E4%BD%A0%E5%A5%BD',
      '/v3/received?msg_ids=1%002',
      '/v3/received?msg_ids=__proto__',
      '/v3/received?msg_ids=constructor&msg_ids=1',
      `/v3/status/message/${'9'.repeat(90)}/${a1.registrationId}`,
      `/v3/status/message/${msgId}/${'x'.repeat(90)}`,
      `/v3/status/message/${msgId}/%F0%9F%98%80`,
      '/v3/status/message/1/2/3',
    ];
    for (const path of paths) {
      const res = await call(server, 'GET', path, { auth: app });
      assert.ok(res.status >= 400 && res.status < 500, `${path.slice(0, 60)}: ${res.status} ${res.text}`);
      assert.equal(typeof errorCode(res), 'number', path.slice(0, 60));
    }
    // Ids that name Object properties are answered as ids like any other.
    const names = await call(server, 'POST', '/v3/status/message', {
      auth: app,
      body: { msg_id: msgId, registration_ids: ['__proto__', 'constructor', 'toString'] },
    });
    assert.equal(names.status, 200, names.text);
    const parsed = JSON.parse(names.text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ['__proto__', 'constructor', 'toString']);
    for (const key of Object.keys(parsed)) assert.deepEqual(parsed[key], { status: 2 });
    const polluted = await call(server, 'POST', '/v3/status/message', {
      auth: app,
      raw: `{"msg_id":"${msgId}","registration_ids":["a"],"__proto__":{"x":1}}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(polluted.status, 400, polluted.text);
    assert.equal(errorCode(polluted), 3003);
  });

  test('the CLI prints the same figures', async () => {
    await settle(300); // the server saves receipts every 200 ms
    const api = (await detail(msgId)).body as { details: { notification: Record<string, Record<string, Channel>> } }[];
    const n = api[0]!.details.notification;
    const json = runCli(['report', msgId, '--json', '--data', server.dataDir]);
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { app_key: string; total: Fig; platforms: Record<string, Fig>; channels: { jpush: Fig }; content: string[] };
    assert.equal(report.app_key, app.appKey);
    assert.deepEqual(report.content, ['notification', 'message']);
    const strip = (c: Record<string, unknown>): Fig => ({ target: c.target as number, sent: c.sent as number, received: c.received as number, click: c.click as number });
    assert.deepEqual(report.total, strip(n as unknown as Record<string, unknown>));
    assert.deepEqual(report.channels.jpush, report.total);
    assert.deepEqual(report.platforms.android, strip(n.sub_android!.jg_android!));
    assert.deepEqual(report.platforms.ios, strip(n.sub_ios!.jg_ios!));
    assert.deepEqual(report.platforms.hmos, strip(n.sub_hmos!.jg_hmos!));
    assert.deepEqual(report.platforms.quickapp, strip(n.sub_quickapp!.quick_jg!));
    assert.deepEqual(report.platforms.web, { target: 1, sent: 1, received: 1, click: 0 });

    const text = runCli(['report', msgId, '--data', server.dataDir]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^jpush\s+android\s+3\s+2\s+2\s+1\s+66\.7%\s+50\.0%$/m);
    assert.match(text.stdout, /^jpush\s+ios\s+2\s+2\s+1\s+1\s+50\.0%\s+100\.0%$/m);
    assert.match(text.stdout, /^jpush\s+hmos\s+1\s+1\s+1\s+0\s+100\.0%\s+0\.0%$/m);
    assert.match(text.stdout, /^jpush\s+web\s+1\s+1\s+1\s+0\s+100\.0%\s+0\.0%$/m);
    assert.match(text.stdout, /^total\s+8\s+7\s+6\s+2\s+75\.0%\s+33\.3%$/m);
    assert.match(text.stdout, /200 ms/);

    const unknown = runCli(['report', '999999999999', '--data', server.dataDir]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no push with msg_id 999999999999/);
    assert.equal(runCli(['report', '--data', server.dataDir]).status, 2);
  });

  test('after a restart the figures are the same', async () => {
    await settle(300);
    const paths = [
      `/v3/messages/detail?msg_ids=${msgId}`,
      `/v3/received/detail?msg_ids=${msgId}`,
      `/v3/received?msg_ids=${msgId}`,
      `/v3/status/message/${msgId}/${a1.registrationId}`,
      `/v3/status/message/${msgId}/${raw.registrationId}`,
      `/v3/status/message/${msgId}/${offline.registrationId}`,
      `/v3/status/message/${expiredMsgId}/${offline.registrationId}`,
      `/v3/messages/detail?msg_ids=${expiredMsgId},${msgId}`,
    ];
    const beforeRestart = [];
    for (const p of paths) beforeRestart.push((await call(server, 'GET', p, { auth: app })).body);
    await server.restart();
    for (const [i, p] of paths.entries()) {
      const res = await call(server, 'GET', p, { auth: app });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, beforeRestart[i], p);
    }
    assert.equal((beforeRestart[6] as { state: string }).state, 'expired');
    assert.equal((beforeRestart[7] as unknown[]).length, 2);
  });
});

describe('report figures (pure)', () => {
  const bm = (...n: number[]) => new RoaringBitmap32(n);
  const receipts = (over: Partial<Parameters<typeof deviceTrace>[0]> = {}) => ({
    msgId: '1',
    appKey: 'k',
    createdAt: 1000,
    expiresAt: 2000,
    revoked: false,
    targets: bm(0, 1, 2, 3, 4),
    sent: bm(0, 1, 2),
    received: bm(0, 1),
    clicked: bm(0),
    ...over,
  });

  test('a receipt outranks revoke and expiry; without one, revoked beats expired beats sent', () => {
    const r = receipts();
    assert.equal(deviceTrace(r, 0, 1500).state, 'clicked');
    assert.equal(deviceTrace(r, 1, 1500).state, 'received');
    assert.equal(deviceTrace(r, 2, 1500).state, 'sent');
    assert.equal(deviceTrace(r, 3, 1500).state, 'pending');
    assert.equal(deviceTrace(r, 9, 1500).state, 'not_target');
    assert.equal(deviceTrace(r, 2, 2000).state, 'expired');
    assert.equal(deviceTrace(r, 3, 2500).state, 'expired');
    const gone = receipts({ revoked: true });
    assert.equal(deviceTrace(gone, 1, 2500).state, 'received');
    assert.equal(deviceTrace(gone, 2, 1500).state, 'revoked');
    assert.equal(deviceTrace(gone, 3, 2500).state, 'revoked');
    assert.deepEqual([0, 2, 9].map((n) => statusCode(r, n)), [0, 1, 3]);
  });

  test('per platform figures partition the targets; receipts outside the targets are not counted', () => {
    const sets: Record<string, number[]> = { android: [0, 1], ios: [2], hmos: [3], quickapp: [], web: [4, 7] };
    const f = pushFigures(receipts({ received: bm(0, 1, 7), clicked: bm(0, 7) }), (p) => bm(...sets[p]!));
    assert.deepEqual(f.total, { target: 5, sent: 3, received: 2, click: 1 });
    assert.deepEqual(f.platforms.android, { target: 2, sent: 2, received: 2, click: 1 });
    assert.deepEqual(f.platforms.ios, { target: 1, sent: 1, received: 0, click: 0 });
    assert.deepEqual(f.platforms.quickapp, { target: 0, sent: 0, received: 0, click: 0 });
    assert.deepEqual(f.web, { target: 1, sent: 0, received: 0, click: 0 });
  });
});
