import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { MessagingChannel } from '../../src/messaging/types.js';
import { createWecomChannel } from '../../src/messaging/wechatwk/index.js';
import { FakeWecom } from '../fakes/wecom-server.js';

const CORPID = 'ww1234567890abcdef';
const SECRET = 'Zx9-kLm_4QrStUvWxYz0123456789abcdefGHIJKL';
const CREDENTIALS = { corpid: CORPID, corpsecret: SECRET, agentid: 1000002 };

// the reference's examples
const TEXT = { msgtype: 'text', text: { content: '你的快递已到,请携带工卡前往邮件中心领取,聪明避开排队。' }, safe: 0, enable_duplicate_check: 1, duplicate_check_interval: 1800 };
const NEWS = {
  msgtype: 'news',
  news: { articles: [{ title: '中秋节礼品领取', description: '今年中秋节公司有豪礼相送', url: 'URL', picurl: 'http://res.mail.qq.com/node/ww/wwopenmng/images/independent/doc/test_pic_msg1.png' }] },
  safe: 0,
  enable_duplicate_check: 1,
  duplicate_check_interval: 1800,
};
const NOTICE = {
  msgtype: 'miniprogram_notice',
  miniprogram_notice: {
    appid: 'wx123123123123123',
    page: 'pages/index?userid=zhangsan&orderid=123123123',
    title: '会议室预订成功通知',
    description: '4月27日 16:16',
    emphasis_first_item: true,
    content_item: [
      { key: '会议室', value: '402' },
      { key: '会议地点', value: '广州TIT-402会议室' },
      { key: '会议时间', value: '2018年8月1日 09:00-09:30' },
      { key: '参与人员', value: '周剑轩' },
    ],
  },
  safe: 0,
  enable_duplicate_check: 1,
  duplicate_check_interval: 1800,
};

