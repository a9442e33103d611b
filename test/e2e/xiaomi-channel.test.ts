import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Channel, ChannelCredentials, VendorReceipt } from '../../src/channels/types.js';
import { createXiaomiChannel } from '../../src/channels/xiaomi/index.js';
import { FakeXiaomi } from '../fakes/xiaomi-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';
import { cnVendorChannelTest } from '../helpers/cn-vendor-channel-test.js';
import type { ReceiptSink } from '../helpers/vendor-receipt-sink.js';

const CREDS: ChannelCredentials = { appSecret: 'mi-secret-1', package: 'com.example.news' };

describe('Xiaomi channel against the fake Mi Push (real HTTP)', () => {
  let fake: FakeXiaomi;
  let sink: ReceiptSink;
  let channel: Channel;

  cnVendorChannelTest(
    {
      start: async () => {
        const started = await FakeXiaomi.start();
        started.addApp('mi-secret-1', 'com.example.news');
        return started;
      },
      creds: CREDS,
      create: (endpoint, receiptBaseUrl) => createXiaomiChannel({ endpoint, receiptBaseUrl }),
    },
    (s) => ({ fake, sink, channel } = s),
  );

  test('a notification arrives with its Xiaomi fields; fields Xiaomi cannot carry are noted', async () => {
    const push = acceptedPush({
      notification: {
        alert: 'top',
        android: {
          alert: 'A long story short',
          title: 'News',
          channel_id: 'android-channel',
          sound: 'ding.mp3',
          alert_type: 3,
          large_icon: 'https://img.example/l.png',
          badge_add_num: 1,
          intent: { url: 'intent:#Intent;component=com.example.news/.Detail;end' },
          extras: { article: 42 },
        },
      },
      options: { timeToLive: 600, overrideMsgId: '777', raw: { third_party_channel: { xiaomi: { distribution: 'ospush', channel_id: 'mi-channel', skip_quota: true, small_icon_color: '#fff' } } } },
    });
    const results = await channel.send(push, [relayTarget('reg-1'), relayTarget('reg-2')], CREDS);
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'delivered']);
    const delivered = results[0] as { vendorMessageId?: string; notes?: string[] };
    assert.match(delivered.vendorMessageId!, /^sdm/);
    assert.deepEqual(delivered.notes?.sort(), [
      'notification.android.badge_add_num is not carried by xiaomi',
      'notification.android.large_icon is not carried by xiaomi',
      'third_party_channel.xiaomi.small_icon_color is not carried by xiaomi',
    ]);
    assert.equal(fake.sends.length, 1);
    const { form, regIds } = fake.sends[0]!;
    assert.deepEqual(regIds, ['reg-1', 'reg-2']);
    assert.equal(fake.requests[0]!.headers.authorization, 'key=mi-secret-1');
    assert.equal(form.title, 'News');
    assert.equal(form.description, 'A long story short');
    assert.equal(form.pass_through, '0');
    assert.equal(form.restricted_package_name, 'com.example.news');
    assert.equal(form.notify_type, '3');
    assert.equal(form['extra.channel_id'], 'mi-channel');
    assert.equal(form['extra.sound_uri'], 'android.resource://com.example.news/raw/ding');
    assert.equal(form['extra.notify_effect'], '2');
    assert.equal(form['extra.intent_uri'], 'intent:#Intent;component=com.example.news/.Detail;end');
    assert.ok(Number(form.time_to_live) > 590_000 && Number(form.time_to_live) <= 600_000);
    assert.deepEqual(JSON.parse(form.payload!), { msg_id: push.msgId, extras: { article: 42 } });
    assert.equal(form['extra.callback.param'], push.msgId);
    assert.equal(form['extra.callback.type'], '19');
    assert.match(form['extra.callback']!, new RegExp(`^${sink.url}/v1/vendors/xiaomi/receipts/a{24}\\?t=[\\w-]{22}$`));
    // the replacing push lands in the slot of the one it overrides
    const original = acceptedPush({ notification: { alert: 'first' } });
    await channel.send({ ...original, msgId: '777' }, [relayTarget('reg-1')], CREDS);
    assert.equal(fake.sends[1]!.form.notify_id, form.notify_id);
  });

  test('limits: a too-long description is refused unless auto_truncation; the short Xiaomi text wins; big-text style', async () => {
    const long = 'x'.repeat(200);
    const refused = await channel.send(acceptedPush({ notification: { android: { alert: long, title: 'T' } } }), [relayTarget('r')], CREDS);
    assert.equal(refused[0]!.kind, 'rejected');
    assert.match((refused[0] as { reason: string }).reason, /127 characters/);
    assert.equal(fake.sends.length, 0);
    const cut = await channel.send(acceptedPush({ notification: { android: { alert: long, title: 'T' } }, options: { raw: { auto_truncation: true } } }), [relayTarget('r')], CREDS);
    assert.equal(cut[0]!.kind, 'delivered');
    assert.equal([...fake.sends[0]!.form.description!].length, 127);
    assert.ok((cut[0] as { notes: string[] }).notes.some((n) => /cut to 127/.test(n)));
    await channel.send(acceptedPush({ notification: { android: { alert: long, mipns_content_forshort: 'short one' } } }), [relayTarget('r')], CREDS);
    assert.equal(fake.sends[1]!.form.description, 'short one');
    await channel.send(acceptedPush({ notification: { android: { alert: 'a', style: 1, big_text: 'many lines of text' } } }), [relayTarget('r')], CREDS);
    assert.equal(fake.sends[2]!.form['extra.notification_style_type'], '1');
    assert.equal(fake.sends[2]!.form.description, 'many lines of text');
  });

  test('dead regIds inside a successful answer, an all-dead batch, quota, rate limit, HTTP 503', async () => {
    fake.tokenModes.set('gone-1', 'dead');
    fake.tokenModes.set('gone-2', 'dead');
    const push = acceptedPush({ notification: { alert: 'hi' } });
    const mixed = await channel.send(push, [relayTarget('ok-1'), relayTarget('gone-1'), relayTarget('ok-2'), relayTarget(''), relayTarget('gone-2')], CREDS);
    assert.deepEqual(mixed.map((r) => r.kind), ['delivered', 'tokenDead', 'delivered', 'tokenDead', 'tokenDead']);
    assert.deepEqual(fake.sends[0]!.regIds, ['ok-1', 'gone-1', 'ok-2', 'gone-2']);
    const allDead = await channel.send(push, [relayTarget('gone-1')], CREDS);
    assert.equal(allDead[0]!.kind, 'tokenDead');
    fake.quotaExhausted = true;
    const quota = await channel.send(push, [relayTarget('ok-1')], CREDS);
    assert.equal(quota[0]!.kind, 'quotaExceeded');
    const resetAt = (quota[0] as { resetAt: number }).resetAt;
    assert.ok(resetAt > Date.now() && resetAt <= Date.now() + 86_400_000);
    assert.equal(new Date(resetAt).getUTCHours(), 16); // 00:00 in China
    fake.quotaExhausted = false;
    fake.rateLimited = 1;
    assert.equal((await channel.send(push, [relayTarget('ok-1')], CREDS))[0]!.kind, 'retry');
    fake.unavailable = 1;
    const busy = await channel.send(push, [relayTarget('ok-1')], CREDS);
    assert.deepEqual(busy[0], { kind: 'retry', afterMs: 2000, reason: 'Xiaomi HTTP 503' });
    assert.equal((await channel.send(push, [relayTarget('ok-1')], CREDS))[0]!.kind, 'delivered');
  });

  test('wrong secret or package: refused, never retried; a custom message goes as pass-through', async () => {
    const push = acceptedPush({ notification: { alert: 'hi' } });
    const wrong = await channel.send(push, [relayTarget('r')], { ...CREDS, appSecret: 'nope' });
    assert.deepEqual(wrong[0], { kind: 'rejected', reason: 'Xiaomi 21301: Authentication failed', code: '21301' });
    const pkg = await channel.send(push, [relayTarget('r')], { ...CREDS, package: 'com.other.app' });
    assert.equal((pkg[0] as { code?: string }).code, '22022');
    const missing = await channel.send(push, [relayTarget('r')], { appSecret: 'mi-secret-1' });
    assert.equal((missing[0] as { code?: string }).code, 'bad_credentials');
    const msg = acceptedPush({ message: { msg_content: 'silent', extras: { k: 'v' } } });
    assert.equal((await channel.send(msg, [relayTarget('r')], CREDS))[0]!.kind, 'delivered');
    const form = fake.sends.at(-1)!.form;
    assert.equal(form.pass_through, '1');
    assert.deepEqual(JSON.parse(form.payload!), { msg_id: msg.msgId, msg_content: 'silent', extras: { k: 'v' } });
  });

  test('receipts: delivered, clicked and invalid-target receipts come back through the receipt URL; a forged URL is refused', async () => {
    const push = acceptedPush({ notification: { alert: 'hi' } });
    await channel.send(push, [relayTarget('reg-a'), relayTarget('reg-b')], CREDS);
    const send = fake.sends[0]!;
    assert.equal((await fake.sendReceipts(send, 1)).status, 200);
    assert.equal((await fake.sendReceipts(send, 2, ['reg-a'])).status, 200);
    assert.equal((await fake.sendReceipts(send, 16, ['reg-b'])).status, 200);
    assert.equal((await fake.sendReceipts(send, 32, ['reg-b'])).status, 200);
    const receipts = sink.answers.flatMap((a) => (a.accepted ? a.receipts : [])).map((r: VendorReceipt) => `${r.kind}:${r.token}:${r.msgId}`);
    assert.deepEqual(receipts, [`received:reg-a:${push.msgId}`, `received:reg-b:${push.msgId}`, `clicked:reg-a:${push.msgId}`, `tokenDead:reg-b:${push.msgId}`]);
    // the token in the URL is bound to the app's secret: another secret, another app or no token is refused
    const forged = { ...send, form: { ...send.form, 'extra.callback': send.form['extra.callback']!.replace(/t=.*$/, 't=AAAAAAAAAAAAAAAAAAAAAA') } };
    assert.equal((await fake.sendReceipts(forged, 1)).status, 401);
    const noToken = { ...send, form: { ...send.form, 'extra.callback': send.form['extra.callback']!.replace(/\?t=.*$/, '') } };
    assert.equal((await fake.sendReceipts(noToken, 1)).status, 401);
    const rotated = channel.receipts!({ appKey: 'a'.repeat(24), headers: {}, query: { t: new URL(send.form['extra.callback']!).searchParams.get('t')! }, rawBody: Buffer.from('data={}') }, { ...CREDS, appSecret: 'rotated' });
    assert.equal(rotated.accepted, false);
    // hostile bodies: an answer, never a throw
    const t = new URL(send.form['extra.callback']!).searchParams.get('t')!;
    for (const body of ['', 'data=[1,2]', 'data=%7Bnot json', `data=${encodeURIComponent(JSON.stringify({ x: { param: 'DROP TABLE', type: 1, targets: 'a' }, y: null }))}`]) {
      const answer = channel.receipts!({ appKey: 'a'.repeat(24), headers: {}, query: { t }, rawBody: Buffer.from(body) }, CREDS);
      assert.ok(!answer.accepted || answer.receipts.length === 0, body);
    }
  });
});
