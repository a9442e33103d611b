import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config.js';
import { normalizeCallbackUrl } from '../../src/receipts/callbacks.js';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { settle, startClient, type TestClient } from '../helpers/devices.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';
import { CallbackReceiver, signatureValid, type CallbackBody, type CallbackEvent } from '../fakes/callback-receiver.js';

/** Small timings, so an outage of the receiver and its retries take seconds, not an hour. */
const FAST: Config['callbacks'] = {
  ...DEFAULT_CONFIG.callbacks,
  pollMs: 50,
  retryBaseMs: 100,
  retryMaxMs: 400,
  timeoutMs: 400,
  batchEvents: 4,
};

async function push(server: TestServer, body: Record<string, unknown>, auth?: Credentials): Promise<string> {
  const res = await call(server, 'POST', '/v3/push', { body: { platform: 'all', notification: { alert: 'hi' }, ...body }, auth });
  assert.equal(res.status, 200, res.text);
  return (res.body as { msg_id: string }).msg_id;
}

async function register(server: TestServer, url: string, options: { isDefault?: boolean; types?: number; app?: Credentials } = {}) {
  const appKey = (options.app ?? server.app).appKey;
  await server.node.ctx.store.callbacks.addUrl(appKey, url, { isDefault: options.isDefault ?? false, types: options.types }, Date.now());
}

