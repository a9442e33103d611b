import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { CallbackReceiver } from '../fakes/callback-receiver.js';
import { FakeSmsServer } from '../fakes/sms-server.js';
import { runCli } from '../helpers/cli.js';
import { settle, startClient, type TestClient } from '../helpers/devices.js';
import { call, startTestServer, type TestDevice, type TestServer } from '../helpers/server.js';

async function until(check: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('SMS supplement (sms_message)', () => {
  let server: TestServer;
  let gateway: FakeSmsServer;
  let receiver: CallbackReceiver;
  let acker: TestClient; // connected: acknowledges the push in time
  let offline: TestDevice; // has a mobile number, never connects
  let refused: TestDevice; // the gateway refuses its number
  const MOBILE = { acker: '13800000001', offline: '13800000002', refused: '13800000004' };

  const sent = (tempId: number) => gateway.messages.filter((m) => m.temp_id === tempId);
  async function push(audience: unknown, sms: Record<string, unknown>): Promise<string> {
    const res = await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience, notification: { alert: 'hi' }, sms_message: sms } });
    assert.equal(res.status, 200, res.text);
    return (res.body as { msg_id: string }).msg_id;
  }
  async function smsReport(msgId: string) {
    const res = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
    return (res.body as { sms?: { sent: number; failed: number; pending: number; skipped: number; finished: boolean } }[])[0]?.sms;
  }
  async function setMobile(rid: string, mobile: string) {
    const res = await call(server, 'POST', `/v3/devices/${rid}`, { body: { mobile } });
    assert.equal(res.status, 200, res.text);
  }

  before(async () => {
    gateway = await FakeSmsServer.start();
    receiver = await CallbackReceiver.start();
    server = await startTestServer({
      sms: { ...DEFAULT_CONFIG.sms, pollMs: 100 },
      callbacks: { ...DEFAULT_CONFIG.callbacks, pollMs: 50, retryBaseMs: 50 },
    });
    await server.node.ctx.store.callbacks.addUrl(server.app.appKey, receiver.url(), { isDefault: true }, Date.now());
    acker = await startClient(server, server.app, { tags: ['sms'] });
    offline = await server.registerDevice(server.app, { tags: ['sms'] });
    await server.registerDevice(server.app, { tags: ['sms'] }); // no mobile number: skipped
    refused = await server.registerDevice(server.app, { tags: ['sms'] });
    await setMobile(acker.registrationId, MOBILE.acker);
    await setMobile(offline.registrationId, MOBILE.offline);
    await setMobile(refused.registrationId, MOBILE.refused);
    gateway.refused.add(MOBILE.refused);
  });
  after(async () => {
    await acker.close();
    await server.close();
    await gateway.close();
    await receiver.close();
  });

  test('borealis app sms sets the gateway account of a running server', () => {
    const data = ['--data', server.dataDir];
    const set = runCli(['app', 'sms', server.app.appKey, '--endpoint', gateway.url, '--key', gateway.key, '--secret', gateway.secret, '--sign-id', '3', ...data]);
    assert.equal(set.status, 0, set.stderr);
    const shown = runCli(['app', 'sms', server.app.appKey, '--show', ...data]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.ok(!shown.stdout.includes(gateway.secret), 'the secret is never printed');
    assert.equal((JSON.parse(shown.stdout) as { endpoint: string }).endpoint, gateway.url);
    assert.equal(runCli(['app', 'sms', server.app.appKey, '--key', 'k', ...data]).status, 2);
  });

  test('only targets that did not acknowledge in time and have a mobile get the SMS', async () => {
    const msgId = await push({ tag: ['sms'] }, { delay_time: 1, temp_id: 5, temp_para: { code: '42' }, signid: 9 });
    await acker.waitForPushes(1);
    await until(async () => (await smsReport(msgId))?.finished === true, 10_000, () => 'the SMS job to finish');
    await settle(300);
    assert.deepEqual(sent(5).map((m) => m.mobile), [MOBILE.offline]);
    const [msg] = sent(5);
    assert.equal(msg!.sign_id, 9);
    assert.deepEqual(msg!.temp_para, { code: '42' });
    assert.deepEqual(await smsReport(msgId), { sent: 1, failed: 1, pending: 0, skipped: 1, finished: true });

    // results reach the callback receiver on channel "sms"
    const smsEvents = () => receiver.events().filter((e) => e.msg_id === msgId && e.channel === 'sms');
    await receiver.waitFor(() => smsEvents().length === 2, 10_000, () => JSON.stringify(smsEvents()));
    const byRid = new Map(smsEvents().map((e) => [e.registration_id, e.status as string]));
    assert.equal(byRid.get(offline.registrationId), 'sent');
    assert.equal(byRid.get(refused.registrationId), 'not_delivered');
  });

  test('delay_time 0 sends at once, to every target with a mobile; the account default signature applies', async () => {
    const msgId = await push({ tag: ['sms'] }, { delay_time: 0, temp_id: 8 });
    await until(async () => (await smsReport(msgId))?.finished === true, 10_000, () => 'the SMS job to finish');
    assert.deepEqual(sent(8).map((m) => m.mobile).sort(), [MOBILE.acker, MOBILE.offline]);
    assert.ok(sent(8).every((m) => m.sign_id === 3));
  });

  test('a job due while the server was down runs once after the restart, and never again', async () => {
    const msgId = await push({ registration_id: [offline.registrationId] }, { delay_time: 1, temp_id: 6 });
    await server.restart();
    await until(() => sent(6).length === 1, 10_000, () => 'the SMS after the restart');
    await until(async () => (await smsReport(msgId))?.finished === true, 10_000, () => 'the SMS job to finish');
    await server.restart();
    await settle(800);
    assert.equal(sent(6).length, 1);
  });

  test('a device claimed before a crash is never sent the SMS again', async () => {
    const msgId = await push({ tag: ['sms'] }, { delay_time: 1, temp_id: 7 });
    // as if a previous run claimed it and crashed before the gateway answered
    const num = (await server.node.ctx.registry.get(server.app.appKey, offline.registrationId))!.num;
    assert.equal(await server.node.ctx.store.sms.claim(msgId, server.app.appKey, num, MOBILE.offline, Date.now()), true);
    await until(async () => (await smsReport(msgId))?.finished === true, 10_000, () => 'the SMS job to finish');
    assert.equal(sent(7).length, 0);
    const report = await smsReport(msgId);
    assert.equal(report?.pending, 1);
    assert.equal(report?.failed, 1);
  });

  test('another app without a gateway account sends nothing', async () => {
    const other = await server.createApp('no-sms');
    const before = gateway.requests;
    const res = await call(server, 'POST', '/v3/push', {
      auth: other,
      body: { platform: 'all', audience: 'all', notification: { alert: 'x' }, sms_message: { delay_time: 0, temp_id: 9 } },
    });
    assert.equal(res.status, 200, res.text);
    const msgId = (res.body as { msg_id: string }).msg_id;
    const report = async () => {
      const r = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`, { auth: other });
      return (r.body as { sms?: { finished: boolean; skipped: number } }[])[0]?.sms;
    };
    await until(async () => (await report())?.finished === true, 10_000, () => 'the job to finish');
    assert.equal((await report())?.skipped, 2);
    assert.equal(gateway.requests, before);
  });
});
