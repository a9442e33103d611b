import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { MessagingChannel } from '../../src/messaging/types.js';
import { createWechatOaChannel } from '../../src/messaging/wechatoa/index.js';
import { FakeWechat } from '../fakes/wechat-server.js';

const APPID = 'wx1234567890abcdef';
const SECRET = '0123456789abcdef0123456789abcdef';
// the token-cache tests count every fetch: the classic token API issues a new token each time
const CREDENTIALS = { appid: APPID, secret: SECRET, token_api: 'classic' };
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

// the reference's examples
const TEMPLATE = {
  type: 0,
  template_id: 'ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY',
  url: 'http://weixin.qq.com/download',
  miniprogram: { appid: 'xiaochengxuappid12345', pagepath: 'index?foo=bar' },
  data: {
    first: { value: '恭喜你购买成功!', color: '#173177' },
    keyword1: { value: '巧克力', color: '#173177' },
    keyword2: { value: '39.8元', color: '#173177' },
    keyword3: { value: '2014年9月22日', color: '#173177' },
    remark: { value: '欢迎再次购买!', color: '#173177' },
  },
};
const SUBSCRIPTION = {
  type: 1,
  template_id: 'ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY',
  page: 'http://weixin.qq.com/download',
  miniprogram: { appid: 'xiaochengxuappid12345', pagepath: 'index?foo=bar' },
  data: { name1: { value: '广州腾讯科技有限公司' }, thing8: { value: '广州腾讯科技有限公司' }, time7: { value: '2019年8月8日' } },
};