const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** The real CLI, without blocking: several can run side by side. */
function runAsync(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

const key = (e: Pick<CallbackEvent, 'msg_id' | 'registration_id' | 'status'>) => `${e.msg_id} ${e.registration_id} ${e.status}`;

function expected(msgId: string, receivedBy: TestClient[], clickedBy: TestClient[], statuses = ['sent', 'received', 'clicked']): string[] {
  const out: string[] = [];
  for (const c of receivedBy) {
    if (statuses.includes('sent')) out.push(key({ msg_id: msgId, registration_id: c.registrationId, status: 'sent' }));
    if (statuses.includes('received')) out.push(key({ msg_id: msgId, registration_id: c.registrationId, status: 'received' }));
  }
  if (statuses.includes('clicked')) for (const c of clickedBy) out.push(key({ msg_id: msgId, registration_id: c.registrationId, status: 'clicked' }));
  return out.sort();
}

/** Waits until the receiver accepted every one of `want` (of this msg_id) and returns them, de-duplicated. */
async function eventsOf(receiver: CallbackReceiver, path: string, msgId: string, want: string[], ms = 5000): Promise<string[]> {
  const got = () => [...new Set(receiver.events(path).filter((e) => e.msg_id === msgId).map(key))].sort();
  await receiver.waitFor(() => want.every((k) => got().includes(k)), ms, () => `events ${JSON.stringify(want)}, have ${JSON.stringify(got())}`);
  return got();
}

describe('receipt callbacks', () => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  const clients: TestClient[] = [];

  async function devices(n: number, tag: string): Promise<TestClient[]> {
    const out: TestClient[] = [];
    for (let i = 0; i < n; i++) out.push(await startClient(server, server.app, { platform: i % 2 ? 'ios' : 'android', tags: [tag] }));
    clients.push(...out);
    return out;
  }

  before(async () => {
    server = await startTestServer({ callbacks: FAST });
    receiver = await CallbackReceiver.start();
  });
  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
    await receiver.close();
  });

  test('a push may only name a callback URL its app registered (1018)', async () => {
    const url = receiver.url('/registered');
    const other = await server.createApp('other');
    await register(server, receiver.url('/of-other'), { app: other });
    // the test app's own (never connected) device: no broadcast lingers for the devices of later tests
    const body = (u: string) => ({ platform: 'all', audience: { alias: ['someone'] }, notification: { alert: 'x' }, callback: { url: u } });
    for (const path of ['/v3/push/validate', '/v3/push']) {
      for (const u of [url, receiver.url('/of-other'), 'https://example.com/cb']) {
        const res = await call(server, 'POST', path, { body: body(u) });
        assert.equal(res.status, 400, `${path} ${u}: ${res.text}`);
        assert.equal(errorCode(res), 1018, `${path} ${u}`);
      }
    }
    await register(server, url);
    for (const path of ['/v3/push/validate', '/v3/push']) {
      const res = await call(server, 'POST', path, { body: body(url) });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      // the same address spelled differently is the same registration
      const alike = await call(server, 'POST', path, { body: body(url.replace('http://', 'HTTP://') + '#frag') });
      assert.equal(alike.status, 200, alike.text);
    }
    // a push without a callback URL needs no registration
    const plain = await call(server, 'POST', '/v3/push', { body: { ...body(url), callback: { params: { a: 1 } } } });
    assert.equal(plain.status, 200, plain.text);
  });

  test('every receipt reaches the receiver at least once, signed, with the params', async () => {
    const url = receiver.url('/all');
    await register(server, url);
    const [d1, d2] = await devices(2, 'allevents');
    const params = { name: 'joe', age: 26 };
    const msgId = await push(server, { audience: { tag: ['allevents'] }, callback: { url, params } });
    await d1!.waitForPushes(1);
    await d2!.waitForPushes(1);
    d1!.client.click(msgId);
    const want = expected(msgId, [d1!, d2!], [d1!]);
    assert.deepEqual(await eventsOf(receiver, '/all', msgId, want), want);

    const batches = receiver.accepted('/all');
    for (const r of batches) {
      assert.ok(signatureValid(r, server.app.masterSecret), `bad signature: ${String(r.headers['x-borealis-signature'])}`);
      assert.ok(!signatureValid(r, 'not-the-secret'));
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['x-borealis-app-key'], server.app.appKey);
      const t = Number(/t=([0-9]+)/.exec(String(r.headers['x-borealis-signature']))![1]);
      assert.ok(Math.abs(t - Date.now() / 1000) < 60);
      const body = JSON.parse(r.body) as CallbackBody;
      assert.equal(body.app_key, server.app.appKey);
      assert.match(body.batch_id, /^[0-9a-f-]{36}$/);
    }
    const events = receiver.events('/all').filter((e) => e.msg_id === msgId);
    const bits = { sent: 8, received: 1, clicked: 2 };
    for (const e of events) {
      assert.deepEqual(e.params, params);
      assert.equal(e.channel, 'jpush');
      assert.equal(e.type, bits[e.status]);
      assert.ok(Math.abs(e.time - Date.now()) < 30_000);
      const device = e.registration_id === d1!.registrationId ? 'android' : 'ios';
      assert.equal(e.platform, device);
    }
    // a tampered body fails verification
    const tampered = { ...batches[0]!, body: batches[0]!.body.replace('"joe"', '"eve"') };
    assert.ok(!signatureValid(tampered, server.app.masterSecret));
  });

  test('the app default URL gets the receipts of pushes that name none', async () => {
    await register(server, receiver.url('/default'), { isDefault: true });
    const [d] = await devices(1, 'defaulted');
    const plain = await push(server, { audience: { tag: ['defaulted'] } });
    const withParams = await push(server, { audience: { tag: ['defaulted'] }, callback: { params: { k: 'v' } } });
    await d!.waitForPushes(2);
    d!.client.click(plain);
    const w1 = expected(plain, [d!], [d!]);
    assert.deepEqual(await eventsOf(receiver, '/default', plain, w1), w1);
    const w2 = expected(withParams, [d!], []);
    assert.deepEqual(await eventsOf(receiver, '/default', withParams, w2), w2);
    assert.ok(receiver.events('/default').filter((e) => e.msg_id === withParams).every((e) => e.params?.k === 'v'));
    assert.ok(receiver.events('/default').filter((e) => e.msg_id === plain).every((e) => e.params === undefined));
    // moving the default moves the receipts of new pushes
    await register(server, receiver.url('/default2'), { isDefault: true });
    const later = await push(server, { audience: { tag: ['defaulted'] } });
    const w3 = expected(later, [d!], []);
    assert.deepEqual(await eventsOf(receiver, '/default2', later, w3), w3);
    assert.equal(receiver.events('/default').filter((e) => e.msg_id === later).length, 0);
    const urls = await server.node.ctx.store.callbacks.listUrls(server.app.appKey);
    assert.deepEqual(urls.filter((u) => u.isDefault).map((u) => u.url), [receiver.url('/default2')]);
    await server.node.ctx.store.callbacks.removeUrl(server.app.appKey, receiver.url('/default2'));
  });

  test('callback.type picks the receipts: 2 = clicks only, 9 = sent and received', async () => {
    const url = receiver.url('/typed');
    await register(server, url);
    const [d1, d2] = await devices(2, 'typed');
    const clicksOnly = await push(server, { audience: { tag: ['typed'] }, callback: { url, type: 2 } });
    const noClicks = await push(server, { audience: { tag: ['typed'] }, callback: { url, type: 9 } });
    await d1!.waitForPushes(2);
    await d2!.waitForPushes(2);
    d1!.client.click(clicksOnly);
    d2!.client.click(noClicks);
    const w1 = expected(clicksOnly, [d1!, d2!], [d1!], ['clicked']);
    const w2 = expected(noClicks, [d1!, d2!], [d2!], ['sent', 'received']);
    assert.deepEqual(await eventsOf(receiver, '/typed', noClicks, w2), w2);
    assert.deepEqual(await eventsOf(receiver, '/typed', clicksOnly, w1), w1);
    await settle(300);
    assert.deepEqual([...new Set(receiver.events('/typed').filter((e) => e.msg_id === clicksOnly).map(key))].sort(), w1);
    assert.deepEqual([...new Set(receiver.events('/typed').filter((e) => e.msg_id === noClicks).map(key))].sort(), w2);
  });

  test("a registered URL's types apply when the push gives none", async () => {
    const url = receiver.url('/sentonly');
    await register(server, url, { types: 8 });
    const [d] = await devices(1, 'sentonly');
    const msgId = await push(server, { audience: { tag: ['sentonly'] }, callback: { url } });
    await d!.waitForPushes(1);
    d!.client.click(msgId);
    const w = expected(msgId, [d!], [], ['sent']);
    assert.deepEqual(await eventsOf(receiver, '/sentonly', msgId, w), w);
    await settle(300);
    assert.deepEqual(receiver.events('/sentonly').map((e) => e.status), ['sent']);
  });

  test('a push whose time to live ends before its device acknowledged it is reported not delivered (type 4)', async () => {
    const url = receiver.url('/undelivered');
    await register(server, url, { types: 4 });
    const offline = server.devices[0]!; // never connected
    const online = await startClient(server, server.app, { platform: 'android' });
    clients.push(online);
    const to = (rids: string[]) => ({ audience: { registration_id: rids }, options: { time_to_live: 1 }, callback: { url } });
    const missed = await push(server, to([offline.registrationId, online.registrationId]));
    const revoked = await push(server, to([offline.registrationId]));
    assert.equal((await call(server, 'DELETE', `/v3/push/${revoked}`)).status, 200);
    await online.waitForPushes(1);
    await settle(1300); // both expire; the online device's ack is saved
    server.node.ctx.delivery.sweep();
    await receiver.waitFor(() => receiver.events('/undelivered').length > 0, 5000, () => 'the not-delivered event');
    await settle(400);
    const events = receiver.events('/undelivered');
    assert.deepEqual(
      events.map((e) => [e.msg_id, e.registration_id, e.status, e.type]),
      [[missed, offline.registrationId, 'not_delivered', 4]],
      'only the offline target of the unrevoked push',
    );
    const left = (await server.node.ctx.store.pushes.inboxPage(server.app.appKey, 0, 0, null, 1000)).map((e) => e.msgId); // device 0 is `offline`
    assert.ok(!left.includes(missed) && !left.includes(revoked), 'expired entries leave the inbox');
  });

  test('events are batched per receiver, at most batchEvents a batch', async () => {
    const url = receiver.url('/batched');
    await register(server, url);
    const ds = await devices(6, 'batched');
    const msgId = await push(server, { audience: { tag: ['batched'] }, callback: { url } });
    for (const d of ds) await d.waitForPushes(1);
    const w = expected(msgId, ds, [], ['sent', 'received']);
    assert.deepEqual(await eventsOf(receiver, '/batched', msgId, w), w);
    const sizes = receiver.accepted('/batched').map((r) => (JSON.parse(r.body) as CallbackBody).events.length);
    assert.ok(sizes.every((n) => n >= 1 && n <= FAST.batchEvents), JSON.stringify(sizes));
    assert.ok(sizes.some((n) => n > 1), `events were not batched: ${JSON.stringify(sizes)}`);
    assert.ok(sizes.length < w.length);
  });

  test('an endless answer body does not hold the sender; a redirect is not followed', async () => {
    const endless = receiver.url('/endless');
    const redirected = receiver.url('/redirected');
    await register(server, endless);
    await register(server, redirected);
    const [d] = await devices(1, 'hostile');
    receiver.mode = { kind: 'endless' };
    try {
      const msgId = await push(server, { audience: { tag: ['hostile'] }, callback: { url: endless, type: 8 } });
      await d!.waitForPushes(1);
      await eventsOf(receiver, '/endless', msgId, expected(msgId, [d!], [], ['sent']));
      await settle(300);
      // taken as delivered at the status line: sent once, not retried
      const ids = receiver.accepted('/endless').map((r) => (JSON.parse(r.body) as CallbackBody).batch_id);
      assert.equal(new Set(ids).size, ids.length, 'a batch answered 200 was sent again');

      receiver.mode = { kind: 'status', status: 302, location: receiver.url('/elsewhere') };
      const second = await push(server, { audience: { tag: ['hostile'] }, callback: { url: redirected, type: 8 } });
      await d!.waitForPushes(2);
      await receiver.waitFor(() => receiver.requests.filter((r) => r.path === '/redirected').length >= 2, 3000, () => 'a retry after the redirect');
      assert.equal(receiver.requests.filter((r) => r.path === '/elsewhere').length, 0);
      receiver.mode = { kind: 'ok' };
      await eventsOf(receiver, '/redirected', second, expected(second, [d!], [], ['sent']));
    } finally {
      receiver.mode = { kind: 'ok' };
    }
  });
});

