import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createHonorChannel } from '../../src/channels/honor/index.js';
import type { ChannelCredentials, TargetResult } from '../../src/channels/types.js';
import { FakeHonor } from '../fakes/honor-server.js';
import { ChannelReceiptServer } from '../helpers/channel-receipt-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';

const kinds = (rs: TargetResult[]) => rs.map((r) => r.kind);

describe('Honor channel against the fake Honor push (real HTTP)', () => {
  let fake: FakeHonor;
  let channel: ReturnType<typeof createHonorChannel>;
  let creds: ChannelCredentials;

  before(async () => {
    fake = await FakeHonor.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    channel = createHonorChannel({ endpoint: fake.url, tokenEndpoint: fake.tokenEndpoint });
    creds = fake.createApp();
    fake.sends.length = 0;
    fake.tokenRequests.length = 0;
    fake.tokenModes.clear();
  });

  test('a notification arrives with Honor names, importance from classification, badge, buttons and biTag', async () => {
    const push = acceptedPush({
      notification: {
        android: {
          alert: 'Hello',
          title: 'Hi',
          uri_action: 'com.example.OPEN',
          badge_set_num: 3,
          badge_class: 'com.example.Main',
          style: 1,
          big_text: 'Longer',
          sound: 'ding',
          custom_buttons: [{ name: 'Open', action: 'https://example.com' }, { name: 'Later' }],
        },
      },
      options: { classification: 0, raw: { third_party_channel: { honor: { importance: 'NORMAL', large_icon: 'https://i.example/l.png', target_user_type: 1 } } } },
    });
    const results = await channel.send(push, [relayTarget('t1'), relayTarget('t2')], creds);
    assert.deepEqual(kinds(results), ['delivered', 'delivered']);
    assert.deepEqual((results[0] as { notes: string[] }).notes, ['sound: not carried by Honor']);
    const sent = fake.sends[0]!;
    assert.match(String(sent.headers.timestamp), /^\d{13}$/);
    assert.deepEqual(sent.body.token, ['t1', 't2']);
    assert.equal(sent.body.android!.biTag, push.msgId);
    assert.equal(sent.body.android!.targetUserType, 1);
    assert.deepEqual(sent.body.android!.notification, {
      title: 'Hi',
      body: 'Hello',
      clickAction: { type: 1, action: 'com.example.OPEN' },
      image: 'https://i.example/l.png',
      style: 1,
      bigTitle: 'Hi',
      bigBody: 'Longer',
      importance: 'LOW',
      badge: { badgeClass: 'com.example.Main', setNum: 3 },
      tag: push.msgId,
      buttons: [
        { name: 'Open', actionType: 2, intent: 'https://example.com' },
        { name: 'Later', actionType: 0 },
      ],
    });
    assert.deepEqual(JSON.parse(sent.body.data!), { msg_id: push.msgId });
  });

  test('custom messages are data messages; VoIP carries voip_extraData', async () => {
    const custom = acceptedPush({ message: { msg_content: 'c', extras: { a: 1 } } });
    const voip = acceptedPush({ notification: { alert: '' }, options: { classification: 1, raw: { third_party_channel: { honor: { honor_push_type: 3, voip_extraData: 'call-data' } } } } });
    assert.deepEqual(kinds([...(await channel.send(custom, [relayTarget('a')], creds)), ...(await channel.send(voip, [relayTarget('b')], creds))]), ['delivered', 'delivered']);
    assert.equal(fake.sends[0]!.body.android!.notification, undefined);
    assert.deepEqual(JSON.parse(fake.sends[0]!.body.data!), { msg_id: custom.msgId, msg_content: 'c', extras: { a: 1 } });
    assert.deepEqual(JSON.parse(fake.sends[1]!.body.data!), { msg_id: voip.msgId, voip_extraData: 'call-data', honor_push_type: 3 });
  });

  test('expired tokens inside a successful answer are dead, failed ones refused; all invalid; quota; flow control', async () => {
    fake.tokenModes.set('old', { kind: 'expired' });
    fake.tokenModes.set('fail', { kind: 'failed' });
    const push = acceptedPush({ notification: { alert: 'x' } });
    assert.deepEqual(kinds(await channel.send(push, ['ok', 'old', 'fail'].map((t) => relayTarget(t)), creds)), ['delivered', 'tokenDead', 'rejected']);
    fake.tokenModes.set('inv-1', { kind: 'invalid' });
    fake.tokenModes.set('inv-2', { kind: 'invalid' });
    assert.deepEqual(kinds(await channel.send(push, [relayTarget('inv-1'), relayTarget('inv-2')], creds)), ['tokenDead', 'tokenDead']);
    assert.equal(fake.sends.at(-1)!.code, 80300007);
    fake.tokenModes.set('q', { kind: 'quota' });
    assert.equal((await channel.send(push, [relayTarget('q')], creds))[0]!.kind, 'quotaExceeded');
    fake.tokenModes.set('busy', { kind: 'flowControl', times: 1, retryAfter: '2' });
    const busy = await channel.send(push, [relayTarget('busy')], creds);
    assert.deepEqual([busy[0]!.kind, (busy[0] as { afterMs?: number }).afterMs], ['retry', 2000]);
    assert.deepEqual(kinds(await channel.send(push, [relayTarget('busy')], creds)), ['delivered']);
  });

  test('token cache and renewal on 80200003; wrong secrets refused; 2,500 targets in requests of 1,000', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    await channel.send(push, [relayTarget('a')], creds);
    fake.expireAccessTokens();
    assert.deepEqual(kinds(await channel.send(push, [relayTarget('a')], creds)), ['delivered']);
    assert.equal(fake.tokenRequests.length, 2);
    const wrong = await channel.send(push, [relayTarget('a')], { ...creds, clientSecret: 'nope' });
    assert.equal((wrong[0] as { code?: string }).code, 'auth');
    const malformed = await channel.send(push, [relayTarget('a')], { appId: 'x' });
    assert.equal((malformed[0] as { code?: string }).code, 'bad_credentials');
    fake.sends.length = 0;
    const many = await channel.send(push, Array.from({ length: 2500 }, (_, i) => relayTarget(`m${i}`)), creds);
    assert.ok(many.every((r) => r.kind === 'delivered'));
    assert.deepEqual(fake.sends.map((s) => s.body.token.length), [1000, 1000, 500]);
  });

  test('receipts: signed statuses read; wrong key refused', async () => {
    const auth = { user: 'honor-cb', key: 'honor-secret' };
    const receiver = await ChannelReceiptServer.start(channel, () => ({ ...creds, callbackUser: auth.user, callbackKey: auth.key }));
    try {
      const ok = await fake.postReceipts(
        receiver.url,
        [
          { token: 't1', biTag: '1000000900', result: 0 },
          { token: 't2', biTag: '1000000900', result: 2 },
        ],
        auth,
      );
      assert.equal(ok.status, 200);
      const a = receiver.answers.at(-1)!;
      assert.ok(a.accepted);
      assert.deepEqual(a.receipts.map((r) => r.kind), ['received', 'tokenDead']);
      assert.equal((await fake.postReceipts(receiver.url, [{ token: 't1', biTag: '1000000900', result: 2 }], { ...auth, key: 'x' })).status, 401);
    } finally {
      await receiver.close();
    }
  });
});
