import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { issuesAccessTokens } from '../../src/messaging/access-tokens.js';
import type { MessagingChannel } from '../../src/messaging/types.js';
import { createWechatMpChannel } from '../../src/messaging/wechatmp/index.js';
import { FakeWechat } from '../fakes/wechat-server.js';

const APPID = 'wxfedcba0987654321';
const SECRET = 'abcdef0123456789abcdef0123456789';
// the token-cache tests count every fetch: the classic token API issues a new token each time
const CREDENTIALS = { appid: APPID, secret: SECRET, token_api: 'classic' };

// the reference's example
const MESSAGE = {
  template_id: 'TEMPLATE_ID',
  page: 'index',
  miniprogram_state: 'developer',
  lang: 'zh_CN',
  data: { number01: { value: '339208499' }, date01: { value: '2015年01月05日' }, site01: { value: 'TIT创意园' }, site02: { value: '广州市新港中路397号' } },
};

describe('WeChat mini program channel against the fake WeChat API (real HTTP)', () => {
  let fake: FakeWechat;
  let channel: MessagingChannel;

  before(async () => {
    fake = await FakeWechat.start();
    fake.addApp(APPID, SECRET);
  });
  after(() => fake.close());
  beforeEach(async () => {
    await channel?.close();
    channel = createWechatMpChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 4 });
    fake.sends.length = 0;
    fake.modes.clear();
    fake.tokens.issued.clear();
  });

  test('a subscription message reaches subscribe/send with every field and the openid as touser', async () => {
    assert.equal(channel.validate(MESSAGE), undefined);
    const results = await channel.send(MESSAGE, [{ address: 'oMini-1' }, { address: 'oMini-2' }], CREDENTIALS);
    assert.deepEqual(results, [{ kind: 'submitted' }, { kind: 'submitted' }]);
    assert.equal(fake.sends.length, 2);
    for (const s of fake.sends) {
      assert.equal(s.path, '/cgi-bin/message/subscribe/send');
      assert.equal(s.appid, APPID);
    }
    assert.deepEqual(fake.sends.find((s) => s.body.touser === 'oMini-1')!.body, { touser: 'oMini-1', ...MESSAGE });
    assert.equal(fake.tokens.issued.get(APPID), 1);
  });

  test('a user who refused (43101) or an unknown openid (40003) is an invalid target; a busy WeChat is retried', async () => {
    fake.modes.set('o-refused', 'refused');
    fake.modes.set('o-invalid', 'invalid');
    fake.modes.set('o-busy', 'busy');
    const results = await channel.send(MESSAGE, ['o-refused', 'o-invalid', 'o-busy'].map((address) => ({ address })), CREDENTIALS);
    assert.deepEqual(results.map((r) => r.kind), ['invalidTarget', 'invalidTarget', 'failed']);
    assert.match((results[0] as { reason: string }).reason, /43101/);
    assert.equal((results[2] as { retry: boolean }).retry, true);
  });

  test('a token WeChat calls expired (42001) is renewed and the send repeated once', async () => {
    await channel.send(MESSAGE, [{ address: 'o-1' }], CREDENTIALS);
    fake.tokens.expireAll();
    const results = await channel.send(MESSAGE, [{ address: 'o-2' }], CREDENTIALS);
    assert.deepEqual(results, [{ kind: 'submitted' }]);
    assert.equal(fake.tokens.issued.get(APPID), 2);
    assert.deepEqual(fake.sends.map((s) => s.body.touser), ['o-1', 'o-2']);
  });

  test('the channel hands out its current token for the UMS token API', async () => {
    assert.ok(issuesAccessTokens(channel));
    const { token, expiresIn } = await channel.accessToken(CREDENTIALS);
    assert.ok(expiresIn > 7000 && expiresIn <= 7200);
    assert.equal(fake.tokens.check(token), APPID);
    // the same token; its seconds left may tick down between two calls that straddle a millisecond
    const [again, third] = [await channel.accessToken(CREDENTIALS), await channel.accessToken(CREDENTIALS)];
    assert.equal(again.token, token);
    assert.equal(third.token, token);
    assert.ok(expiresIn - third.expiresIn <= 1 && third.expiresIn <= again.expiresIn, `${expiresIn} ${again.expiresIn} ${third.expiresIn}`);
    assert.equal(fake.tokens.issued.get(APPID), 1);
    await assert.rejects(channel.accessToken({ appid: APPID, secret: 'ffffffffffffffffffffffffffffffff' }), /40125/);
    await assert.rejects(channel.accessToken({ appid: 'x' }), /credentials: appid/);
  });

  test('validate: template_id and data required, state and language from their lists, value limits by type', () => {
    const bad: [unknown, RegExp][] = [
      [{ ...MESSAGE, template_id: '' }, /template_id must not be empty/],
      [{ ...MESSAGE, data: null }, /data is required/],
      [{ ...MESSAGE, miniprogram_state: 'beta' }, /miniprogram_state is malformed/],
      [{ ...MESSAGE, lang: 'fr_FR' }, /lang is malformed/],
      [{ ...MESSAGE, data: { thing2: { value: '一二三四五六七八九十一二三四五六七八九十一' } } }, /thing2\.value must be at most 20/],
      [{ ...MESSAGE, data: { character_string3: { value: 'x'.repeat(33) } } }, /at most 32/],
      [{ ...MESSAGE, data: { 'bad key': { value: 'x' } } }, /key must be/],
      [{ ...MESSAGE, data: { ok: { value: { nested: true } } } }, /string or a number/],
    ];
    for (const [msg, error] of bad) assert.match(channel.validate(msg as Record<string, unknown>) ?? 'accepted', error, JSON.stringify(msg));
  });
});