describe('receipt callbacks survive a receiver that is down, failing, slow, and a restart', () => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  const clients: TestClient[] = [];

  before(async () => {
    server = await startTestServer({ callbacks: FAST });
    receiver = await CallbackReceiver.start();
  });
  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
    await receiver.close();
  });

  async function queuedFor(path: string): Promise<{ attempts: number; lastError: string | null; body: string }[]> {
    const rows = await server.node.ctx.store.callbacks.due(Number.MAX_SAFE_INTEGER, 10_000);
    return rows.filter((r) => r.url === receiver.url(path));
  }

  test('down, then 503, then too slow, then up: everything arrives', async () => {
    const url = receiver.url('/flaky');
    await register(server, url);
    const d1 = await startClient(server, server.app, { platform: 'android', tags: ['flaky'] });
    const d2 = await startClient(server, server.app, { platform: 'ios', tags: ['flaky'] });
    clients.push(d1, d2);

    await receiver.down();
    const msgId = await push(server, { audience: { tag: ['flaky'] }, callback: { url, params: { run: 1 } } });
    await d1.waitForPushes(1);
    await d2.waitForPushes(1);
    d2.client.click(msgId);
    // the port is closed: attempts fail and are counted, with the reason
    const deadline = Date.now() + 5000;
    let rows = await queuedFor('/flaky');
    while (!rows.some((r) => r.attempts >= 2) && Date.now() < deadline) {
      await settle(50);
      rows = await queuedFor('/flaky');
    }
    assert.ok(rows.some((r) => r.attempts >= 2), JSON.stringify(rows));
    assert.ok(rows.every((r) => r.attempts === 0 || /ECONNREFUSED|fetch failed/.test(r.lastError ?? '')), JSON.stringify(rows));

    receiver.mode = { kind: 'status', status: 503 };
    await receiver.up();
    await receiver.waitFor(() => receiver.requests.filter((r) => r.outcome === 503).length >= 2, 5000, () => '503 answers');
    assert.equal(receiver.accepted('/flaky').length, 0);

    receiver.mode = { kind: 'slow', delayMs: FAST.timeoutMs + 400 };
    const before503 = receiver.requests.length;
    await receiver.waitFor(() => receiver.requests.length > before503, 5000, () => 'a request while slow');
    await settle(FAST.timeoutMs + 200);
    rows = await queuedFor('/flaky');
    assert.ok(rows.length > 0, 'a batch the receiver answered too late must stay queued');
    assert.ok(rows.some((r) => /no answer within/.test(r.lastError ?? '')), JSON.stringify(rows));

    receiver.mode = { kind: 'ok' };
    const want = expected(msgId, [d1, d2], [d2]);
    assert.deepEqual(await eventsOf(receiver, '/flaky', msgId, want, 8000), want);
    for (const r of receiver.accepted('/flaky')) assert.ok(signatureValid(r, server.app.masterSecret));
    // the last rows go once their 2xx is back at the sender
    const until = Date.now() + 3000;
    let left = await queuedFor('/flaky');
    while (left.length > 0 && Date.now() < until) {
      await settle(20);
      left = await queuedFor('/flaky');
    }
    assert.equal(left.length, 0, JSON.stringify(left));
  });

  test('a restart while events are queued loses none; receipts after it still go out', async () => {
    const url = receiver.url('/restart');
    await register(server, url);
    const d1 = await startClient(server, server.app, { platform: 'android', tags: ['restart'] });
    const d2 = await startClient(server, server.app, { platform: 'android', tags: ['restart'] });
    clients.push(d1, d2);

    await receiver.down();
    const msgId = await push(server, { audience: { tag: ['restart'] }, callback: { url } });
    await d1.waitForPushes(1);
    await d2.waitForPushes(1);
    d1.client.click(msgId);
    // every receipt so far is in the queue (not merely on its way) before the restart
    const before = expected(msgId, [d1, d2], [d1]);
    let queued: string[] = [];
    const queuedKeys = async () =>
      (await queuedFor('/restart')).flatMap((r) => (JSON.parse(r.body) as CallbackBody).events.map(key)).sort();
    let deadline = Date.now() + 5000;
    while (!before.every((k) => queued.includes(k)) && Date.now() < deadline) {
      await settle(50);
      queued = await queuedKeys();
    }
    assert.deepEqual(queued, before);

    await server.restart();
    // the devices reconnect by themselves; a click after the restart finds the push's route anew
    deadline = Date.now() + 5000;
    while ((server.node.ctx.gateway.sessions(server.app.appKey)?.size ?? 0) < 2 && Date.now() < deadline) await settle(20);
    d2.client.click(msgId);
    await receiver.up();
    const want = expected(msgId, [d1, d2], [d1, d2]);
    assert.deepEqual(await eventsOf(receiver, '/restart', msgId, want, 8000), want);
    for (const r of receiver.accepted('/restart')) assert.ok(signatureValid(r, server.app.masterSecret));
  });

  test('a click on a push expired before a restart still reaches the receiver', async () => {
    const url = receiver.url('/late');
    await register(server, url);
    const d = await startClient(server, server.app, { platform: 'android', tags: ['late'] });
    clients.push(d);
    const msgId = await push(server, { audience: { tag: ['late'] }, callback: { url, params: { late: true } }, options: { time_to_live: 1 } });
    await d.waitForPushes(1);
    await eventsOf(receiver, '/late', msgId, expected(msgId, [d], [], ['sent', 'received']));
    await settle(1100);
    // after the restart the push is no longer in memory: its click takes the late path
    await server.restart();
    const deadline = Date.now() + 5000;
    while (!server.node.ctx.gateway.sessions(server.app.appKey)?.size && Date.now() < deadline) await settle(20);
    d.client.click(msgId);
    const want = expected(msgId, [d], [d]);
    assert.deepEqual(await eventsOf(receiver, '/late', msgId, want), want);
    const click = receiver.events('/late').find((e) => e.status === 'clicked');
    assert.deepEqual(click?.params, { late: true });
  });

  test('removing a URL stops its traffic, queued batches included', async () => {
    const url = receiver.url('/removed');
    await register(server, url);
    const d = await startClient(server, server.app, { platform: 'android', tags: ['removed'] });
    clients.push(d);
    await receiver.down();
    await push(server, { audience: { tag: ['removed'] }, callback: { url } });
    await d.waitForPushes(1);
    let deadline = Date.now() + 5000;
    while ((await queuedFor('/removed')).length === 0 && Date.now() < deadline) await settle(20);
    assert.ok((await queuedFor('/removed')).length > 0);
    assert.ok(await server.node.ctx.store.callbacks.removeUrl(server.app.appKey, url));
    await receiver.up();
    deadline = Date.now() + 5000;
    while ((await queuedFor('/removed')).length > 0 && Date.now() < deadline) await settle(20);
    assert.equal((await queuedFor('/removed')).length, 0);
    await settle(200);
    assert.equal(receiver.requests.filter((r) => r.path === '/removed').length, 0);
  });
});

