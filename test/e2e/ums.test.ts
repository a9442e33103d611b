import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { FakeSmsServer } from '../fakes/sms-server.js';
import { FakeSmtpServer } from '../fakes/smtp-server.js';
import { UmsCallbackReceiver } from '../fakes/ums-callback-receiver.js';
import { runCliAsync } from '../helpers/cli.js';
import { startClient, type TestClient } from '../helpers/devices.js';
import { call, startTestServer, type TestDevice, type TestServer } from '../helpers/server.js';

async function until(check: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const basicOf = (user: string, secret: string) => 'Basic ' + Buffer.from(`${user}:${secret}`).toString('base64');
type Answer = { code: number; message?: string; msgid?: string; sendno?: string; data?: unknown };

describe('UMS v1 API: users, sends over app + SMS + email, policies, retract, callbacks', () => {
  let server: TestServer;
  let sms: FakeSmsServer;
  let smtp: FakeSmtpServer;
  let receiver: UmsCallbackReceiver;
  let online: TestClient; // u1's device: connected, acknowledges
  let offline: TestDevice; // u2's device: never connects
  let channel: { channelKey: string; masterSecret: string };
  let access: { accessKey: string; secret: string };
  let chAuth: string;
  let akAuth: string;
  const cli = (...args: string[]) => runCliAsync(['ums', ...args, '--data', server.dataDir]);
  const json = <T>(out: { status: number; stdout: string; stderr: string }): T => {
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout) as T;
  };
  const ums = async (method: string, path: string, body: unknown, auth = chAuth) => {
    const res = await call(server, method, path, { body, auth });
    return { status: res.status, body: res.body as Answer, text: res.text };
  };
  const trace = async (msgid: string) => {
    const out = await cli('trace', msgid, '--json');
    return json<{ jobs: { target: string; step: number; channel: string; state: string; note: string | null }[] }>(out).jobs;
  };

  before(async () => {
    sms = await FakeSmsServer.start();
    smtp = await FakeSmtpServer.start({ user: 'mailer', pass: 'mailpass' });
    receiver = await UmsCallbackReceiver.start();
    server = await startTestServer({
      ums: { ...DEFAULT_CONFIG.ums, pollMs: 50, secondMs: 20, callbackIntervalMs: 100, callbackRetryMs: 100, broadcastsPerDay: 1, requestsPerMinute: 100 },
    });
    channel = json(await cli('channel', 'create', '--name', 'main', '--app', server.app.appKey, '--json'));
    access = json(await cli('accesskey', 'create', '--json'));
    chAuth = basicOf(channel.channelKey, channel.masterSecret);
    akAuth = basicOf(access.accessKey, access.secret);
    json(await cli('credentials', channel.channelKey, 'sms', '--endpoint', sms.url, '--key', sms.key, '--secret', sms.secret, '--sign-id', '7'));
    json(await cli('credentials', channel.channelKey, 'email', '--host', '127.0.0.1', '--port', String(smtp.port), '--user', 'mailer', '--pass', 'mailpass', '--from', 'Borealis <noreply@example.com>'));
    online = await startClient(server, server.app);
    offline = await server.registerDevice(server.app);
  });
  after(async () => {
    await online.close();
    await server.close();
    await sms.close();
    await smtp.close();
    await receiver.close();
  });

  test('the callback URL is verified with the echostr check before it is stored', async () => {
    const urls = json<{ url: string; isDefault: boolean }[]>(await cli('callback', channel.channelKey, '--add', receiver.url(), '--types', '0,1,2,3,4,5,6,7,8'));
    assert.equal(urls[0]?.url, receiver.url());
    assert.equal(receiver.checks.length, 1);
    assert.equal(receiver.checks[0]?.auth, chAuth, 'the check carries the channel Basic auth');
    assert.match(receiver.checks[0]!.echostr, /^[0-9a-f]{24}$/);
  });

  test('POST /v1/user/opt adds users with tags and addresses; a bad entry fails alone', async () => {
    const res = await ums(
      'POST',
      '/v1/user/opt',
      [
        { userid: 'u1', add: { tag: { all: ['vip'] }, app: { [server.app.appKey]: [online.registrationId] } }, set: { phone: { all: '13800000001' }, email: { all: 'u1@example.com' } } },
        { userid: 'u2', add: { tag: { all: ['vip'] }, app: { [server.app.appKey]: [offline.registrationId] } }, set: { phone: { all: '13800000002' } } },
        { userid: 'bad user', add: { tag: { all: ['x'] } } },
        { userid: 'u3', set: { dingtalkcc: 'abc' }, add: { phone: { all: '1' } } },
      ],
      akAuth,
    );
    assert.equal(res.status, 200, res.text);
    const data = res.body.data as { success: string[]; fail: { userid: string; errcode: string }[] };
    assert.deepEqual(data.success, ['u1', 'u2']);
    assert.deepEqual(data.fail.map((f) => f.errcode), ['4004', '4004']);
    // a channel may write only under its own bind ids
    const own = await ums('POST', '/v1/user/opt', [{ userid: 'u9', set: { phone: { [channel.channelKey]: '13800000009' } } }, { userid: 'u9', set: { phone: { all: '13800000009' } } }]);
    assert.deepEqual((own.body.data as { success: string[] }).success, ['u9']);
    assert.equal((own.body.data as { fail: unknown[] }).fail.length, 1);
  });

  test('one /v1/sent reaches the device, the SMS gateway and the SMTP server', async () => {
    const before = online.pushes.length;
    const res = await ums('POST', '/v1/sent', {
      aud_userid: ['u1'],
      msg_app: [{ platform: 'all', notification: { alert: 'Hello from UMS' } }],
      msg_sms: [{ temp_id: 11, temp_para: { code: '1234' } }],
      msg_email: [{ subject: 'UMS hello', text: '<p>Hello <b>u1</b></p>' }],
      option: { sendno: 'abc', priority: 1 },
      callback: { params: { order: 42 } },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.code, 0);
    assert.equal(res.body.sendno, 'abc');
    const msgid = res.body.msgid!;
    await online.waitForPushes(before + 1, 5000);
    assert.equal(online.pushes.at(-1)?.notification?.alert ?? (online.pushes.at(-1) as unknown as { alert?: string }).alert, 'Hello from UMS');
    await until(() => sms.messages.some((m) => m.mobile === '13800000001' && m.temp_id === 11), 5000, () => 'the SMS');
    assert.equal(sms.messages.find((m) => m.temp_id === 11)?.sign_id, 7);
    await until(() => smtp.mails.some((m) => m.to.includes('u1@example.com')), 5000, () => 'the email');
    const mail = smtp.mails.find((m) => m.to.includes('u1@example.com'))!;
    assert.equal(mail.parsed.subject, 'UMS hello');
    assert.match(String(mail.parsed.html), /Hello <b>u1<\/b>/);
    assert.equal(mail.from, 'noreply@example.com');
    // callbacks: target valid + submit success per channel, delivered for the app, with params
    const kinds = () => new Set(receiver.records.filter((r) => r.msgid === msgid).map((r) => `${r.type}:${r.sender}`));
    const expected = ['0:1', '2:1', '4:1', '0:5', '2:5', '0:4', '2:4'];
    await until(() => expected.every((k) => kinds().has(k)), 5000, () => `records ${expected.join(' ')}, have ${[...kinds()].join(' ')}`);
    const mine = receiver.records.filter((r) => r.msgid === msgid);
    const delivered = mine.find((r) => r.type === 4)!;
    assert.equal(delivered.userid, 'u1');
    assert.equal(delivered.sender_id, online.registrationId);
    assert.equal(delivered.app_sender, 0);
    assert.equal(delivered.app_platform, 0);
    assert.equal(delivered.channelkey, channel.channelKey);
    assert.deepEqual(delivered.params, { order: 42 });
    assert.ok(receiver.batches.every((b) => b.auth === chAuth));
  });

  test('policy "app first, SMS after 30 s if not delivered" texts only the user whose device did not ack', async () => {
    const created = await ums('POST', '/v1/rules', { name: 'app then sms', steps: [{ channel: 'app' }, { channel: 'sms', delay: 30, condition: 'not_delivered' }] }, akAuth);
    assert.equal(created.status, 200, created.text);
    const ruleId = (created.body.data as { rule_id: number }).rule_id;
    const smsBefore = sms.messages.length;
    const res = await ums('POST', '/v1/sent', {
      aud_tag: ['vip'],
      msg_app: [{ platform: 'android', notification: { alert: 'policy' } }],
      msg_sms: [{ temp_id: 22 }],
      rule_id: ruleId,
    });
    assert.equal(res.status, 200, res.text);
    const msgid = res.body.msgid!;
    // 30 policy seconds are 600 ms here
    await until(async () => (await trace(msgid)).every((j) => !['pending', 'claimed'].includes(j.state)), 10_000, () => 'every step to run');
    const texts = sms.messages.slice(smsBefore).filter((m) => m.temp_id === 22);
    assert.deepEqual(texts.map((m) => m.mobile), ['13800000002']);
    const jobs = await trace(msgid);
    assert.equal(jobs.find((j) => j.target === 'u1' && j.step === 1)?.state, 'skipped');
    assert.equal(jobs.find((j) => j.target === 'u2' && j.step === 1)?.state, 'submitted');
  });

  test('retract stops the steps that have not gone out and withdraws the push', async () => {
    const created = await ums('POST', '/v1/rules', { name: 'slow', steps: [{ channel: 'app' }, { channel: 'sms', delay: 3000, condition: 'always' }] }, akAuth);
    const ruleId = (created.body.data as { rule_id: number }).rule_id;
    const before = online.pushes.length;
    const res = await ums('POST', '/v1/sent', { aud_userid: ['u1'], msg_app: [{ platform: 'all', notification: { alert: 'soon gone' } }], msg_sms: [{ temp_id: 33 }], rule_id: ruleId });
    const msgid = res.body.msgid!;
    await online.waitForPushes(before + 1, 5000);
    const r1 = await ums('POST', `/v1/retract/${msgid}`, undefined);
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.body.code, 0);
    const pushId = online.pushes.at(-1)!.msgId;
    await online.waitForWithdraw(pushId, 15_000);
    const jobs = await trace(msgid);
    assert.equal(jobs.find((j) => j.step === 1)?.state, 'retracted');
    const r2 = await ums('POST', `/v1/retract/${msgid}`, undefined);
    assert.equal(r2.status, 400);
    assert.equal(r2.body.code, 1015055);
    await until(() => receiver.records.some((r) => r.msgid === msgid && r.type === 7 && r.sender === 5), 5000, () => 'the withdrawn record');
    assert.ok(!sms.messages.some((m) => m.temp_id === 33));
  });

  test('raw channel ids: aud_email and msg_email, userid "" in records; a refused mailbox is an invalid target', async () => {
    smtp.refused.add('nobody@example.com');
    const res = await ums('POST', '/v1/sent', {
      aud_email: [{ instance: 'email', data: ['raw@example.com', 'nobody@example.com'] }],
      msg_email: [{ subject: 'raw', text: 'raw body' }],
      rule_id: 999999,
    });
    assert.equal(res.status, 200, res.text);
    const msgid = res.body.msgid!;
    await until(() => smtp.mails.some((m) => m.to.includes('raw@example.com')), 5000, () => 'the raw email');
    await until(() => receiver.records.some((r) => r.msgid === msgid && r.type === 1), 5000, () => 'the invalid-target record');
    const bad = receiver.records.find((r) => r.msgid === msgid && r.type === 1)!;
    assert.equal(bad.sender_id, 'nobody@example.com');
    assert.equal(bad.userid, '');
  });

  test('callback POSTs that fail are retried', async () => {
    receiver.failNext = 2;
    const posts = receiver.posts;
    const res = await ums('POST', '/v1/sent', { aud_userid: ['u1'], msg_sms: [{ temp_id: 44 }] });
    const msgid = res.body.msgid!;
    await until(() => receiver.records.some((r) => r.msgid === msgid && r.type === 2), 10_000, () => 'the record after retries');
    assert.ok(receiver.posts - posts >= 3);
  });

  test('every UMS error code Borealis produces', async () => {
    const app = [{ platform: 'all', notification: { alert: 'x' } }];
    const expect = async (status: number, code: number, path: string, body: unknown, auth = chAuth) => {
      const r = await ums('POST', path, body, auth);
      assert.equal(r.body.code, code, `${path} ${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
      assert.equal(r.status, status, r.text);
    };
    await expect(401, 4005, '/v1/sent', { aud_userid: ['u1'], msg_app: app }, basicOf(channel.channelKey, 'wrong'));
    await expect(401, 4005, '/v1/user/delete', ['u1'], chAuth);
    await expect(400, 4004, '/v1/sent', { aud_userid: ['u1'] });
    await expect(400, 4004, '/v1/sent', '[not json');
    await expect(400, 4004, '/v1/sent', { aud_userid: ['u1'], aud_sms: [{ data: ['1'] }], msg_sms: [{ temp_id: 1 }] });
    await expect(400, 1015004, '/v1/sent', { aud_userid: Array.from({ length: 1001 }, (_, i) => `u${i}`), msg_app: app });
    await expect(400, 1015084, '/v1/sent', { aud_userid: ['u1'], msg_app: [{ notification: { alert: 'x' } }] });
    await expect(400, 1015085, '/v1/sent', { aud_userid: ['u1'], msg_app: [{ platform: 'winphone', notification: { alert: 'x' } }] });
    await expect(400, 1015097, '/v1/sent', { aud_userid: ['u1'], msg_app: app, option: { black_id: 1, white_id: 2 } });
    await expect(400, 1015046, '/v1/sent', { aud_userid: ['u1'], msg_app: app, option: { black_id: 12345 } });
    await expect(400, 1015026, '/v1/sent', { aud_userid: ['u1'], msg_app: app, rule_id: 424242 });
    const disabled = json<{ rule_id: number }>(await cli('policy', 'create', '--name', 'off', '--step', 'app', '--disabled', '--json'));
    await expect(400, 1015026, '/v1/sent', { aud_userid: ['u1'], msg_app: app, rule_id: disabled.rule_id });
    for (const [ch, code, msg] of [
      ['wechatoa', 1015008, { type: 0, template_id: 't', data: { first: { value: 'x' } } }],
      ['wechatmp', 1015009, { template_id: 't', data: { number01: { value: '1' } } }],
      ['alipay_life', 1015011, { template_id: 't', context: { head_color: '#85be53', url: 'http://example.com', action_name: 'go', keyword1: { color: '#85be53', value: 'x' } } }],
      ['dingtalk_cc', 1015012, { msg: { msgtype: 'text', text: { content: 'x' } } }],
    ] as const) {
      await expect(400, code, '/v1/sent', { aud_userid: ['u1'], [`msg_${ch}`]: [msg] });
    }
    // a second channel: no app, no SMS or email credentials, API review on, one broadcast a day
    const bare = json<{ channelKey: string; masterSecret: string }>(await cli('channel', 'create', '--name', 'bare', '--owner-required', '--json'));
    const bareAuth = basicOf(bare.channelKey, bare.masterSecret);
    await expect(400, 1015023, '/v1/sent', { aud_userid: ['u1'], msg_app: app }, bareAuth);
    await expect(400, 1015006, '/v1/sent', { aud_userid: ['u1'], msg_app: app, option: { owner: 'me' } }, bareAuth);
    await expect(400, 1015007, '/v1/sent', { aud_userid: ['u1'], msg_sms: [{ temp_id: 1 }], option: { owner: 'me' } }, bareAuth);
    await expect(400, 1015010, '/v1/sent', { aud_userid: ['u1'], msg_email: [{ subject: 's', text: 't' }], option: { owner: 'me' } }, bareAuth);
    json(await cli('channel', 'disable', bare.channelKey));
    await expect(400, 1015005, '/v1/sent', { aud_userid: ['u1'], msg_app: app, option: { owner: 'me' } }, bareAuth);
    // daily broadcasts (1 in this test's configuration)
    await expect(200, 0, '/v1/broadcast', { msg_app: app });
    await expect(400, 1015029, '/v1/broadcast', { msg_app: app });
    // API calls per minute (100 here, in fixed windows), counted per channel
    const busy = json<{ channelKey: string; masterSecret: string }>(await cli('channel', 'create', '--name', 'busy', '--json'));
    const busyAuth = basicOf(busy.channelKey, busy.masterSecret);
    let last: Answer | undefined;
    for (let i = 0; i < 201 && last?.code !== 1015030; i++) last = (await ums('GET', '/v1/token?type=wechatoa', undefined, busyAuth)).body;
    assert.equal(last?.code, 1015030);
  });

  test('user delete (AccessKey) removes users and their bindings', async () => {
    const res = await ums('POST', '/v1/user/delete', ['u9', 'ghost'], akAuth);
    assert.equal(res.status, 200, res.text);
    const data = res.body.data as { success: string[]; fail: { userid: string }[] };
    assert.deepEqual(data.success, ['u9']);
    assert.deepEqual(data.fail.map((f) => f.userid), ['ghost']);
  });
});
