import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { FakeDingTalk } from '../fakes/dingtalk-server.js';
import { FakeSmsServer } from '../fakes/sms-server.js';
import { FakeSmtpServer } from '../fakes/smtp-server.js';
import { runCliAsync } from '../helpers/cli.js';
import { startClient, type TestClient } from '../helpers/devices.js';
import { mulberry32 } from '../helpers/prng.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const basicOf = (user: string, secret: string) => 'Basic ' + Buffer.from(`${user}:${secret}`).toString('base64');
type Answer = { code: number; message?: string; msgid?: string; data?: unknown };
type Trace = { msgid: string; ruleId: number; retracted: boolean; jobs: { target: string; step: number; channel: string; state: string; addresses: string[] }[] };

describe('UMS templates, channel settings, traces and the rest of the error codes', () => {
  let server: TestServer;
  let sms: FakeSmsServer;
  let smtp: FakeSmtpServer;
  let device: TestClient;
  let dingtalk: FakeDingTalk;
  let chAuth: string;
  let akAuth: string;
  let channelKey: string;
  const cli = (...args: string[]) => runCliAsync(['ums', ...args, '--data', server.dataDir]);
  const json = <T>(out: { status: number; stdout: string; stderr: string }): T => {
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout) as T;
  };
  const ums = async (method: string, path: string, body?: unknown, auth = chAuth) => {
    const res = await call(server, method, path, { body, auth });
    return { status: res.status, body: res.body as Answer, text: res.text };
  };
  const expectCode = async (status: number, code: number, method: string, path: string, body: unknown, auth = chAuth) => {
    const r = await ums(method, path, body, auth);
    assert.equal(r.body.code, code, `${path} ${String(JSON.stringify(body)).slice(0, 100)}: ${r.text}`);
    assert.equal(r.status, status, r.text);
    return r;
  };
  const newChannel = async (name: string, ...flags: string[]) => {
    const c = json<{ channelKey: string; masterSecret: string }>(await cli('channel', 'create', '--name', name, ...flags, '--json'));
    return { ...c, auth: basicOf(c.channelKey, c.masterSecret) };
  };

  before(async () => {
    sms = await FakeSmsServer.start();
    smtp = await FakeSmtpServer.start({ user: 'mailer', pass: 'mailpass' });
    dingtalk = await FakeDingTalk.start();
    dingtalk.addApp('dingbench0123456789', 'Yr2_abcdefghijklmnopqrstuvwxyz0123456789', 2244668800, ['dt-ann']);
    server = await startTestServer({
      ums: { ...DEFAULT_CONFIG.ums, pollMs: 50, secondMs: 20, broadcastsPerDay: 1, requestsPerMinute: 0 },
      messaging: { ...DEFAULT_CONFIG.messaging, dingtalk_cc: { endpoint: dingtalk.url, timeoutMs: 5000, concurrency: 2 } },
    });
    const channel = await newChannel('main', '--app', server.app.appKey);
    channelKey = channel.channelKey;
    chAuth = channel.auth;
    const access = json<{ accessKey: string; secret: string }>(await cli('accesskey', 'create', '--json'));
    akAuth = basicOf(access.accessKey, access.secret);
    json(await cli('credentials', channelKey, 'sms', '--endpoint', sms.url, '--key', sms.key, '--secret', sms.secret));
    json(await cli('credentials', channelKey, 'email', '--host', '127.0.0.1', '--port', String(smtp.port), '--user', 'mailer', '--pass', 'mailpass', '--from', 'Borealis <noreply@example.com>'));
    device = await startClient(server, server.app);
    const opt = await ums(
      'POST',
      '/v1/user/opt',
      [
        { userid: 'ann', add: { app: { [server.app.appKey]: [device.registrationId] } }, set: { phone: { all: '13800000011' }, email: { all: 'ann@example.com' } } },
        { userid: 'bob', set: { phone: { all: '13800000012' } } },
      ],
      akAuth,
    );
    assert.deepEqual((opt.body.data as { success: string[] }).success, ['ann', 'bob']);
  });
  after(async () => {
    await device.close();
    await server.close();
    await sms.close();
    await smtp.close();
    await dingtalk.close();
  });

  let general: number;
  test('templates are created, listed, changed and deleted with the AccessKey', async () => {
    const created = await expectCode(200, 0, 'POST', '/v1/templates', {
      name: 'order shipped',
      content: {
        msg_sms: [{ temp_id: '{{sms_template}}', temp_para: { order: '{{order}}' } }],
        msg_email: { subject: 'Order {{order}} shipped', text: '<p>Hello {{name}}, order {{order}} is on its way.</p>' },
        msg_app: [{ notification: { alert: 'Order {{order}} shipped' } }],
      },
    }, akAuth);
    const t = created.body.data as { template_id: number; general: boolean; enabled: boolean; content: Record<string, unknown[]> };
    general = t.template_id;
    assert.equal(t.general, true);
    assert.equal(t.enabled, true);
    assert.deepEqual(Object.keys(t.content).sort(), ['msg_app', 'msg_email', 'msg_sms']);
    const listed = await expectCode(200, 0, 'GET', '/v1/templates', undefined, akAuth);
    assert.deepEqual((listed.body.data as { template_id: number }[]).map((x) => x.template_id), [general]);
    await expectCode(200, 0, 'PUT', `/v1/templates/${general}`, { name: 'order shipped (v2)' }, akAuth);
    // a channel cannot manage templates; bad bodies and unknown ids answer their codes
    await expectCode(401, 4005, 'GET', '/v1/templates', undefined, chAuth);
    await expectCode(400, 4004, 'POST', '/v1/templates', { name: 'x', content: { msg_fax: [{}] } }, akAuth);
    await expectCode(400, 4004, 'POST', '/v1/templates', { name: 'x' }, akAuth);
    await expectCode(400, 1015031, 'PUT', '/v1/templates/99999', { enabled: false }, akAuth);
    const gone = await expectCode(200, 0, 'POST', '/v1/templates', { name: 'tmp', content: { msg_sms: [{ temp_id: 1 }] } }, akAuth);
    const goneId = (gone.body.data as { template_id: number }).template_id;
    await expectCode(200, 0, 'DELETE', `/v1/templates/${goneId}`, undefined, akAuth);
    await expectCode(400, 1015031, 'DELETE', `/v1/templates/${goneId}`, undefined, akAuth);
  });

  let msgid: string;
  test('/v1/template/sent fills the placeholders and reaches the device, the SMS gateway and the SMTP server', async () => {
    const pushes = device.pushes.length;
    const r = await expectCode(200, 0, 'POST', '/v1/template/sent', {
      aud_userid: ['ann'],
      template_id: general,
      template_para: { sms_template: 31, order: 'A-17', name: 'Ann' },
      app_para: { platform: 'all', time_to_live: 600 },
      option: { sendno: 'tpl-1' },
    });
    msgid = r.body.msgid!;
    await until(() => sms.messages.some((m) => m.mobile === '13800000011' && m.temp_id === 31), 5000, 'the SMS');
    assert.deepEqual(sms.messages.find((m) => m.temp_id === 31)?.temp_para, { order: 'A-17' });
    await until(() => smtp.mails.some((m) => m.to.includes('ann@example.com')), 5000, 'the email');
    const mail = smtp.mails.find((m) => m.to.includes('ann@example.com'))!;
    assert.equal(mail.parsed.subject, 'Order A-17 shipped');
    assert.match(String(mail.parsed.html), /Hello Ann, order A-17 is on its way/);
    await device.waitForPushes(pushes + 1, 5000);
    const push = device.pushes.at(-1) as unknown as { notification?: { alert?: string }; alert?: string };
    assert.equal(push.notification?.alert ?? push.alert, 'Order A-17 shipped');
  });

  test('GET /v1/trace/{msgid} shows each step per user, for the channel that sent it', async () => {
    let trace: Trace | undefined;
    for (let i = 0; i < 100; i++) {
      trace = (await expectCode(200, 0, 'GET', `/v1/trace/${msgid}`, undefined)).body.data as Trace;
      if (trace.jobs.every((j) => j.state === 'submitted')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(trace!.msgid, msgid);
    assert.deepEqual(
      trace!.jobs.map((j) => [j.target, j.channel, j.state]).sort(),
      [
        ['ann', 'app', 'submitted'],
        ['ann', 'email', 'submitted'],
        ['ann', 'sms', 'submitted'],
      ],
    );
    const one = (await expectCode(200, 0, 'GET', `/v1/trace/${msgid}?userid=bob`, undefined)).body.data as Trace;
    assert.deepEqual(one.jobs, []);
    const other = await newChannel('other');
    await expectCode(400, 4004, 'GET', `/v1/trace/${msgid}`, undefined, other.auth);
    await expectCode(400, 4004, 'GET', '/v1/trace/123456789', undefined);
    await expectCode(401, 4005, 'GET', `/v1/trace/${msgid}`, undefined, akAuth);
  });

  test('template sends answer 1015094, 1015031, 1015032, 1015073 and 4004 as the reference says', async () => {
    const to = { aud_userid: ['ann'] };
    await expectCode(400, 1015094, 'POST', '/v1/template/sent', { ...to, template_id: general, msg_sms: [{ temp_id: 1 }] });
    await expectCode(400, 1015031, 'POST', '/v1/template/sent', { ...to, template_id: 424242 });
    await expectCode(400, 4004, 'POST', '/v1/template/sent', { ...to });
    await expectCode(400, 4004, 'POST', '/v1/template/sent', { ...to, template_id: 'x' });
    await expectCode(400, 4004, 'POST', '/v1/template/sent', { ...to, template_id: general, template_para: { order: 'A' }, app_para: { platform: 'all' } });
    await expectCode(400, 4004, 'POST', '/v1/template/sent', { ...to, template_id: general, template_para: { sms_template: 1, order: 'A', name: 'x' }, app_para: { platform: 'all', time_to_live: -1 } });
    await expectCode(400, 1015084, 'POST', '/v1/template/sent', { ...to, template_id: general, template_para: { sms_template: 1, order: 'A', name: 'x' } });
    await expectCode(400, 1015095, 'POST', '/v1/template/sent', { ...to, template_id: general, template_para: { sms_template: 'abc', order: 'A', name: 'x' }, app_para: { platform: 'all' } });
    const single = json<{ template_id: number }>(await runCliWithFile(['template', 'create', '--name', 'sms only', '--single', '--json'], { msg_sms: [{ temp_id: 5 }] }));
    await expectCode(400, 1015032, 'POST', '/v1/template/sent', { ...to, template_id: single.template_id });
    const off = json<{ template_id: number }>(await runCliWithFile(['template', 'create', '--name', 'off', '--disabled', '--json'], { msg_sms: [{ temp_id: 5 }] }));
    await expectCode(400, 1015073, 'POST', '/v1/template/sent', { ...to, template_id: off.template_id });
    json(await cli('template', 'enable', String(off.template_id)));
    await expectCode(200, 0, 'POST', '/v1/template/sent', { ...to, template_id: off.template_id });
    // a broadcast of a template counts against the daily broadcasts (1 here)
    await expectCode(200, 0, 'POST', '/v1/template/broadcast', { template_id: off.template_id });
    await expectCode(400, 1015029, 'POST', '/v1/template/broadcast', { template_id: off.template_id });
    await expectCode(400, 4004, 'POST', '/v1/template/broadcast', { template_id: off.template_id, aud_userid: ['ann'] });
  });

  const runCliWithFile = async (args: string[], content: unknown) => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'ums-template-')), 'content.json');
    writeFileSync(file, JSON.stringify(content));
    return cli(...args, '--file', file);
  };

  test('channel settings: sensitive words (1015034), do-not-disturb hours (1015038), VIP features (1015073-1015075)', async () => {
    const c = await newChannel('settings', '--app', server.app.appKey);
    json(await cli('credentials', c.channelKey, 'sms', '--endpoint', sms.url, '--key', sms.key, '--secret', sms.secret));
    const send = { aud_userid: ['bob'], msg_sms: [{ temp_id: 1, temp_para: { text: 'Win a FREE prize' } }] };
    await expectCode(200, 0, 'POST', '/v1/sent', send, c.auth);
    json(await cli('channel', 'settings', c.channelKey, '--sensitive-words', 'free prize,lottery'));
    await expectCode(400, 1015034, 'POST', '/v1/sent', send, c.auth);
    await expectCode(200, 0, 'POST', '/v1/sent', { ...send, msg_sms: [{ temp_id: 1, temp_para: { text: 'Your order shipped' } }] }, c.auth);
    json(await cli('channel', 'settings', c.channelKey, '--sensitive-words', ''));

    // a window around now (UTC), then one that has just ended
    const minute = Math.floor(Date.now() / 60_000) % 1440;
    const hhmm = (m: number) => `${String(Math.floor(((m + 1440) % 1440) / 60)).padStart(2, '0')}:${String((m + 1440) % 60).padStart(2, '0')}`;
    json(await cli('channel', 'settings', c.channelKey, '--quiet-hours', `${hhmm(minute - 60)}-${hhmm(minute + 60)}`));
    await expectCode(400, 1015038, 'POST', '/v1/sent', send, c.auth);
    json(await cli('channel', 'settings', c.channelKey, '--quiet-hours', `${hhmm(minute - 120)}-${hhmm(minute - 60)}`));
    await expectCode(200, 0, 'POST', '/v1/sent', send, c.auth);
    // a window that starts 30 minutes from now in UTC, written at UTC+01:00, holds now (local
    // time there is an hour ahead); the margins keep a slow run from crossing its ends
    json(await cli('channel', 'settings', c.channelKey, '--quiet-hours', `${hhmm(minute + 30)}-${hhmm(minute + 90)}+01:00`));
    await expectCode(400, 1015038, 'POST', '/v1/sent', send, c.auth);
    json(await cli('channel', 'settings', c.channelKey, '--quiet-hours', 'off'));
    const bad = await cli('channel', 'settings', c.channelKey, '--quiet-hours', '25:00-01:00');
    assert.equal(bad.status, 2, bad.stderr);

    json(await cli('channel', 'settings', c.channelKey, '--no-vip'));
    const black = json<{ id: number }>(await cli('list', 'create', '--kind', 'black', '--name', 'b', '--users', 'ann'));
    const white = json<{ id: number }>(await cli('list', 'create', '--kind', 'white', '--name', 'w', '--users', 'bob'));
    await expectCode(400, 1015074, 'POST', '/v1/sent', { ...send, option: { black_id: black.id } }, c.auth);
    await expectCode(400, 1015075, 'POST', '/v1/sent', { ...send, option: { white_id: white.id } }, c.auth);
    await expectCode(400, 1015073, 'POST', '/v1/template/sent', { aud_userid: ['bob'], template_id: general }, c.auth);
    json(await cli('channel', 'settings', c.channelKey, '--vip'));
    await expectCode(200, 0, 'POST', '/v1/sent', { ...send, option: { white_id: white.id } }, c.auth);

    // closed, then opened; a new master secret: the old one stops authenticating at once
    json(await cli('channel', 'disable', c.channelKey));
    await expectCode(400, 1015005, 'POST', '/v1/sent', send, c.auth);
    json(await cli('channel', 'enable', c.channelKey));
    const rotated = json<{ channelKey: string; masterSecret: string }>(await cli('channel', 'rotate-secret', c.channelKey, '--json'));
    assert.equal(rotated.channelKey, c.channelKey);
    assert.notEqual(rotated.masterSecret, c.masterSecret);
    assert.equal((await ums('POST', '/v1/sent', send, c.auth)).status, 401);
    await expectCode(200, 0, 'POST', '/v1/sent', send, basicOf(c.channelKey, rotated.masterSecret));
    assert.equal((await cli('channel', 'rotate-secret', 'nosuchchannel')).status, 2);
  });

  test('a WeCom send without WeCom credentials is "channel invalid" (1015025); a bad JSMS template id 1015095', async () => {
    await expectCode(400, 1015025, 'POST', '/v1/sent', { aud_userid: ['ann'], msg_wechatwk: [{ msgtype: 'text', text: { content: 'hi' } }] });
    await expectCode(400, 1015095, 'POST', '/v1/sent', { aud_userid: ['ann'], msg_sms: [{ temp_id: 0 }] });
    await expectCode(400, 1015095, 'POST', '/v1/sent', { aud_userid: ['ann'], msg_sms: [{ temp_id: '7' }] });
  });

  test('DingTalk delivery reports (getsendresult): read is delivered and clicked, an unknown member fails delivery and gets the SMS step', async () => {
    json(await runCliWithFile(['credentials', channelKey, 'dingtalk_cc'], { appkey: 'dingbench0123456789', appsecret: 'Yr2_abcdefghijklmnopqrstuvwxyz0123456789', agent_id: 2244668800 }));
    const opt = await ums('POST', '/v1/user/opt', [{ userid: 'ann', set: { dingtalkcc: 'dt-ann' } }, { userid: 'bob', set: { dingtalkcc: 'dt-stranger' } }], akAuth);
    assert.deepEqual((opt.body.data as { success: string[] }).success, ['ann', 'bob']);
    const rule = json<{ rule_id: number }>(await cli('policy', 'create', '--name', 'ding then sms', '--step', 'dingtalk_cc', '--step', 'sms:150:not_delivered', '--json'));
    dingtalk.read.add('dt-ann');
    const sent = await expectCode(200, 0, 'POST', '/v1/sent', {
      aud_userid: ['ann', 'bob'],
      rule_id: rule.rule_id,
      msg_dingtalk_cc: [{ msg: { msgtype: 'text', text: { content: 'Your order shipped' } } }],
      msg_sms: [{ temp_id: 77 }],
    });
    const done = (t: Trace) => t.jobs.length === 4 && t.jobs.every((j) => j.state !== 'pending' && j.state !== 'claimed');
    let trace: Trace | undefined;
    for (let i = 0; i < 200 && !(trace && done(trace)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      trace = (await expectCode(200, 0, 'GET', `/v1/trace/${sent.body.msgid}`, undefined)).body.data as Trace;
    }
    const row = (target: string, channel: string) => trace!.jobs.find((j) => j.target === target && j.channel === channel) as unknown as { state: string; delivered: string | null; clicked: string | null; note: string | null; push: string | null };
    assert.equal(row('ann', 'dingtalk_cc').state, 'submitted', JSON.stringify(trace));
    assert.ok(row('ann', 'dingtalk_cc').delivered && row('ann', 'dingtalk_cc').clicked, JSON.stringify(trace));
    assert.match(row('ann', 'dingtalk_cc').push ?? '', /^dingtalk_cc:\d+$/);
    assert.equal(row('ann', 'sms').state, 'skipped');
    assert.equal(row('bob', 'dingtalk_cc').state, 'failed');
    assert.match(row('bob', 'dingtalk_cc').note ?? '', /delivery failed/);
    assert.equal(row('bob', 'sms').state, 'submitted');
    assert.ok(sms.messages.some((m) => m.mobile === '13800000012' && m.temp_id === 77));
    assert.ok(!sms.messages.some((m) => m.mobile === '13800000011' && m.temp_id === 77));
  });

  test('control characters (NUL) in names, ids and raw addresses are refused with 4004, on either store', async () => {
    await expectCode(400, 4004, 'POST', '/v1/templates', { name: 'a\u0000b', content: { msg_sms: [{ temp_id: 1 }] } }, akAuth);
    await expectCode(400, 4004, 'POST', '/v1/rules', { name: 'a\u0000b', steps: [{ channel: 'sms' }] }, akAuth);
    await expectCode(400, 4004, 'GET', `/v1/trace/${msgid}?userid=%00`, undefined);
    await expectCode(400, 4004, 'POST', '/v1/sent', { aud_email: [{ data: ['x\u0000@example.com'] }], msg_email: [{ subject: 's', text: 't' }] });
    await expectCode(400, 4004, 'POST', '/v1/sent', { aud_segment: ['seg\u0000'], msg_sms: [{ temp_id: 1 }] });
    const opt = await ums('POST', '/v1/user/opt', [{ userid: 'nul', set: { phone: { 'a\u0000': '13800000099' } } }], akAuth);
    assert.equal((opt.body.data as { fail: unknown[] }).fail.length, 1, opt.text);
  });

  test('API review: a channel with --owner-required holds its messages until approved; a rejected one never goes out', async () => {
    const c = await newChannel('reviewed', '--owner-required');
    json(await cli('credentials', c.channelKey, 'sms', '--endpoint', sms.url, '--key', sms.key, '--secret', sms.secret));
    const send = (temp: number) => expectCode(200, 0, 'POST', '/v1/sent', { aud_userid: ['bob'], msg_sms: [{ temp_id: temp }], option: { owner: 'editor' } }, c.auth);
    const held = (await send(501)).body.msgid!;
    const refused = (await send(502)).body.msgid!;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!sms.messages.some((m) => m.temp_id === 501 || m.temp_id === 502), 'nothing goes out before review');
    const waiting = json<{ msgid: string; owner: string }[]>(await cli('review', 'list', '--json'));
    assert.deepEqual(waiting.map((w) => [w.msgid, w.owner]), [
      [held, 'editor'],
      [refused, 'editor'],
    ]);
    json(await cli('review', 'approve', held));
    json(await cli('review', 'reject', refused));
    await until(() => sms.messages.some((m) => m.temp_id === 501 && m.mobile === '13800000012'), 5000, 'the approved SMS');
    const trace = (await expectCode(200, 0, 'GET', `/v1/trace/${refused}`, undefined, c.auth)).body.data as Trace;
    assert.equal(trace.retracted, true);
    assert.deepEqual(trace.jobs.map((j) => j.state), ['retracted']);
    assert.ok(!sms.messages.some((m) => m.temp_id === 502));
    assert.deepEqual(json<unknown[]>(await cli('review', 'list', '--json')), []);
    const again = await cli('review', 'approve', held);
    assert.equal(again.status, 2, again.stderr);
  });

  test('hostile template sends and template bodies never answer 5xx', async () => {
    const rnd = mulberry32(13);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const values: unknown[] = [null, true, -1, 0, 1e308, general, String(general), '', 'x'.repeat(5000), [], {}, [{}], { a: { b: [] } }, '{{order}}', '\u0000', { toString: 1 }];
    for (let i = 0; i < 300; i++) {
      const body: Record<string, unknown> = {};
      for (const k of ['template_id', 'template_para', 'app_para', 'aud_userid', 'aud_tag', 'msg_app', 'option', 'rule_id', 'callback', 'content', 'name', 'general']) {
        if (rnd() < 0.35) body[k] = pick(values);
      }
      if (rnd() < 0.5) body.template_id = general;
      if (rnd() < 0.3) body.template_para = { sms_template: pick(values), order: pick(values), name: pick(values) };
      const [method, path, auth] = pick([
        ['POST', '/v1/template/sent', chAuth],
        ['POST', '/v1/template/broadcast', chAuth],
        ['POST', '/v1/templates', akAuth],
        ['PUT', `/v1/templates/${general}`, akAuth],
      ] as const);
      const r = await ums(method, path, rnd() < 0.1 ? pick(values) : body, auth);
      assert.ok(r.status < 500, `${method} ${path} ${JSON.stringify(body).slice(0, 300)} -> ${r.status} ${r.text}`);
      assert.equal(typeof r.body.code, 'number', r.text);
    }
  });
});
