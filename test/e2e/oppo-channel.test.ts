import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createOppoChannel } from '../../src/channels/oppo/index.js';
import type { Channel, ChannelCredentials } from '../../src/channels/types.js';
import { FakeOppo } from '../fakes/oppo-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';
import { cnVendorChannelTest } from '../helpers/cn-vendor-channel-test.js';
import type { ReceiptSink } from '../helpers/vendor-receipt-sink.js';

const CREDS: ChannelCredentials = { appKey: 'oppo-key-1', masterSecret: 'oppo-master-1' };

describe('OPPO channel against the fake OPPO PUSH (real HTTP)', () => {
  let fake: FakeOppo;
  let sink: ReceiptSink;
  let channel: Channel;

  cnVendorChannelTest(
    {
      start: async () => {
        const started = await FakeOppo.start();
        started.addApp('oppo-key-1', 'oppo-master-1');
        return started;
      },
      creds: CREDS,
      create: (endpoint, receiptBaseUrl) => createOppoChannel({ endpoint, receiptBaseUrl }),
    },
    (s) => ({ fake, sink, channel } = s),
  );

  test('signed auth, then one unicast per regId with the OPPO fields; uncarried fields noted', async () => {
    const push = acceptedPush({
      notification: {
        android: {
          alert: 'Your order shipped',
          title: 'Order',
          oppns_content_forshort: 'Shipped',
          style: 1,
          big_text: 'Your order 42 left the warehouse',
          intent: { url: 'intent:#Intent;action=com.example.ORDER;end' },
          small_icon_uri: 'icon',
          extras: { order: 42 },
        },
      },
      options: {
        timeToLive: 3600,
        raw: {
          third_party_channel: {
            oppo: { distribution: 'ospush', channel_id: 'orders', category: 'ORDER', notify_level: 2, private_msg_template_id: 'tpl-1', private_title_parameters: { city: 'Beijing' }, large_icon: 'jgmedia-2-x' },
          },
        },
      },
    });
    const results = await channel.send(push, [relayTarget('CN_reg1'), relayTarget('CN_reg2')], CREDS);
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'delivered']);
    assert.match((results[0] as { vendorMessageId: string }).vendorMessageId, /^opm/);
    assert.deepEqual((results[0] as { notes: string[] }).notes.sort(), [
      'notification.android.small_icon_uri is not carried by oppo',
      'third_party_channel.oppo.large_icon is not carried by oppo',
    ]);
    assert.equal(fake.authRequests.length, 1);
    assert.equal(fake.authRequests[0]!.app_key, 'oppo-key-1');
    const { messages } = fake.sends[0]!;
    assert.deepEqual(messages.map((m) => [m.target_type, m.target_value]), [[2, 'CN_reg1'], [2, 'CN_reg2']]);
    const n = messages[0]!.notification;
    assert.equal(n.app_message_id, push.msgId);
    assert.equal(n.title, 'Order');
    assert.equal(n.style, 2);
    assert.equal(n.content, 'Your order 42 left the warehouse');
    assert.equal(n.click_action_type, 5);
    assert.equal(n.click_action_url, 'intent:#Intent;action=com.example.ORDER;end');
    assert.deepEqual(JSON.parse(n.action_parameters as string), { msg_id: push.msgId, order: '42' });
    assert.equal(n.channel_id, 'orders');
    assert.equal(n.category, 'ORDER');
    assert.equal(n.notify_level, 2);
    assert.equal(n.private_msg_template_id, 'tpl-1');
    assert.deepEqual(n.private_title_parameters, { city: 'Beijing' });
    assert.equal(n.off_line, true);
    assert.ok((n.off_line_ttl as number) > 3500 && (n.off_line_ttl as number) <= 3600);
    assert.equal(n.call_back_parameter, push.msgId);
    assert.match(n.call_back_url as string, /\/v1\/vendors\/oppo\/receipts\/a{24}\?t=/);
    // the token is cached: a second send does not authenticate again
    await channel.send(acceptedPush({ notification: { alert: 'again' } }), [relayTarget('CN_reg1')], CREDS);
    assert.equal(fake.authRequests.length, 1);
    assert.equal(fake.sends[1]!.messages[0]!.notification.content, 'again');
  });

  test('an auth_token OPPO calls invalid is renewed once and the batch sent again', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    await channel.send(push, [relayTarget('r1')], CREDS);
    fake.revokeTokens();
    const results = await channel.send(push, [relayTarget('r1'), relayTarget('r2')], CREDS);
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'delivered']);
    assert.equal(fake.authRequests.length, 2);
    // a wrong master secret: the auth is refused for good
    const wrong = await createOppoChannel({ endpoint: fake.url }).send(push, [relayTarget('r1')], { ...CREDS, masterSecret: 'wrong' });
    assert.equal(wrong[0]!.kind, 'rejected');
    assert.match((wrong[0] as { reason: string }).reason, /16: Invalid Signature/);
  });

  test('per-regId dead tokens, daily quota, rate limit, OPPO down', async () => {
    fake.tokenModes.set('gone', 'dead');
    const push = acceptedPush({ notification: { alert: 'x' }, options: { raw: { third_party_channel: { oppo: { category: 'MARKETING' } } } } });
    const mixed = await channel.send(push, [relayTarget('ok'), relayTarget('gone'), relayTarget('bad token!')], CREDS);
    assert.deepEqual(mixed.map((r) => r.kind), ['delivered', 'tokenDead', 'tokenDead']);
    assert.match((mixed[1] as { reason: string }).reason, /10000/);
    fake.quotaExhausted = true;
    const quota = await channel.send(push, [relayTarget('ok')], CREDS);
    assert.equal(quota[0]!.kind, 'quotaExceeded');
    assert.equal((quota[0] as { category?: string }).category, 'operation');
    fake.quotaExhausted = false;
    fake.rateLimited = 1;
    assert.equal((await channel.send(push, [relayTarget('ok')], CREDS))[0]!.kind, 'retry');
    fake.unavailable = 1;
    assert.equal((await channel.send(push, [relayTarget('ok')], CREDS))[0]!.kind, 'retry');
    const down = await createOppoChannel({ endpoint: 'http://127.0.0.1:9' }).send(push, [relayTarget('ok')], CREDS);
    assert.equal(down[0]!.kind, 'retry');
  });

  test('limits and kinds: too-long content refused without auto_truncation; a custom message without notification_3rd is refused; notification_3rd v1 is shown', async () => {
    const long = acceptedPush({ notification: { android: { alert: 'y'.repeat(300), title: 't' } } });
    assert.equal((await channel.send(long, [relayTarget('r')], CREDS))[0]!.kind, 'rejected');
    const msg = acceptedPush({ message: { msg_content: 'data only' } });
    const refused = await channel.send(msg, [relayTarget('r')], CREDS);
    assert.equal((refused[0] as { code?: string }).code, 'unsupported');
    const shown = acceptedPush({ message: { msg_content: 'data' }, notification3rd: { content: 'You have mail', title: 'Mail', uri_action: 'com.example.MAIL', channel_id: 'mail' } });
    assert.equal((await channel.send(shown, [relayTarget('r')], CREDS))[0]!.kind, 'delivered');
    const n = fake.sends.at(-1)!.messages[0]!.notification;
    assert.deepEqual([n.title, n.content, n.click_action_type, n.click_action_activity, n.channel_id], ['Mail', 'You have mail', 1, 'com.example.MAIL', 'mail']);
  });

  test('receipts: push_arrive and regid_invalid events come back; a forged receipt URL is refused', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    await channel.send(push, [relayTarget('r1'), relayTarget('r2')], CREDS);
    const send = fake.sends[0]!;
    assert.equal((await fake.sendReceipts(send, 'push_arrive')).status, 200);
    assert.equal((await fake.sendReceipts(send, 'regid_invalid', ['r2'])).status, 200);
    const got = sink.answers.flatMap((a) => (a.accepted ? a.receipts : [])).map((r) => `${r.kind}:${r.token}:${r.msgId}`);
    assert.deepEqual(got, [`received:r1:${push.msgId}`, `received:r2:${push.msgId}`, `tokenDead:r2:${push.msgId}`]);
    const url = send.messages[0]!.notification.call_back_url as string;
    send.messages[0]!.notification.call_back_url = url.replace(/t=[\w-]+/, 't=' + 'B'.repeat(22));
    assert.equal((await fake.sendReceipts(send, 'push_arrive')).status, 401);
    const t = new URL(url).searchParams.get('t')!;
    const garbage = channel.receipts!({ appKey: 'a'.repeat(24), headers: {}, query: { t }, rawBody: Buffer.from('{"not":"an array"}') }, CREDS);
    assert.deepEqual([garbage.accepted, garbage.status], [false, 400]);
  });
});
