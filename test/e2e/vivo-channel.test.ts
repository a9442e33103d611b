import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Channel, ChannelCredentials } from '../../src/channels/types.js';
import { createVivoChannel } from '../../src/channels/vivo/index.js';
import { FakeVivo } from '../fakes/vivo-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';
import { cnVendorChannelTest } from '../helpers/cn-vendor-channel-test.js';
import type { ReceiptSink } from '../helpers/vendor-receipt-sink.js';

const CREDS: ChannelCredentials = { appId: '10004', appKey: 'vivo-key', appSecret: 'vivo-secret' };

describe('vivo channel against the fake vivo push (real HTTP)', () => {
  let fake: FakeVivo;
  let sink: ReceiptSink;
  let channel: Channel;

  cnVendorChannelTest(
    {
      start: async () => {
        const started = await FakeVivo.start();
        started.addApp('10004', 'vivo-key', 'vivo-secret');
        return started;
      },
      creds: CREDS,
      create: (endpoint, receiptBaseUrl) => createVivoChannel({ endpoint, receiptBaseUrl }),
    },
    (s) => ({ fake, sink, channel } = s),
  );

  test('one device: /message/send with the vivo fields, classification from options, a receipt URL', async () => {
    const push = acceptedPush({
      notification: { android: { alert: '订单已发货', title: '订单', alert_type: 1, intent: { url: 'https://shop.example/o/1' }, big_pic_path: 'p.png', extras: { o: 1 } } },
      options: { timeToLive: 300, classification: 1, raw: { test_message: true, third_party_channel: { vivo: { classification: 0, category: 'ORDER', callback_id: 'cb-7', add_badge: true } } } },
    });
    const results = await channel.send(push, [relayTarget('vreg1')], CREDS);
    assert.equal(results[0]!.kind, 'delivered');
    assert.deepEqual((results[0] as { notes: string[] }).notes.sort(), [
      'notification.android.big_pic_path is not carried by vivo',
      'third_party_channel.vivo.add_badge is not carried by vivo',
      'time to live raised to vivo\'s minimum of 900 s',
    ]);
    assert.equal(fake.authRequests.length, 1);
    const send = fake.sends[0]!;
    assert.equal(send.path, '/message/send');
    const b = send.body;
    assert.deepEqual([b.regId, b.appId, b.title, b.content, b.notifyType, b.skipType, b.skipContent], ['vreg1', '10004', '订单', '订单已发货', 2, 2, 'https://shop.example/o/1']);
    assert.equal(b.classification, 1); // options.classification wins over the vivo block
    assert.equal(b.pushMode, 1); // test_message
    assert.equal(b.category, 'ORDER');
    assert.equal(b.timeToLive, 900);
    assert.deepEqual(b.clientCustomMap, { msg_id: push.msgId, o: '1' });
    const extra = b.extra as Record<string, string>;
    assert.equal(extra['callback.param'], push.msgId);
    assert.equal(extra['callback.id'], 'cb-7');
    assert.match(extra.callback!, /\/v1\/vendors\/vivo\/receipts\/a{24}\?t=/);
    assert.ok(extra.callback!.length <= 128);
    assert.ok(String(b.requestId).length <= 64);
  });

  test('many devices: saveListPayload then pushToList; invalidUsers classified by status', async () => {
    fake.tokenModes.set('gone', 'dead');
    fake.tokenModes.set('muted', 'disabled');
    fake.tokenModes.set('full', 'deviceLimit');
    const push = acceptedPush({ notification: { alert: 'Sale' } });
    const results = await channel.send(push, ['a1', 'gone', 'muted', 'full', 'a2'].map((t) => relayTarget(t)), CREDS);
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'tokenDead', 'rejected', 'rejected', 'delivered']);
    assert.equal((results[3] as { code?: string }).code, 'device_daily_limit');
    const send = fake.sends[0]!;
    assert.equal(send.path, '/message/pushToList');
    assert.deepEqual(send.regIds, ['a1', 'gone', 'muted', 'full', 'a2']);
    assert.equal(send.body.extra, undefined); // vivo has receipts for single sends only
    assert.equal((results[0] as { vendorMessageId: string }).vendorMessageId, send.taskId);
  });

  test('token refresh on 10000, quota 10070, rate 10072, a dead single regId, wrong credentials', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    await channel.send(push, [relayTarget('a1')], CREDS);
    fake.revokeTokens();
    assert.deepEqual((await channel.send(push, [relayTarget('a1'), relayTarget('a2')], CREDS)).map((r) => r.kind), ['delivered', 'delivered']);
    assert.equal(fake.authRequests.length, 2);
    fake.tokenModes.set('gone', 'dead');
    assert.equal((await channel.send(push, [relayTarget('gone')], CREDS))[0]!.kind, 'tokenDead');
    fake.quotaExhausted = true;
    const quota = await channel.send(push, [relayTarget('a1'), relayTarget('a2')], CREDS);
    assert.deepEqual(quota.map((r) => r.kind), ['quotaExceeded', 'quotaExceeded']);
    assert.equal((quota[0] as { category?: string }).category, 'operation');
    fake.quotaExhausted = false;
    fake.rateLimited = 1;
    assert.equal((await channel.send(push, [relayTarget('a1')], CREDS))[0]!.kind, 'retry');
    const wrong = await createVivoChannel({ endpoint: fake.url }).send(push, [relayTarget('a1')], { ...CREDS, appSecret: 'nope' });
    assert.equal(wrong[0]!.kind, 'rejected');
    assert.match((wrong[0] as { reason: string }).reason, /10202/);
  });

  test('limits: vivo counts a CJK character twice; too long is refused unless auto_truncation', async () => {
    const cjk = '通'.repeat(60); // 120 units > 100
    const refused = await channel.send(acceptedPush({ notification: { android: { alert: cjk, title: 't' } } }), [relayTarget('a1')], CREDS);
    assert.equal(refused[0]!.kind, 'rejected');
    const cut = await channel.send(acceptedPush({ notification: { android: { alert: cjk, title: 't' } }, options: { raw: { auto_truncation: true } } }), [relayTarget('a1')], CREDS);
    assert.equal(cut[0]!.kind, 'delivered');
    assert.equal(fake.sends[0]!.body.content, '通'.repeat(50));
    const msg = await channel.send(acceptedPush({ message: { msg_content: 'x' } }), [relayTarget('a1')], CREDS);
    assert.equal((msg[0] as { code?: string }).code, 'unsupported');
  });

  test('receipts: a single send\'s delivery receipt comes back; a forged URL is refused', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    await channel.send(push, [relayTarget('one')], CREDS);
    const send = fake.sends[0]!;
    assert.equal((await fake.sendReceipt(send)).status, 200);
    const got = sink.answers.flatMap((a) => (a.accepted ? a.receipts : []));
    assert.deepEqual(got.map((r) => `${r.kind}:${r.token}:${r.msgId}`), [`received:one:${push.msgId}`]);
    const extra = send.body.extra as Record<string, string>;
    extra.callback = extra.callback!.replace(/t=[\w-]+/, 't=' + 'C'.repeat(22));
    assert.equal((await fake.sendReceipt(send)).status, 401);
  });
});
