import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { FakeApns } from '../fakes/apns-server.js';
import { CallbackReceiver } from '../fakes/callback-receiver.js';
import { apnsToken, startFakeApns, until } from '../helpers/apns.js';
import { runCli } from '../helpers/cli.js';
import { call, errorCode, startTestServer, storedBytes, type TestServer } from '../helpers/server.js';
import { hasOpenssl, makeCertificate } from '../helpers/tls.js';

const TOPIC = 'com.example.cert';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

describe('APNs channel: certificates, sessions, limits, callbacks, CLI', { skip: !hasOpenssl }, () => {
  let server: TestServer;
  let fake: FakeApns;
  let receiver: CallbackReceiver;
  const dir = mkdtempSync(join(tmpdir(), 'borealis-apns-cert-'));

  async function iosDevice(tokens: Record<string, string>): Promise<string> {
    const res = await call(server, 'POST', '/v1/devices/register', { body: { app_key: server.app.appKey, platform: 'ios', tokens }, auth: null });
    assert.equal(res.status, 200, res.text);
    return (res.body as { registration_id: string }).registration_id;
  }

  async function push(body: Record<string, unknown>): Promise<string> {
    const res = await call(server, 'POST', '/v3/push', { body: { platform: ['ios'], ...body } });
    assert.equal(res.status, 200, res.text);
    return (res.body as { msg_id: string }).msg_id;
  }

  before(async () => {
    const started = await startFakeApns([TOPIC]);
    fake = started.fake;
    receiver = await CallbackReceiver.start();
    server = await startTestServer({ channels: started.channels });
    // a client certificate, as Apple issues per app (here self-signed), registered with the fake
    const client = makeCertificate(dir, ['borealis-client']);
    fake.addCertificate(readFileSync(client.cert, 'utf8'), TOPIC);
    const set = runCli(['app', 'channel', server.app.appKey, 'apns', '--cert', client.cert, '--key', client.key, '--topic', TOPIC, '--data', server.dataDir]);
    assert.equal(set.status, 0, set.stderr);
    // the running server notices credentials the CLI stored, without a restart
    await until(() => server.node.ctx.credentials.channelsOf(server.app.appKey).has('apns'), 'the server to see the credentials');
    await server.node.ctx.store.callbacks.addUrl(server.app.appKey, receiver.url(), { isDefault: true, types: 8 | 4 }, Date.now());
  });

  after(async () => {
    await server.close();
    await fake.close();
    await receiver.close();
  });

  test('certificate authentication: no provider token, the TLS client certificate', async () => {
    const token = apnsToken();
    await iosDevice({ apns: token });
    await push({ audience: { registration_id: [await iosDevice({ apns: token })] }, notification: { alert: 'by certificate' } });
    await until(() => fake.to(token).length === 1, 'the push');
    assert.equal(fake.to(token)[0]!.headers.authorization, undefined);
    assert.match(fake.to(token)[0]!.auth, /^[0-9a-f]{64}$/);
  });

  test('--show prints identifiers only; the database holds no readable key', async () => {
    const shown = runCli(['app', 'channel', server.app.appKey, 'apns', '--show', '--json', '--data', server.dataDir]);
    assert.equal(shown.status, 0, shown.stderr);
    const fields = JSON.parse(shown.stdout) as Record<string, string>;
    assert.equal(fields.auth, 'certificate');
    assert.equal(fields.topic, TOPIC);
    assert.doesNotMatch(shown.stdout, /PRIVATE KEY|BEGIN/);
    const db = await storedBytes(server);
    assert.ok(db.length > 0);
    assert.equal(db.includes('PRIVATE KEY'), false);
    assert.ok(readFileSync(join(server.dataDir, 'credentials.key'), 'utf8').trim().length === 64);
    const bad = runCli(['app', 'channel', server.app.appKey, 'apns', '--p8', join(dir, 'test.crt'), '--key-id', 'ABCDEFGHIJ', '--team-id', 'ABCDEFGHIJ', '--topic', TOPIC, '--data', server.dataDir]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /refused/);
  });

  test('a session closed by APNs (GOAWAY) is replaced and the next push goes through', async () => {
    const a = apnsToken();
    const rid = await iosDevice({ apns: a });
    await push({ audience: { registration_id: [rid] }, notification: { alert: 'one' } });
    await until(() => fake.to(a).length === 1, 'the first push');
    fake.dropConnections();
    await new Promise((r) => setTimeout(r, 100));
    await push({ audience: { registration_id: [rid] }, notification: { alert: 'two' } });
    await until(() => fake.to(a).length === 2, 'the push after GOAWAY');
  });

  test("a payload over Apple's limit is refused before sending, counted failed, token kept", async () => {
    const a = apnsToken();
    const rid = await iosDevice({ apns_voip: a });
    const msgId = await push({ audience: { registration_id: [rid] }, notification: { voip: { big: 'y'.repeat(5200) } } });
    await until(async () => {
      const r = await call(server, 'GET', `/v3/status/message/${msgId}/${rid}`);
      return (r.body as { vendors?: { apns?: string } }).vendors?.apns === 'failed';
    }, 'counted failed');
    const trace = await call(server, 'GET', `/v3/status/message/${msgId}/${rid}`);
    const answers = (trace.body as { vendor_answers: { answer: string }[] }).vendor_answers;
    assert.match(answers[0]!.answer, /over Apple's 5120/);
    assert.equal(fake.answers.filter((x) => x.token === a).length, 0);
    assert.equal((await server.node.ctx.registry.get(server.app.appKey, rid))?.tokens.apns_voip, a);
  });

  test('callbacks carry the channel: sent for APNs, not delivered for a dead token', async () => {
    const ok = apnsToken();
    const gone = apnsToken();
    fake.unregistered.add(gone);
    const r1 = await iosDevice({ apns: ok });
    const r2 = await iosDevice({ apns: gone });
    const msgId = await push({ audience: { registration_id: [r1, r2] }, notification: { alert: 'cb' } });
    await until(() => receiver.events().filter((e) => e.msg_id === msgId && e.channel === 'apns').length === 2, 'two apns events');
    const events = receiver.events().filter((e) => e.msg_id === msgId && e.channel === 'apns');
    assert.deepEqual(events.map((e) => `${e.registration_id}:${e.status}`).sort(), [`${r1}:sent`, `${r2}:not_delivered`].sort());
  });

  test('GET /v1/webpush/vapid serves the public key only when the app has one', async () => {
    const none = await call(server, 'GET', `/v1/webpush/vapid?app_key=${server.app.appKey}`, { auth: null });
    assert.equal(none.status, 404);
    assert.equal(errorCode(none), 1011);
    const gen = runCli(['app', 'channel', server.app.appKey, 'webpush', '--generate', '--subject', 'mailto:ops@example.com', '--data', server.dataDir]);
    assert.equal(gen.status, 0, gen.stderr);
    const publicKey = (JSON.parse(gen.stdout) as { publicKey: string }).publicKey;
    await until(async () => (await call(server, 'GET', `/v1/webpush/vapid?app_key=${server.app.appKey}`, { auth: null })).status === 200, 'the key served');
    const res = await call(server, 'GET', `/v1/webpush/vapid?app_key=${server.app.appKey}`, { auth: null });
    assert.deepEqual(res.body, { public_key: publicKey });
    assert.equal(Buffer.from(publicKey, 'base64url').length, 65);
    const badKey = await call(server, 'GET', '/v1/webpush/vapid?app_key=nope', { auth: null });
    assert.equal(badKey.status, 400);
    const removed = runCli(['app', 'channel', server.app.appKey, 'webpush', '--remove', '--data', server.dataDir]);
    assert.equal(removed.status, 0, removed.stderr);
  });

  test('borealis device --apns-token registers the token, and pushes reach both routes', { timeout: 60_000 }, async () => {
    const token = apnsToken();
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'device', '--app-key', server.app.appKey, '--server', server.url, '--platform', 'ios', '--alias', 'sim', '--apns-token', token]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      // the summary line comes once the device also set its alias (its own line comes on connecting)
      await until(() => /device\(s\) connected/.test(err), 'the simulated device connected', 30_000);
      assert.match(err, /APNs token registered/);
      await push({ audience: { alias: ['sim'] }, notification: { alert: 'both ways' } });
      await until(() => fake.to(token).length === 1 && /both ways/.test(out), 'APNs and the connection', 30_000);
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('config refuses a bad vendor endpoint', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ channels: { apns: { endpoint: 'ftp://x/y' } } }));
    const r = runCli(['app', 'list', '--config', file, '--data', dir]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /channels\.apns\.endpoint/);
  });
});
