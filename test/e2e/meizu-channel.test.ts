import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createMeizuChannel } from '../../src/channels/meizu/index.js';
import { meizuSign } from '../../src/channels/meizu/render.js';
import type { Channel, ChannelCredentials } from '../../src/channels/types.js';
import { FakeMeizu } from '../fakes/meizu-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';
import { cnVendorChannelTest } from '../helpers/cn-vendor-channel-test.js';
import type { ReceiptSink } from '../helpers/vendor-receipt-sink.js';

const CREDS: ChannelCredentials = { appId: '110000', appSecret: 'mz-secret' };

describe('Meizu channel against the fake Flyme push (real HTTP)', () => {
  let fake: FakeMeizu;
  let sink: ReceiptSink;
  let channel: Channel;

  cnVendorChannelTest(
    {
      start: async () => {
        const started = await FakeMeizu.start();
        started.addApp('110000', 'mz-secret');
        return started;
      },
      creds: CREDS,
      create: (endpoint, receiptBaseUrl) => createMeizuChannel({ endpoint, receiptBaseUrl }),
    },
    (s) => ({ fake, sink, channel } = s),
  );

  test('the signature is Meizu\'s documented example', () => {
    const params = { appId: '10000', pushIds: 'RA50c6348036344485d01776773577c64740465480a6b', messageJson: '{"title": "title","content": "content","pushTimeInfo": {"offLine": 1,"validTime": 24}}' };
    // the base string is appId=…messageJson=…pushIds=… (sorted by name, raw values) followed by the secret
    const base = `appId=10000messageJson=${params.messageJson}pushIds=${params.pushIds}S`;
    assert.equal(meizuSign({ pushIds: params.pushIds, messageJson: params.messageJson, appId: params.appId }, 'S'), createHash('md5').update(base, 'utf8').digest('hex'));
  });

  test('a signed notification-bar push with the Meizu fields; failed pushIds classified; receipts come back', async () => {
    fake.tokenModes.set('gone', 'dead');
    fake.tokenModes.set('off', 'disabled');
    const push = acceptedPush({
      notification: { android: { alert: 'Long text here', title: 'Hello', style: 1, big_text: 'Expanded text', alert_type: 2, uri_activity: 'com.example.Main', priority: 1, extras: { k: 'v' } } },
      options: { timeToLive: 7200 },
    });
    const results = await channel.send(push, ['p1', 'gone', 'off', 'p2'].map((t) => relayTarget(t)), CREDS);
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'tokenDead', 'tokenDead', 'delivered']);
    assert.deepEqual((results[0] as { notes: string[] }).notes, ['notification.android.priority is not carried by meizu']);
    const send = fake.sends[0]!;
    assert.equal(send.kind, 'varnished');
    const m = send.message as Record<string, Record<string, unknown>>;
    assert.deepEqual(m.noticeBarInfo, { noticeBarType: 0, title: 'Hello', content: 'Long text here' });
    assert.deepEqual(m.noticeExpandInfo, { noticeExpandType: 1, noticeExpandContent: 'Expanded text' });
    assert.deepEqual(m.clickTypeInfo, { parameters: { msg_id: push.msgId, k: 'v' }, clickType: 1, activity: 'com.example.Main' });
    assert.deepEqual(m.pushTimeInfo, { offLine: 1, validTime: 2 });
    assert.deepEqual((m.advanceInfo as { notificationType: unknown }).notificationType, { sound: 0, vibrate: 1, lights: 0 });
    assert.match(String((m.advanceInfo as { notifyKey: unknown }).notifyKey), /^[0-9a-z]{1,8}$/);
    assert.equal(m.extra!['callback.param'], push.msgId);
    assert.equal((await fake.sendReceipts(send, 1)).status, 200);
    assert.equal((await fake.sendReceipts(send, 2)).status, 200);
    const got = sink.answers.flatMap((a) => (a.accepted ? a.receipts : [])).map((r) => `${r.kind}:${r.token}`);
    assert.deepEqual(got, ['received:p1', 'received:gone', 'received:off', 'received:p2', 'clicked:p1', 'clicked:gone', 'clicked:off', 'clicked:p2']);
    m.extra!.callback = String(m.extra!.callback).replace(/t=[\w-]+/, 't=' + 'D'.repeat(22));
    assert.equal((await fake.sendReceipts(send, 1)).status, 401);
  });

  test('pass-through for a custom message; wrong secret (signature) refused; rate limit retried; limits', async () => {
    const msg = acceptedPush({ message: { msg_content: 'cmd', title: 'c' }, options: { timeToLive: 0 } });
    assert.equal((await channel.send(msg, [relayTarget('p1')], CREDS))[0]!.kind, 'delivered');
    const send = fake.sends[0]!;
    assert.equal(send.kind, 'unvarnished');
    assert.deepEqual(send.message.pushTimeInfo, { offLine: 0 });
    assert.deepEqual(JSON.parse(send.message.content as string), { msg_id: msg.msgId, msg_content: 'cmd', title: 'c' });
    const push = acceptedPush({ notification: { alert: 'x' } });
    const wrong = await channel.send(push, [relayTarget('p1')], { ...CREDS, appSecret: 'other' });
    assert.deepEqual([wrong[0]!.kind, (wrong[0] as { code?: string }).code], ['rejected', '1006']);
    fake.rateLimited = 1;
    assert.equal((await channel.send(push, [relayTarget('p1')], CREDS))[0]!.kind, 'retry');
    const long = await channel.send(acceptedPush({ notification: { android: { alert: 'z'.repeat(150), title: 't' } } }), [relayTarget('p1')], CREDS);
    assert.equal(long[0]!.kind, 'rejected');
    await channel.send(acceptedPush({ notification: { android: { alert: 'z'.repeat(150), title: 't', mzpns_content_forshort: 'short' } } }), [relayTarget('p1')], CREDS);
    assert.equal((fake.sends.at(-1)!.message.noticeBarInfo as { content: string }).content, 'short');
  });
});
