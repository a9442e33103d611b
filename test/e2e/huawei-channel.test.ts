import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createHuaweiChannel } from '../../src/channels/huawei/index.js';
import type { Channel, ChannelCredentials, TargetResult } from '../../src/channels/types.js';
import { FakeHms } from '../fakes/huawei-server.js';
import { ChannelReceiptServer } from '../helpers/channel-receipt-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';

const kinds = (rs: TargetResult[]) => rs.map((r) => r.kind);

describe('Huawei HMS channel against the fake Push Kit (real HTTP)', () => {
  let fake: FakeHms;
  let channel: ReturnType<typeof createHuaweiChannel>;
  let creds: ChannelCredentials;

  before(async () => {
    fake = await FakeHms.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    channel = createHuaweiChannel({ endpoint: fake.url, tokenEndpoint: fake.tokenEndpoint });
    creds = fake.createApp();
    fake.sends.length = 0;
    fake.tokenRequests.length = 0;
    fake.tokenModes.clear();
  });

  test('a notification arrives with the android fields, the vendor options, and the msg_id as bi_tag', async () => {
    const push = acceptedPush({
      notification: {
        alert: 'top',
        android: {
          alert: 'Hello',
          title: 'Greeting',
          channel_id: 'news',
          intent: { url: 'intent:#Intent;component=com.example/.Main;end' },
          badge_add_num: 2,
          badge_class: 'com.example.Main',
          style: 1,
          big_text: 'A long text',
          display_foreground: '0',
          priority: 1,
          extras: { id: 7 },
        },
      },
      options: {
        timeToLive: 600,
        classification: 1,
        raw: {
          receipt_id: 'RCP1',
          third_party_channel: {
            huawei: { channel_id: 'hw-news', importance: 'LOW', urgency: 'high', category: 'IM', sound: '/raw/shake', large_icon: 'https://img.example/i.png', small_icon_uri: '/raw/ic', target_user_type: 1 },
          },
        },
      },
    });
    const results = await channel.send(push, [relayTarget('tok-1'), relayTarget('tok-2')], creds);
    assert.deepEqual(kinds(results), ['delivered', 'delivered']);
    assert.deepEqual((results[0] as { notes?: string[] }).notes, ['priority: not carried by HMS']);
    assert.equal(fake.sends.length, 1);
    const { message } = fake.sends[0]!.body;
    assert.deepEqual(message.token, ['tok-1', 'tok-2']);
    const android = message.android!;
    assert.match(String(android.ttl), /^(599|600)s$/);
    assert.equal(android.bi_tag, push.msgId);
    assert.equal(android.urgency, 'HIGH');
    assert.equal(android.category, 'IM');
    assert.equal(android.receipt_id, 'RCP1');
    assert.equal(android.target_user_type, 1);
    assert.deepEqual(android.notification, {
      body: 'Hello',
      title: 'Greeting',
      click_action: { type: 1, intent: 'intent:#Intent;component=com.example/.Main;end' },
      channel_id: 'hw-news',
      sound: '/raw/shake',
      default_sound: false,
      icon: '/raw/ic',
      image: 'https://img.example/i.png',
      tag: push.msgId,
      style: 1,
      big_title: 'Greeting',
      big_body: 'A long text',
      // options.classification 1 wins over third_party_channel.huawei.importance
      importance: 'NORMAL',
      badge: { class: 'com.example.Main', add_num: 2 },
      foreground_show: false,
    });
    assert.deepEqual(JSON.parse(message.data!), { msg_id: push.msgId, extras: { id: 7 } });
    assert.match(String(fake.sends[0]!.headers.authorization), /^Bearer CV/);
  });

  test('a custom message is a pass-through data message; notification_3rd v1 shows it; unsupported fields are noted', async () => {
    const plain = acceptedPush({ message: { msg_content: 'payload', title: 't', extras: { n: 1 } } });
    const shown = acceptedPush({
      message: { msg_content: 'payload2' },
      notification3rd: { title: 'Mail', content: 'You have mail', uri_action: 'com.example.OPEN', badge_add_num: 1, channel_id: 'c1' },
      options: { raw: { third_party_channel: { huawei: { hw_push_type: 7, hw_live_payload: { activityId: 1 }, style: 3 } } } },
    });
    const r1 = await channel.send(plain, [relayTarget('a')], creds);
    const r2 = await channel.send(shown, [relayTarget('b')], creds);
    assert.deepEqual(kinds([...r1, ...r2]), ['delivered', 'delivered']);
    const [m1, m2] = fake.sends.map((s) => s.body.message);
    assert.equal(m1!.android!.notification, undefined);
    assert.deepEqual(JSON.parse(m1!.data!), { msg_id: plain.msgId, msg_content: 'payload', title: 't', extras: { n: 1 } });
    const n2 = m2!.android!.notification as Record<string, unknown>;
    assert.equal(n2.body, 'You have mail');
    assert.deepEqual(n2.click_action, { type: 1, action: 'com.example.OPEN' });
    assert.equal(n2.channel_id, 'c1');
    assert.equal(n2.badge, undefined);
    const notes = (r2[0] as { notes: string[] }).notes;
    assert.ok(notes.some((n) => n.startsWith('big_pic_path')));
    assert.ok(notes.some((n) => n.startsWith('badge_add_num')));
    assert.ok(notes.some((n) => n.startsWith('hw_live_payload')));
  });

  test('dead tokens inside a successful answer, all tokens invalid, flow control, quota and internal errors', async () => {
    fake.tokenModes.set('dead-1', { kind: 'illegal' });
    fake.tokenModes.set('dead-2', { kind: 'illegal' });
    const push = acceptedPush({ notification: { alert: 'hi' } });
    const partial = await channel.send(push, ['ok-1', 'dead-1', 'ok-2', 'dead-2'].map((t) => relayTarget(t)), creds);
    assert.deepEqual(kinds(partial), ['delivered', 'tokenDead', 'delivered', 'tokenDead']);
    assert.deepEqual(kinds(await channel.send(push, [relayTarget('dead-1')], creds)), ['tokenDead']);

    fake.tokenModes.set('busy', { kind: 'flowControl', times: 1, retryAfter: '4' });
    const busy = await channel.send(push, [relayTarget('busy'), relayTarget('x')], creds);
    assert.deepEqual(kinds(busy), ['retry', 'retry']);
    assert.equal((busy[0] as { afterMs?: number }).afterMs, 4000);
    assert.deepEqual(kinds(await channel.send(push, [relayTarget('busy'), relayTarget('x')], creds)), ['delivered', 'delivered']);

    fake.tokenModes.set('q', { kind: 'quota' });
    const quota = await channel.send(push, [relayTarget('q')], creds);
    assert.equal(quota[0]!.kind, 'quotaExceeded');
    assert.equal((quota[0] as { category?: string }).category, 'test');
    assert.ok((quota[0] as { resetAt: number }).resetAt > Date.now());

    fake.tokenModes.set('boom', { kind: 'internal' });
    assert.deepEqual(kinds(await channel.send(push, [relayTarget('boom')], creds)), ['retry']);
    // an empty or non-string token never reaches HMS
    assert.deepEqual(kinds(await channel.send(push, [relayTarget('')], creds)), ['tokenDead']);
  });

  test('more targets than one request takes are split into requests of at most 1,000 tokens', async () => {
    const push = acceptedPush({ notification: { alert: 'many' } });
    const targets = Array.from({ length: 2500 }, (_, i) => relayTarget(`bulk-${i}`));
    const results = await channel.send(push, targets, creds);
    assert.equal(results.length, 2500);
    assert.ok(results.every((r) => r.kind === 'delivered'));
    assert.deepEqual(fake.sends.map((s) => s.body.message.token.length), [1000, 1000, 500]);
    assert.equal(fake.tokenRequests.length, 1);
  });

  test('the access token is cached, renewed when Push Kit calls it expired, and renewed before it expires', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    await channel.send(push, [relayTarget('a')], creds);
    await channel.send(push, [relayTarget('b')], creds);
    assert.equal(fake.tokenRequests.length, 1);
    fake.expireAccessTokens();
    assert.deepEqual(kinds(await channel.send(push, [relayTarget('c')], creds)), ['delivered']);
    assert.equal(fake.tokenRequests.length, 2);
    // 80200003 then 200: the request went twice, the second with the new token
    assert.deepEqual(fake.sends.slice(-1).map((s) => s.code), ['80000000']);

    fake.tokenLifetime = 4; // renewed at half-life: after 2 s
    try {
      const short = createHuaweiChannel({ endpoint: fake.url, tokenEndpoint: fake.tokenEndpoint });
      await short.send(push, [relayTarget('a')], creds);
      await short.send(push, [relayTarget('a')], creds);
      assert.equal(fake.tokenRequests.length, 3);
      await new Promise((r) => setTimeout(r, 2200));
      await short.send(push, [relayTarget('a')], creds);
      assert.equal(fake.tokenRequests.length, 4);
    } finally {
      fake.tokenLifetime = 3600;
    }
  });

  test('wrong or malformed credentials are refused for good; an unreachable or silent vendor is retried', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    const wrong = await channel.send(push, [relayTarget('a'), relayTarget('b')], { ...creds, appSecret: 'nope' });
    assert.deepEqual(kinds(wrong), ['rejected', 'rejected']);
    assert.match((wrong[0] as { reason: string }).reason, /1101/);
    const malformed = await channel.send(push, [relayTarget('a')], { appId: 'x y', appSecret: 's' });
    assert.equal((malformed[0] as { code?: string }).code, 'bad_credentials');
    // another app's App ID with this app's secret: refused at the token endpoint
    const other = fake.createApp();
    const crossed = await channel.send(push, [relayTarget('a')], { appId: other.appId, appSecret: creds.appSecret as string });
    assert.equal((crossed[0] as { code?: string }).code, 'auth');

    const down = createHuaweiChannel({ endpoint: 'http://127.0.0.1:1', tokenEndpoint: fake.tokenEndpoint });
    assert.deepEqual(kinds(await down.send(push, [relayTarget('a')], creds)), ['retry']);
    fake.tokenModes.set('stuck', { kind: 'hang' });
    const impatient = createHuaweiChannel({ endpoint: fake.url, tokenEndpoint: fake.tokenEndpoint, timeoutMs: 300 });
    const stuck = await impatient.send(push, [relayTarget('stuck')], creds);
    assert.equal(stuck[0]!.kind, 'retry');
    assert.match((stuck[0] as { reason: string }).reason, /in time/);
  });

  test('a message over 4 KB is refused, or shortened when auto_truncation is set', async () => {
    const long = 'x'.repeat(5000);
    const refused = await channel.send(acceptedPush({ notification: { alert: long } }), [relayTarget('a')], creds);
    assert.equal((refused[0] as { code?: string }).code, 'payload_too_large');
    const shortened = await channel.send(acceptedPush({ notification: { alert: long }, options: { raw: { auto_truncation: true } } }), [relayTarget('a')], creds);
    assert.equal(shortened[0]!.kind, 'delivered');
    assert.ok((shortened[0] as { notes: string[] }).notes.some((n) => n.startsWith('body: shortened')));
    assert.equal(fake.sends.length, 1);
  });

  describe('receipts', () => {
    let receiver: ChannelReceiptServer;
    let stored: ChannelCredentials;
    const auth = { user: 'hw-callback', key: 'k3y-for-receipts' };

    before(async () => {
      receiver = await ChannelReceiptServer.start(createHuaweiChannel(), () => stored);
    });
    after(() => receiver.close());

    test('signed receipts are read: delivered, dead (uninstalled / unknown token), others ignored; V1 bodies too', async () => {
      stored = { appId: '1', appSecret: 's', callbackUser: auth.user, callbackKey: auth.key };
      const answer = await fake.postReceipts(
        receiver.url,
        [
          { token: 'tok-1', biTag: '1000000123', result: 0, timestamp: 1_700_000_000_000 },
          { token: 'tok-2', biTag: '1000000123', result: 2 },
          { token: 'tok-3', biTag: '1000000123', result: 5 },
          { token: 'tok-4', biTag: '1000000123', result: 6 },
          { token: 'tok-5', biTag: 'not-ours', result: 0 },
        ],
        auth,
      );
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(answer.body), { errno: '0', errmsg: 'success' });
      const last = receiver.answers.at(-1)!;
      assert.ok(last.accepted);
      assert.deepEqual(
        last.receipts.map((r) => [r.token, r.kind]),
        [
          ['tok-1', 'received'],
          ['tok-2', 'tokenDead'],
          ['tok-3', 'tokenDead'],
        ],
      );
      assert.equal(last.receipts[0]!.at, 1_700_000_000_000);
      const v1 = await fake.postReceipts(receiver.url, [{ token: 'tok-9', biTag: '1000000124', result: 0 }], auth, { version: 1 });
      assert.equal(v1.status, 200);
      assert.deepEqual((receiver.answers.at(-1) as { receipts: unknown[] }).receipts.length, 1);
    });

    test('a wrong signature, no signature, or an app without callback settings is refused', async () => {
      stored = { appId: '1', appSecret: 's', callbackUser: auth.user, callbackKey: auth.key };
      const statuses = [{ token: 'tok-1', biTag: '1000000123', result: 2 }];
      assert.equal((await fake.postReceipts(receiver.url, statuses, { ...auth, key: 'wrong' })).status, 401);
      assert.equal((await fake.postReceipts(receiver.url, statuses, { ...auth, user: 'someone' })).status, 401);
      assert.equal((await fake.postReceipts(receiver.url, statuses)).status, 401);
      stored = { appId: '1', appSecret: 's' };
      assert.equal((await fake.postReceipts(receiver.url, statuses, auth)).status, 403);
      assert.ok(receiver.answers.slice(-4).every((a) => !a.accepted));
    });

    test('hostile bodies and headers are refused without a throw', async () => {
      stored = { appId: '1', appSecret: 's', callbackUser: auth.user, callbackKey: auth.key };
      const ch: Channel = createHuaweiChannel();
      const { signCallbackId } = await import('../../src/channels/huawei/receipts.js');
      const header = signCallbackId(auth, Date.now(), 'n1');
      for (const body of ['', 'null', '[]', '{"statuses":{}}', '{"statuses":[null,1,"x",{"token":5}]}', '\u0000\u0001']) {
        const a = ch.receipts!({ appKey: 'k', headers: { 'x-huawei-callback-id': header }, query: {}, rawBody: Buffer.from(body) }, stored);
        assert.ok(a.status === 400 || (a.accepted && a.receipts.length === 0), body);
      }
      const stale = signCallbackId(auth, Date.now() - 3_600_000, 'n2');
      const old = ch.receipts!({ appKey: 'k', headers: { 'x-huawei-callback-id': stale }, query: {}, rawBody: Buffer.from('{"statuses":[]}') }, stored);
      assert.equal(old.status, 401);
      for (const h of ['timestamp=;nonce=;value=', 'garbage', 'timestamp=1;nonce=a;value=b', 'x'.repeat(5000)]) {
        assert.equal(ch.receipts!({ appKey: 'k', headers: { 'x-huawei-callback-id': h }, query: {}, rawBody: Buffer.from('{}') }, stored).status, 401);
      }
    });
  });
});
