import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createDingTalkChannel } from '../../src/messaging/dingtalk_cc/index.js';
import type { MessagingChannel } from '../../src/messaging/types.js';
import { FakeDingTalk } from '../fakes/dingtalk-server.js';

const APPKEY = 'dingabcdefghijk12345';
const SECRET = 'Yr2_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW';
const CREDENTIALS = { appkey: APPKEY, appsecret: SECRET, agent_id: 2244668800 };
// the reference's example
const MESSAGE = { msg: { msgtype: 'text', text: { content: 'test' } } };

describe('DingTalk work notice channel against the fake DingTalk API (real HTTP)', () => {
  let fake: FakeDingTalk;
  let channel: MessagingChannel;
  const users = Array.from({ length: 250 }, (_, i) => `manager${i}`);

  before(async () => {
    fake = await FakeDingTalk.start();
    fake.addApp(APPKEY, SECRET, 2244668800, users);
  });
  after(() => fake.close());
  beforeEach(async () => {
    await channel?.close();
    channel = createDingTalkChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 2 });
    fake.tasks.length = 0;
    fake.modes.clear();
    fake.tokens.issued.clear();
    fake.refuseUnknownUsers = false;
  });

  test('a work notice goes to up to 100 userids a request, with the agent id; the task id is the vendor message id', async () => {
    assert.equal(channel.validate(MESSAGE), undefined);
    const results = await channel.send(MESSAGE, users.map((address) => ({ address })), CREDENTIALS);
    assert.ok(results.every((r) => r.kind === 'submitted'));
    assert.equal(fake.tasks.length, 3);
    const sizes = fake.tasks.map((t) => (t.body.userid_list as string).split(',').length).sort((a, b) => a - b);
    assert.deepEqual(sizes, [50, 100, 100]);
    for (const t of fake.tasks) {
      assert.equal(t.body.agent_id, 2244668800);
      assert.deepEqual(t.body.msg, MESSAGE.msg);
    }
    const first = fake.tasks.find((t) => (t.body.userid_list as string).startsWith('manager0,'))!;
    assert.equal((results[0] as { vendorMessageId: string }).vendorMessageId, String(first.taskId));
    assert.equal(fake.tokens.issued.get(APPKEY), 1);
  });

  test('per-recipient variables; malformed userids never leave', async () => {
    const msg = { msg: { msgtype: 'text', text: { content: 'Dear {{who}}' } } };
    const results = await channel.send(msg, [{ address: 'manager1', params: { who: 'Ma' } }, { address: 'a,b' }, { address: 'manager2', params: { who: 'Liu' } }], CREDENTIALS);
    assert.deepEqual(results.map((r) => r.kind), ['submitted', 'invalidTarget', 'submitted']);
    const contents = fake.tasks.map((t) => [(t.body.msg as { text: { content: string } }).text.content, t.body.userid_list]).sort();
    assert.deepEqual(contents, [['Dear Liu', 'manager2'], ['Dear Ma', 'manager1']]);
  });

  test('a request refused for one bad userid (33012) is resent per user to find it', async () => {
    fake.refuseUnknownUsers = true;
    const results = await channel.send(MESSAGE, [{ address: 'manager3' }, { address: 'stranger' }, { address: 'manager4' }], CREDENTIALS);
    assert.deepEqual(results.map((r) => r.kind), ['submitted', 'invalidTarget', 'submitted']);
    assert.match((results[1] as { reason: string }).reason, /33012/);
    assert.deepEqual(fake.tasks.map((t) => t.body.userid_list).sort(), ['manager3', 'manager4']);
  });

  test('an invalid token (errcode 88 / sub_code 40014) and an expired one (42001) are renewed once', async () => {
    await channel.send(MESSAGE, [{ address: 'manager1' }], CREDENTIALS);
    fake.tokens.revokeAll();
    assert.equal((await channel.send(MESSAGE, [{ address: 'manager1' }], CREDENTIALS))[0]!.kind, 'submitted');
    fake.tokens.expireAll();
    assert.equal((await channel.send(MESSAGE, [{ address: 'manager1' }], CREDENTIALS))[0]!.kind, 'submitted');
    assert.equal(fake.tokens.issued.get(APPKEY), 3);
  });

  test('limits and busy answers are retryable; a wrong agent or secret is not', async () => {
    fake.modes.set('manager5', 'rateLimit', 1);
    fake.modes.set('manager6', 'busy', 1);
    const limited = await channel.send(MESSAGE, [{ address: 'manager5' }], CREDENTIALS);
    assert.deepEqual({ ...limited[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '90018', retry: true });
    const busy = await channel.send(MESSAGE, [{ address: 'manager6' }], CREDENTIALS);
    assert.deepEqual({ ...busy[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '-1', retry: true });
    const agent = await channel.send(MESSAGE, [{ address: 'manager7' }], { ...CREDENTIALS, agent_id: '12345' });
    assert.deepEqual({ ...agent[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '40056', retry: false });
    const secret = await channel.send(MESSAGE, [{ address: 'manager7' }], { ...CREDENTIALS, appsecret: 'z'.repeat(64) });
    assert.deepEqual({ ...secret[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '40089', retry: false });
    assert.equal(channel.checkCredentials(CREDENTIALS), undefined);
    assert.match(channel.checkCredentials({ appkey: APPKEY, appsecret: SECRET })!, /agent_id/);
    assert.match(channel.checkCredentials({ appkey: '', appsecret: SECRET, agent_id: 1 })!, /appkey/);
  });

  test('the channel hands out its current token for the UMS token API', async () => {
    const channelWithTokens = createDingTalkChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 1 });
    const { token, expiresIn } = await channelWithTokens.accessToken(CREDENTIALS);
    assert.equal(fake.tokens.check(token), APPKEY);
    assert.ok(expiresIn > 7000);
    await channelWithTokens.send(MESSAGE, [{ address: 'manager1' }], CREDENTIALS);
    assert.equal(fake.tokens.issued.get(APPKEY), 1, 'the send used the token handed out');
    await channelWithTokens.close();
  });

  test('hostile answers fail the request retryably within the timeout', async () => {
    const hostile = createDingTalkChannel({ endpoint: fake.url, timeoutMs: 1000, concurrency: 2 });
    for (const mode of ['garbage', 'huge', 'silent', 'trickle'] as const) {
      fake.modes.set('manager8', mode, 1);
      const started = Date.now();
      const results = await hostile.send(MESSAGE, [{ address: 'manager8' }, { address: 'manager9' }], CREDENTIALS);
      assert.deepEqual(results.map((r) => r.kind), ['failed', 'failed'], mode);
      assert.ok(results.every((r) => (r as { retry: boolean }).retry), mode);
      assert.ok(Date.now() - started < 8000, `${mode} bounded by the timeout`);
    }
    await hostile.close();
  });

  test('validate: a text message with content', () => {
    const bad: [unknown, RegExp][] = [
      [{}, /msg is required/],
      [{ msg: { msgtype: 'markdown', markdown: {} } }, /msgtype must be text/],
      [{ msg: { msgtype: 'text' } }, /msg\.text is required/],
      [{ msg: { msgtype: 'text', text: { content: '' } } }, /content must not be empty/],
      [{ msg: { msgtype: 'text', text: { content: 'x'.repeat(5001) } } }, /at most 5000/],
    ];
    for (const [msg, error] of bad) assert.match(channel.validate(msg as Record<string, unknown>) ?? 'accepted', error, JSON.stringify(msg).slice(0, 80));
  });

  test('getsendresult: a task reports who read, who has not yet, and who cannot get the notice', async () => {
    const reporting = createDingTalkChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 2 });
    try {
      const results = await reporting.send(MESSAGE, [{ address: 'manager1' }, { address: 'manager2' }, { address: 'stranger' }], CREDENTIALS);
      const taskId = (results[0] as { vendorMessageId?: string }).vendorMessageId!;
      assert.match(taskId, /^\d+$/);
      fake.read.add('manager1');
      const report = await reporting.deliveryReport(taskId, CREDENTIALS);
      assert.deepEqual(report.read, ['manager1']);
      assert.deepEqual(report.delivered.sort(), ['manager1', 'manager2']);
      assert.deepEqual(report.failed.map((f) => f.address), ['stranger']);
      await assert.rejects(reporting.deliveryReport('999', CREDENTIALS), /40035/);
      await assert.rejects(reporting.deliveryReport('not-a-task', CREDENTIALS), /task id/);
      await assert.rejects(reporting.deliveryReport(taskId, { appkey: 'x' }), /credentials/);
    } finally {
      await reporting.close();
      fake.read.clear();
    }
  });
});