describe('WeCom channel against the fake WeCom API (real HTTP)', () => {
  let fake: FakeWecom;
  let channel: MessagingChannel;
  const members = Array.from({ length: 1500 }, (_, i) => `user${i}`);

  before(async () => {
    fake = await FakeWecom.start();
    fake.addCorp(CORPID, SECRET, 1000002, [...members, 'ZhangSan', 'lisi', 'nolicense'], { unlicensed: ['nolicense'], linked: ['wwpartner01/wangwu'] });
  });
  after(() => fake.close());
  beforeEach(async () => {
    await channel?.close();
    channel = createWecomChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 2 });
    fake.sends.length = 0;
    fake.modes.clear();
    fake.tokens.issued.clear();
    fake.tokenEndpointBusy = false;
  });

  test('one request carries many members; the message and options arrive as WeCom defines them', async () => {
    for (const msg of [TEXT, NEWS, NOTICE]) assert.equal(channel.validate(msg), undefined, JSON.stringify(msg));
    const results = await channel.send(TEXT, [{ address: 'ZhangSan' }, { address: 'lisi' }], CREDENTIALS);
    assert.deepEqual(results.map((r) => r.kind), ['submitted', 'submitted']);
    assert.equal(fake.sends.length, 1);
    const { body, path } = fake.sends[0]!;
    assert.equal(path, '/cgi-bin/message/send');
    assert.deepEqual(body, { ...TEXT, touser: 'ZhangSan|lisi', agentid: 1000002 });
    assert.equal((results[0] as { vendorMessageId?: string }).vendorMessageId !== undefined, true);

    await channel.send(NOTICE, [{ address: 'lisi' }], CREDENTIALS);
    assert.deepEqual(fake.sends[1]!.body.miniprogram_notice, NOTICE.miniprogram_notice);
    assert.equal(fake.tokens.issued.get(CORPID), 1);
  });

  test('more than 1,000 members are split over requests; unknown and unlicensed members are invalid targets, case-insensitively', async () => {
    const recipients = [...members.map((address) => ({ address })), { address: 'GhostUser' }, { address: 'nolicense' }, { address: 'bad|id' }];
    const results = await channel.send(TEXT, recipients, CREDENTIALS);
    assert.equal(results.length, recipients.length);
    assert.ok(results.slice(0, 1500).every((r) => r.kind === 'submitted'));
    assert.deepEqual(results.slice(1500).map((r) => r.kind), ['invalidTarget', 'invalidTarget', 'invalidTarget']);
    assert.match((results[1501] as { reason: string }).reason, /license/);
    assert.equal(fake.sends.length, 2);
    assert.deepEqual(fake.sends.map((s) => (s.body.touser as string).split('|').length).sort((a, b) => a - b), [502, 1000]);
  });

  test('members of a linked corporation (CorpId/userid) go through linkedcorp/message/send', async () => {
    const results = await channel.send(TEXT, [{ address: 'wwpartner01/wangwu' }, { address: 'wwpartner01/nobody' }, { address: 'lisi' }], CREDENTIALS);
    assert.deepEqual(results.map((r) => r.kind), ['submitted', 'invalidTarget', 'submitted']);
    const linked = fake.sends.find((s) => s.path === '/cgi-bin/linkedcorp/message/send')!;
    assert.deepEqual(linked.body.touser, ['wwpartner01/wangwu', 'wwpartner01/nobody']);
    assert.equal(linked.body.agentid, 1000002);
  });

  test('per-recipient variables split a batch only where they differ', async () => {
    const msg = { msgtype: 'text', text: { content: 'Hi {{name}}' } };
    await channel.send(msg, [{ address: 'user1', params: { name: 'A' } }, { address: 'user2', params: { name: 'B' } }, { address: 'user3', params: { name: 'A' } }], CREDENTIALS);
    const byContent = new Map(fake.sends.map((s) => [(s.body.text as { content: string }).content, s.body.touser]));
    assert.deepEqual(Object.fromEntries(byContent), { 'Hi A': 'user1|user3', 'Hi B': 'user2' });
  });

  test('no valid member (81013) makes every member an invalid target; limits and busy answers are retryable for the whole request', async () => {
    const none = await channel.send(TEXT, [{ address: 'ghost1' }, { address: 'ghost2' }], CREDENTIALS);
    assert.deepEqual(none.map((r) => r.kind), ['invalidTarget', 'invalidTarget']);
    fake.modes.set('user7', 'rateLimit', 1);
    const limited = await channel.send(TEXT, [{ address: 'user6' }, { address: 'user7' }], CREDENTIALS);
    assert.deepEqual(limited.map((r) => ({ ...r, reason: undefined })), [
      { kind: 'failed', reason: undefined, code: '45009', retry: true },
      { kind: 'failed', reason: undefined, code: '45009', retry: true },
    ]);
    const wrongAgent = await channel.send(TEXT, [{ address: 'user6' }], { ...CREDENTIALS, agentid: 5 });
    assert.deepEqual({ ...wrongAgent[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '40056', retry: false });
  });

  test('invalid and expired tokens are renewed once; refused credentials fail without retry', async () => {
    await channel.send(TEXT, [{ address: 'user1' }], CREDENTIALS);
    fake.tokens.revokeAll();
    assert.equal((await channel.send(TEXT, [{ address: 'user1' }], CREDENTIALS))[0]!.kind, 'submitted');
    fake.tokens.expireAll();
    assert.equal((await channel.send(TEXT, [{ address: 'user1' }], CREDENTIALS))[0]!.kind, 'submitted');
    assert.equal(fake.tokens.issued.get(CORPID), 3);

    const wrong = await channel.send(TEXT, [{ address: 'user1' }], { ...CREDENTIALS, corpsecret: 'x'.repeat(43) });
    assert.deepEqual({ ...wrong[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '40001', retry: false });
    fake.tokenEndpointBusy = true;
    const busy = await channel.send(TEXT, [{ address: 'user1' }], { ...CREDENTIALS, corpsecret: 'y'.repeat(43) });
    assert.equal((busy[0] as { retry: boolean }).retry, true);
    assert.equal(channel.checkCredentials(CREDENTIALS), undefined);
    assert.equal(channel.checkCredentials({ ...CREDENTIALS, agentid: '1000002' }), undefined);
    assert.match(channel.checkCredentials({ ...CREDENTIALS, agentid: 0 })!, /agentid/);
    assert.match(channel.checkCredentials({ corpsecret: SECRET, agentid: 1 })!, /corpid/);
  });

  test('the channel hands out its current token for the UMS token API', async () => {
    const channelWithTokens = createWecomChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 1 });
    const { token, expiresIn } = await channelWithTokens.accessToken(CREDENTIALS);
    assert.equal(fake.tokens.check(token), CORPID);
    assert.ok(expiresIn > 7000);
    await channelWithTokens.send(TEXT, [{ address: 'user1' }], CREDENTIALS);
    assert.equal(fake.tokens.issued.get(CORPID), 1, 'the send used the token handed out');
    await channelWithTokens.close();
  });

  test('hostile answers fail the request retryably within the timeout', async () => {
    const hostile = createWecomChannel({ endpoint: fake.url, timeoutMs: 1000, concurrency: 2 });
    for (const mode of ['garbage', 'huge', 'silent', 'trickle'] as const) {
      fake.modes.set('user9', mode, 1);
      const started = Date.now();
      const results = await hostile.send(TEXT, [{ address: 'user9' }, { address: 'user10' }], CREDENTIALS);
      assert.deepEqual(results.map((r) => r.kind), ['failed', 'failed'], mode);
      assert.ok(results.every((r) => (r as { retry: boolean }).retry), mode);
      assert.ok(Date.now() - started < 8000, `${mode} bounded by the timeout`);
    }
    await hostile.close();
  });

  test('validate: the reference limits of each message type', () => {
    const bad: [unknown, RegExp][] = [
      [{ msgtype: 'voice' }, /msgtype must be one of/],
      [{ msgtype: 'text', text: { content: 'x'.repeat(2049) } }, /2048 bytes/],
      [{ msgtype: 'text', text: { content: '汉'.repeat(683) } }, /2048 bytes/],
      [{ msgtype: 'image', image: {} }, /image\.media_id is required/],
      [{ msgtype: 'file' }, /file is required/],
      [{ ...NEWS, news: { articles: [] } }, /1 to 8 articles/],
      [{ ...NEWS, news: { articles: Array.from({ length: 9 }, () => NEWS.news.articles[0]) } }, /1 to 8 articles/],
      [{ ...NEWS, news: { articles: [{ title: 't'.repeat(129), url: 'u' }] } }, /title must be at most 128 bytes/],
      [{ ...NEWS, news: { articles: [{ title: 't' }] } }, /url or .*appid is required/],
      [{ ...NEWS, news: { articles: [{ title: 't', appid: 'wx1' }] } }, /go together/],
      [{ msgtype: 'mpnews', mpnews: { articles: [{ title: 't', content: 'c' }] } }, /thumb_media_id is required/],
      [{ ...NOTICE, miniprogram_notice: { ...NOTICE.miniprogram_notice, title: '短' } }, /title must be 4 to 12/],
      [{ ...NOTICE, miniprogram_notice: { ...NOTICE.miniprogram_notice, content_item: Array.from({ length: 11 }, () => ({ key: 'k', value: 'v' })) } }, /at most 10 items/],
      [{ ...NOTICE, miniprogram_notice: { ...NOTICE.miniprogram_notice, content_item: [{ key: 'k'.repeat(11), value: 'v' }] } }, /key must be at most 10/],
      [{ ...TEXT, safe: 3 }, /safe must be one of/],
      [{ ...TEXT, duplicate_check_interval: 14401 }, /duplicate_check_interval/],
    ];
    for (const [msg, error] of bad) assert.match(channel.validate(msg as Record<string, unknown>) ?? 'accepted', error, JSON.stringify(msg).slice(0, 80));
    // the reference writes duplicate_check_interval as a string for some types
    assert.equal(channel.validate({ ...TEXT, duplicate_check_interval: '1800' }), undefined);
  });
});