describe('giving up and registering from the command line', () => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  const clients: TestClient[] = [];

  before(async () => {
    server = await startTestServer({ callbacks: { ...FAST, giveUpAfterMs: 600 } });
    receiver = await CallbackReceiver.start();
  });
  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
    await receiver.close();
  });

  test('a batch undelivered for the whole retry window is dropped and counted', async () => {
    const url = receiver.url('/never');
    await register(server, url);
    const d = await startClient(server, server.app, { platform: 'android', tags: ['never'] });
    clients.push(d);
    receiver.mode = { kind: 'status', status: 500 };
    await push(server, { audience: { tag: ['never'] }, callback: { url } });
    await d.waitForPushes(1);
    await receiver.waitFor(() => receiver.requests.length >= 2, 3000, () => 'retries');
    const store = server.node.ctx.store;
    const deadline = Date.now() + 5000;
    while ((await store.callbacks.queued()) > 0 && Date.now() < deadline) await settle(50);
    assert.equal(await store.callbacks.queued(), 0);
    const metrics = await call(server, 'GET', '/metrics', { auth: null });
    const m = /borealis_callback_batches_dropped_total\{node="0",role="all"\} ([0-9]+)/.exec(metrics.text);
    assert.ok(m && Number(m[1]) >= 1, metrics.text.split('\n').filter((l) => l.includes('callback')).join('\n'));
  });

  test('borealis app callback --add, --list, --remove', async () => {
    const url = receiver.url('/cli');
    const cli = (...args: string[]) => runCli(['app', 'callback', server.app.appKey, ...args, '--data', server.dataDir]);
    const cliAsync = (...args: string[]) => runAsync(['app', 'callback', server.app.appKey, ...args, '--data', server.dataDir]);
    const body = { platform: 'all', audience: { alias: ['someone'] }, notification: { alert: 'x' }, callback: { url } };
    assert.equal(errorCode(await call(server, 'POST', '/v3/push/validate', { body })), 1018);

    const added = cli('--add', url, '--default', '--types', '3');
    assert.equal(added.status, 0, added.stderr);
    assert.deepEqual(JSON.parse(added.stdout), { ...JSON.parse(added.stdout), url, default: true, types: 3 });
    const listed = cli('--list', '--json');
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as { url: string; default: boolean }[]).some((u) => u.url === url && u.default));
    assert.equal((await call(server, 'POST', '/v3/push/validate', { body })).status, 200);

    // refusals, side by side (each is a process start); exit status 2 is a usage error
    const refused = await Promise.all([
      cliAsync('--add', 'https://user:pw@example.com/cb'),
      cliAsync('--add', url, '--types', '16'),
      cliAsync('--list', '--remove', url),
    ]);
    for (const r of refused) assert.equal(r.status, 2, r.stdout + r.stderr);
    for (const bad of ['ftp://example.com/x', 'http://', 'not a url', 'javascript:alert(1)', `https://a.example/${'x'.repeat(2100)}`]) {
      assert.equal(normalizeCallbackUrl(bad), undefined, bad);
    }
    assert.equal(normalizeCallbackUrl('HTTPS://A.Example:443/cb#x'), 'https://a.example/cb');

    const removed = cli('--remove', url);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(errorCode(await call(server, 'POST', '/v3/push/validate', { body })), 1018);
    assert.equal(cli('--remove', url).status, 1);
  });
});
