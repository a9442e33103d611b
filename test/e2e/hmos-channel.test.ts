import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createHmosChannel } from '../../src/channels/hmos/index.js';
import type { ChannelCredentials, TargetResult } from '../../src/channels/types.js';
import { FakeHmos, type HmosServiceAccountJson } from '../fakes/hmos-server.js';
import { ChannelReceiptServer } from '../helpers/channel-receipt-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';

const kinds = (rs: TargetResult[]) => rs.map((r) => r.kind);
const hmosTarget = (token: string) => relayTarget(token, 'hmos');

describe('HarmonyOS channel against the fake Push Kit v3 (real HTTP)', () => {
  let fake: FakeHmos;
  let channel: ReturnType<typeof createHmosChannel>;
  let account: HmosServiceAccountJson;

  before(async () => {
    fake = await FakeHmos.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    channel = createHmosChannel({ endpoint: fake.url });
    account = fake.createServiceAccount();
    fake.sends.length = 0;
    fake.tokenModes.clear();
  });

  test('notification.hmos goes as an alert (push-type 0) with category, intent, badge, inbox and the msg_id as biTag', async () => {
    const push = acceptedPush({
      platforms: ['hmos'],
      notification: {
        hmos: {
          alert: 'Hello',
          title: 'Greeting',
          category: 'IM',
          intent: { url: 'scheme://chat?id=1' },
          badge_add_num: 1,
          large_icon: 'https://img.example/big.png',
          inbox: { l1: 'one', l2: 'two' },
          sound: 'ring.mp3',
          sound_duration: 10,
          display_foreground: '1',
          extras: { room: 'a' },
          test_message: false,
          receipt_id: 'R-hmos',
        },
      },
      // options.test_message wins over the hmos block's
      options: { timeToLive: 3600, raw: { test_message: true } },
    });
    const results = await channel.send(push, [hmosTarget('h-1'), hmosTarget('h-2')], account);
    assert.deepEqual(kinds(results), ['delivered', 'delivered']);
    const sent = fake.sends[0]!;
    assert.equal(sent.pushType, 0);
    assert.equal(sent.headers['push-type'], '0');
    assert.deepEqual(sent.body.target.token, ['h-1', 'h-2']);
    assert.deepEqual(sent.body.payload.notification, {
      category: 'IM',
      title: 'Greeting',
      body: 'Hello',
      clickAction: { actionType: 1, uri: 'scheme://chat?id=1', data: { room: 'a' } },
      image: 'https://img.example/big.png',
      badge: { addNum: 1 },
      style: 3,
      inboxContent: ['one', 'two'],
      sound: 'ring.mp3',
      soundDuration: 10,
      foregroundShow: true,
    });
    const options = sent.body.pushOptions!;
    assert.equal(options.biTag, push.msgId);
    assert.equal(options.testMessage, true);
    assert.equal(options.receiptId, 'R-hmos');
    assert.ok((options.ttl as number) >= 3599 && (options.ttl as number) <= 3600);
  });

  test('each message kind takes its push-type: card refresh (1 token per request), live view, extension, VoIP, background', async () => {
    const card = acceptedPush({ notification: { hmos: { push_type: 1, hm_payload: { formId: 7, formData: { n: 1 }, version: 2, moduleName: 'm', formName: 'f', abilityName: 'a' } } } });
    const live = acceptedPush({ notification: { hmos: { push_type: 7, hm_payload: { activityId: 1, operation: 0, event: 'FLIGHT', status: 'DEPART', activityData: {} } } } });
    const voice = acceptedPush({ notification: { hmos: { push_type: 2, alert: 'You got 10 yuan', category: 'EXPRESS', extra_data: '{"amount":10}' } } });
    const voip = acceptedPush({ notification: { hmos: { push_type: 10, extra_data: '{"caller":"bob"}' } } });
    const background = acceptedPush({ message: { msg_content: 'sync', extras: { k: 1 } } });
    assert.deepEqual(kinds(await channel.send(card, [hmosTarget('c1'), hmosTarget('c2'), hmosTarget('c3')], account)), ['delivered', 'delivered', 'delivered']);
    for (const p of [live, voice, voip, background]) assert.equal((await channel.send(p, [hmosTarget('x')], account))[0]!.kind, 'delivered');
    assert.deepEqual(fake.sends.map((s) => s.pushType), [1, 1, 1, 7, 2, 10, 6]);
    assert.deepEqual(fake.sends.slice(0, 3).map((s) => s.body.target.token.length), [1, 1, 1]);
    assert.equal(fake.sends[3]!.body.payload.event, 'FLIGHT');
    assert.equal(fake.sends[4]!.body.payload.extraData, '{"amount":10}');
    assert.equal(fake.sends[5]!.body.payload.extraData, '{"caller":"bob"}');
    assert.deepEqual(JSON.parse(fake.sends[6]!.body.payload.extraData as string), { msg_id: background.msgId, msg_content: 'sync', extras: { k: 1 } });
    // a custom message with notification_3rd v2 hmos becomes an alert
    const shown = acceptedPush({ message: { msg_content: 'x' }, notification3rd: { hmos: { alert: 'shown', category: 'MARKETING', intent: { url: 'action.system.home' } } }, options: { raw: { notification_3rd_ver: 'v2' } } });
    assert.equal((await channel.send(shown, [hmosTarget('y')], account))[0]!.kind, 'delivered');
    assert.equal(fake.sends.at(-1)!.pushType, 0);
    assert.deepEqual((fake.sends.at(-1)!.body.payload.notification as Record<string, unknown>).clickAction, { actionType: 0 });
  });

  test('what HarmonyOS cannot carry is noted; a top-level alert without category goes as MARKETING; impossible pushes are refused', async () => {
    const top = acceptedPush({ notification: { alert: 'plain' } });
    const r = await channel.send(top, [hmosTarget('a')], account);
    assert.equal(r[0]!.kind, 'delivered');
    assert.deepEqual((r[0] as { notes: string[] }).notes, ['category: none given; sent as MARKETING']);
    const odd = await channel.send(acceptedPush({ notification: { hmos: { alert: 'a', category: 'IM', push_type: 4 } } }), [hmosTarget('a')], account);
    assert.equal((odd[0] as { code?: string }).code, 'push_type');
    const noPayload = await channel.send(acceptedPush({ notification: { hmos: { push_type: 7 } } }), [hmosTarget('a')], account);
    assert.equal((noPayload[0] as { code?: string }).code, 'hm_payload');
    const big = await channel.send(acceptedPush({ notification: { hmos: { alert: 'y'.repeat(5000), category: 'IM' } } }), [hmosTarget('a')], account);
    assert.equal((big[0] as { code?: string }).code, 'payload_too_large');
    assert.equal(fake.sends.length, 1);
  });

  test('partial success by reason: token reasons prune, setup reasons refuse; all invalid; quota; flow control', async () => {
    fake.tokenModes.set('bad-format', { kind: 'illegal', reason: 'tokenFormatError' });
    fake.tokenModes.set('old-token', { kind: 'illegal', reason: 'noRight' });
    fake.tokenModes.set('no-right', { kind: 'illegal', reason: 'noPushTypeRight' });
    const push = acceptedPush({ notification: { hmos: { alert: 'x', category: 'IM' } } });
    const results = await channel.send(push, ['ok', 'bad-format', 'old-token', 'no-right'].map(hmosTarget), account);
    assert.deepEqual(kinds(results), ['delivered', 'tokenDead', 'tokenDead', 'rejected']);
    assert.equal((results[3] as { code?: string }).code, 'noPushTypeRight');
    assert.deepEqual(kinds(await channel.send(push, [hmosTarget('bad-format')], account)), ['tokenDead']);
    fake.tokenModes.set('q', { kind: 'quota' });
    const quota = await channel.send(push, [hmosTarget('q')], account);
    assert.equal(quota[0]!.kind, 'quotaExceeded');
    fake.tokenModes.set('busy', { kind: 'flowControl', times: 1 });
    assert.deepEqual(kinds(await channel.send(push, [hmosTarget('busy')], account)), ['retry']);
    assert.deepEqual(kinds(await channel.send(push, [hmosTarget('busy')], account)), ['delivered']);
  });

  test('the JWT is reused, re-signed when Push Kit calls it expired, and before it runs out; foreign keys and projects are refused', async () => {
    const push = acceptedPush({ notification: { hmos: { alert: 'x', category: 'IM' } } });
    await channel.send(push, [hmosTarget('a')], account);
    await channel.send(push, [hmosTarget('a')], account);
    assert.equal(channel.signer.signed, 1);
    const first = fake.sends[0]!.headers.authorization;
    assert.equal(fake.sends[1]!.headers.authorization, first);
    fake.expireSeenJwts();
    assert.deepEqual(kinds(await channel.send(push, [hmosTarget('a')], account)), ['delivered']);
    assert.equal(channel.signer.signed, 2);
    assert.notEqual(fake.sends.at(-1)!.headers.authorization, first);

    const short = createHmosChannel({ endpoint: fake.url, jwtLifetimeSeconds: 4 });
    await short.send(push, [hmosTarget('a')], account);
    await short.send(push, [hmosTarget('a')], account);
    assert.equal(short.signer.signed, 1);
    await new Promise((r) => setTimeout(r, 2200));
    await short.send(push, [hmosTarget('a')], account);
    assert.equal(short.signer.signed, 2);

    const stranger = createHmosChannel({ endpoint: fake.url });
    const otherKey = fake.createServiceAccount();
    const forged: ChannelCredentials = { ...account, private_key: otherKey.private_key };
    const refused = await stranger.send(push, [hmosTarget('a')], forged);
    assert.equal((refused[0] as { code?: string }).code, 'auth');
    const wrongProject = await channel.send(push, [hmosTarget('a')], { ...account, project_id: '999' });
    assert.equal(wrongProject[0]!.kind, 'rejected');
    assert.equal((wrongProject[0] as { code?: string }).code, '80300002');
    const malformed = await channel.send(push, [hmosTarget('a')], { project_id: 'p', key_id: 'k', sub_account: 's', private_key: 'nope' });
    assert.equal((malformed[0] as { code?: string }).code, 'bad_credentials');
  });

  test('receipts: V2 delivery and card statuses, signed; refused when the signature is wrong', async () => {
    const auth = { user: 'harmony-cb', key: 'secret-key-1' };
    const stored: ChannelCredentials = { ...account, callbackUser: auth.user, callbackKey: auth.key };
    const receiver = await ChannelReceiptServer.start(channel, () => stored);
    try {
      const ok = await fake.postReceipts(
        receiver.url,
        [
          { token: 'h-1', biTag: '1000000500', result: 0 },
          { token: 'h-2', biTag: '1000000500', result: 2 },
          { token: 'h-3', biTag: '1000000501', result: 0, pushType: 1 },
        ],
        auth,
      );
      assert.equal(ok.status, 200);
      const answer = receiver.answers.at(-1)!;
      assert.ok(answer.accepted);
      assert.deepEqual(
        answer.receipts.map((r) => [r.msgId, r.token, r.kind]),
        [
          ['1000000500', 'h-1', 'received'],
          ['1000000500', 'h-2', 'tokenDead'],
          ['1000000501', 'h-3', 'received'],
        ],
      );
      assert.equal((await fake.postReceipts(receiver.url, [{ token: 'h-1', biTag: '1000000500', result: 2 }], { ...auth, key: 'guess' })).status, 401);
    } finally {
      await receiver.close();
    }
  });
});