describe('WeChat official account channel against the fake WeChat API (real HTTP)', () => {
  let fake: FakeWechat;
  let channel: MessagingChannel;

  before(async () => {
    fake = await FakeWechat.start();
    fake.addApp(APPID, SECRET);
  });
  after(() => fake.close());
  beforeEach(async () => {
    await channel?.close();
    channel = createWechatOaChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 4 });
    fake.sends.length = 0;
    fake.modes.clear();
    fake.tokens.revokeAll();
    fake.tokens.issued.clear();
    fake.tokens.lifetimeSeconds = 7200;
    fake.tokenEndpointBusy = false;
  });

  test('a template message and a subscription notice arrive with their fields; one token serves every send', async () => {
    assert.equal(channel.validate(TEMPLATE), undefined);
    assert.equal(channel.validate(SUBSCRIPTION), undefined);
    const first = await channel.send(TEMPLATE, [{ address: OPENID }, { address: 'oUpF8uN95-Ptaags6E_roPHg7AG0' }], CREDENTIALS);
    assert.deepEqual(first.map((r) => r.kind), ['submitted', 'submitted']);
    assert.match((first[0] as { vendorMessageId: string }).vendorMessageId, /^\d+$/);
    const second = await channel.send(SUBSCRIPTION, [{ address: OPENID }], CREDENTIALS);
    assert.deepEqual(second, [{ kind: 'submitted' }]);

    assert.equal(fake.sends.length, 3);
    const template = fake.sends.find((s) => s.body.touser === OPENID && s.path === '/cgi-bin/message/template/send')!;
    assert.equal(template.appid, APPID);
    const { type: _t, ...templateFields } = TEMPLATE;
    assert.deepEqual(template.body, { touser: OPENID, ...templateFields });
    const bizsend = fake.sends.find((s) => s.path === '/cgi-bin/message/subscribe/bizsend')!;
    const { type: _s, ...subscriptionFields } = SUBSCRIPTION;
    assert.deepEqual(bizsend.body, { touser: OPENID, ...subscriptionFields });
    assert.equal(fake.tokens.issued.get(APPID), 1);
  });

  test('per-recipient variables fill {{placeholders}} in the message', async () => {
    const msg = { type: 0, template_id: 'T1', data: { first: { value: 'Hello {{name}}' }, keyword1: { value: '{{amount}} yuan, {{missing}}' } } };
    const results = await channel.send(msg, [{ address: 'openid-a', params: { name: 'Li', amount: '9.9' } }, { address: 'openid-b', params: { name: 'Wang', amount: '1' } }], CREDENTIALS);
    assert.deepEqual(results.map((r) => r.kind), ['submitted', 'submitted']);
    const byUser = new Map(fake.sends.map((s) => [s.body.touser, s.body.data]));
    assert.deepEqual(byUser.get('openid-a'), { first: { value: 'Hello Li' }, keyword1: { value: '9.9 yuan, {{missing}}' } });
    assert.deepEqual(byUser.get('openid-b'), { first: { value: 'Hello Wang' }, keyword1: { value: '1 yuan, {{missing}}' } });
  });

  test('vendor errors are classified per recipient: invalid targets, retryable limits, refusals', async () => {
    fake.modes.set('o-invalid', 'invalid');
    fake.modes.set('o-unfollowed', 'unfollowed');
    fake.modes.set('o-refused', 'refused');
    fake.modes.set('o-quota', 'rateLimit', 1);
    fake.modes.set('o-busy', 'busy', 1);
    const addresses = ['o-ok', 'o-invalid', 'o-unfollowed', 'o-refused', 'o-quota', 'o-busy', 'not an openid!'];
    const results = await channel.send(TEMPLATE, addresses.map((address) => ({ address })), CREDENTIALS);
    assert.deepEqual(results.map((r) => r.kind), ['submitted', 'invalidTarget', 'invalidTarget', 'invalidTarget', 'failed', 'failed', 'invalidTarget']);
    assert.match((results[1] as { reason: string }).reason, /40003/);
    assert.match((results[2] as { reason: string }).reason, /43004/);
    assert.deepEqual({ ...results[4], reason: undefined }, { kind: 'failed', reason: undefined, code: '45009', retry: true });
    assert.deepEqual({ ...results[5], reason: undefined }, { kind: 'failed', reason: undefined, code: '-1', retry: true });
    // the malformed openid never reached WeChat
    assert.ok(!fake.sends.some((s) => s.body.touser === 'not an openid!'));
    // the retried ones go through later
    const again = await channel.send(TEMPLATE, [{ address: 'o-quota' }, { address: 'o-busy' }], CREDENTIALS);
    assert.deepEqual(again.map((r) => r.kind), ['submitted', 'submitted']);

    fake.unknownTemplates.add('gone');
    const refused = await channel.send({ ...TEMPLATE, template_id: 'gone' }, [{ address: OPENID }], CREDENTIALS);
    assert.deepEqual({ ...refused[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '40037', retry: false });
  });

  test('an invalid-token answer renews the token and sends once more; a token refused twice fails retryable', async () => {
    await channel.send(TEMPLATE, [{ address: OPENID }], CREDENTIALS);
    assert.equal(fake.tokens.issued.get(APPID), 1);
    // the secret was reset elsewhere: every token so far is dead (40001)
    fake.tokens.revokeAll();
    const results = await channel.send(TEMPLATE, [{ address: 'o-1' }, { address: 'o-2' }, { address: 'o-3' }], CREDENTIALS);
    assert.deepEqual(results.map((r) => r.kind), ['submitted', 'submitted', 'submitted']);
    assert.equal(fake.tokens.issued.get(APPID), 2, 'one renewal shared by the concurrent sends');

    fake.modes.set('o-stubborn', 'tokenRejected', 2);
    const stubborn = await channel.send(TEMPLATE, [{ address: 'o-stubborn' }], CREDENTIALS);
    assert.equal(stubborn[0]!.kind, 'failed');
    assert.equal((stubborn[0] as { retry: boolean }).retry, true);
    assert.equal(fake.tokens.issued.get(APPID), 3, 'renewed once, not in a loop');
  });

  test('a token is renewed before it expires (at half-life for short lifetimes)', async () => {
    fake.tokens.lifetimeSeconds = 2;
    await channel.send(TEMPLATE, [{ address: OPENID }], CREDENTIALS);
    assert.equal(fake.tokens.issued.get(APPID), 1);
    await new Promise((r) => setTimeout(r, 1100));
    const results = await channel.send(TEMPLATE, [{ address: OPENID }], CREDENTIALS);
    assert.equal(results[0]!.kind, 'submitted');
    assert.equal(fake.tokens.issued.get(APPID), 2);
  });

  test('credentials: shape checked before storing; a refused grant fails without retry, a busy token endpoint with retry', async () => {
    assert.equal(channel.checkCredentials(CREDENTIALS), undefined);
    assert.match(channel.checkCredentials({ appid: 'nope', secret: SECRET })!, /appid/);
    assert.match(channel.checkCredentials({ appid: APPID })!, /secret/);
    assert.match(channel.checkCredentials({ appid: APPID, secret: 'short' })!, /secret/);

    const wrong = await channel.send(TEMPLATE, [{ address: OPENID }], { appid: APPID, secret: 'ffffffffffffffffffffffffffffffff' });
    assert.deepEqual({ ...wrong[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '40125', retry: false });
    const unknown = await channel.send(TEMPLATE, [{ address: OPENID }], { appid: 'wxffffffffffffffff', secret: SECRET });
    assert.equal((unknown[0] as { code: string }).code, '40013');

    fake.tokenEndpointBusy = true;
    const busy = await channel.send(TEMPLATE, [{ address: OPENID }], CREDENTIALS);
    assert.deepEqual({ ...busy[0], reason: undefined }, { kind: 'failed', reason: undefined, code: '-1', retry: true });
    const malformed = await channel.send(TEMPLATE, [{ address: OPENID }], { appid: 1 });
    assert.equal((malformed[0] as { retry: boolean }).retry, false);
    assert.equal(fake.sends.length, 0);
  });

  test('hostile answers (not JSON, huge, silent, trickling) are failures, never a throw or a hang', async () => {
    fake.modes.set('o-garbage', 'garbage');
    fake.modes.set('o-huge', 'huge');
    fake.modes.set('o-silent', 'silent');
    fake.modes.set('o-trickle', 'trickle');
    const hostile = createWechatOaChannel({ endpoint: fake.url, timeoutMs: 1000, concurrency: 4 });
    const started = Date.now();
    const results = await hostile.send(TEMPLATE, ['o-garbage', 'o-huge', 'o-silent', 'o-trickle'].map((address) => ({ address })), CREDENTIALS);
    const elapsed = Date.now() - started;
    await hostile.close();
    assert.deepEqual(results.map((r) => r.kind), ['failed', 'failed', 'failed', 'failed']);
    assert.ok(results.slice(0, 4).every((r) => (r as { retry: boolean }).retry));
    assert.match((results[0] as { reason: string }).reason, /HTTP 502 without JSON/);
    assert.match((results[2] as { reason: string }).reason, /in time/);
    assert.match((results[3] as { reason: string }).reason, /in time/);
    assert.ok(elapsed < 8000, `bounded by the 1 s timeout, took ${elapsed} ms`);
    // WeChat still answers the others
    assert.equal((await channel.send(TEMPLATE, [{ address: 'o-fine' }], CREDENTIALS))[0]!.kind, 'submitted');
  });

  test('validate: required fields, types, colours, jumps and subscription value limits', () => {
    const bad: [unknown, RegExp][] = [
      [{ ...TEMPLATE, type: 2 }, /type/],
      [{ ...TEMPLATE, template_id: undefined }, /template_id is required/],
      [{ ...TEMPLATE, data: undefined }, /data is required/],
      [{ ...TEMPLATE, data: {} }, /data must not be empty/],
      [{ ...TEMPLATE, data: { first: 'x' } }, /data\.first must be an object/],
      [{ ...TEMPLATE, data: { first: { color: '#173177' } } }, /data\.first\.value is required/],
      [{ ...TEMPLATE, data: { first: { value: 'x', color: 'red' } } }, /color is malformed/],
      [{ ...TEMPLATE, url: 'ftp://x' }, /url is malformed/],
      [{ ...TEMPLATE, miniprogram: { pagepath: 'index' } }, /miniprogram\.appid is required/],
      [{ ...SUBSCRIPTION, data: { thing1: { value: 'x'.repeat(21) } } }, /thing1\.value must be at most 20/],
      [{ ...SUBSCRIPTION, data: { name1: { value: '张'.repeat(11) } } }, /name1\.value must be at most 10/],
      [{ ...SUBSCRIPTION, data: { number1: { value: '12a' } } }, /number1\.value must be a number/],
      [{ ...SUBSCRIPTION, data: { phrase1: { value: '配送中配送中' } } }, /phrase1\.value must be at most 5/],
    ];
    for (const [msg, error] of bad) assert.match(channel.validate(msg as Record<string, unknown>) ?? 'accepted', error, JSON.stringify(msg));
    // a template message's values have no subscription limits
    assert.equal(channel.validate({ ...TEMPLATE, data: { thing1: { value: 'x'.repeat(100) } } }), undefined);
  });

  test('stable_token (the default): two nodes share one token, a new one only once it expired', async () => {
    const stable = { appid: APPID, secret: SECRET };
    const other = createWechatOaChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 4 });
    fake.stableTokenRequests.length = 0;
    try {
      const a = await channel.send(TEMPLATE, [{ address: 'o-a' }], stable);
      const b = await other.send(TEMPLATE, [{ address: 'o-b' }], stable);
      assert.deepEqual([...a, ...b].map((r) => r.kind), ['submitted', 'submitted']);
      assert.equal(fake.tokens.issued.get(APPID), 1, 'the second node got the same token');
      assert.deepEqual(fake.stableTokenRequests[0], { grant_type: 'client_credential', appid: APPID, secret: SECRET, force_refresh: false });
      assert.equal((await other.accessToken(stable)).token, (await createWechatOaChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 1 }).accessToken(stable)).token);
      fake.tokens.expireAll();
      const c = await other.send(TEMPLATE, [{ address: 'o-c' }], stable);
      assert.equal(c[0]!.kind, 'submitted');
      assert.equal(fake.tokens.issued.get(APPID), 2);
      await assert.rejects(other.accessToken({ ...stable, secret: 'ffffffffffffffffffffffffffffffff' }), /40125/);
      assert.match(channel.checkCredentials({ ...stable, token_api: 'other' })!, /token_api/);
    } finally {
      await other.close();
    }
  });
});
