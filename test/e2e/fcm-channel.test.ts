import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createFcmChannel } from '../../src/channels/fcm/index.js';
import type { Channel } from '../../src/channels/types.js';
import { FakeFcm, type ServiceAccountJson } from '../fakes/fcm-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';

describe('FCM channel against the fake FCM (real HTTP)', () => {
  let fake: FakeFcm;
  let channel: Channel;
  let account: ServiceAccountJson;

  before(async () => {
    fake = await FakeFcm.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    // a fresh channel per test: its token cache starts empty
    channel = createFcmChannel({ endpoint: fake.url });
    account = fake.createServiceAccount('proj-a');
    fake.sends.length = 0;
    fake.tokenRequests.length = 0;
    fake.tokenEndpointFailure = null;
  });

  test('a notification reaches FCM as an HTTP v1 notification message with android options', async () => {
    const push = acceptedPush({
      notification: {
        alert: 'top alert',
        android: { alert: 'Hello', title: 'Greeting', channel_id: 'news', priority: 1, sound: 'ding', big_pic_path: 'https://img.example/p.png', extras: { id: 7, kind: 'x', nested: { a: 1 }, from: 'dropped' } },
      },
      options: { timeToLive: 600, apnsCollapseId: 'score-update' },
    });
    const results = await channel.send(push, [relayTarget('tok-1')], account);
    assert.equal(results[0]!.kind, 'delivered');
    assert.match((results[0] as { vendorMessageId: string }).vendorMessageId, /^projects\/proj-a\/messages\//);
    assert.equal(fake.sends.length, 1);
    const { message } = fake.sends[0]!.body;
    assert.equal(message.token, 'tok-1');
    assert.deepEqual(message.notification, { title: 'Greeting', body: 'Hello', image: 'https://img.example/p.png' });
    assert.deepEqual(message.data, { msg_id: push.msgId, id: '7', kind: 'x', nested: '{"a":1}' });
    const android = message.android as Record<string, unknown>;
    assert.equal(android.priority, 'HIGH');
    assert.equal(android.collapse_key, 'score-update');
    assert.match(String(android.ttl), /^(599|600)s$/);
    assert.deepEqual(android.notification, { channel_id: 'news', sound: 'ding', tag: push.msgId });
    assert.match(String(fake.sends[0]!.headers.authorization), /^Bearer ya29\.fake-/);
    // the assertion was checked against the account's public key by the fake
    assert.equal(fake.tokenRequests.length, 1);
    assert.equal(fake.tokenRequests[0]!.assertionClaims.iss, account.client_email);
  });

  test('a custom message is a data message; notification_3rd makes it visible; third_party_channel.fcm.channel_id wins', async () => {
    const plain = acceptedPush({ message: { msg_content: 'payload', title: 't', content_type: 'text', extras: { n: 1 } }, options: { timeToLive: 0 } });
    const shown = acceptedPush({
      message: { msg_content: 'payload2' },
      notification3rd: { content: 'You have mail', title: 'Mail', channel_id: 'c1', extras: { box: 'in' } },
      options: { overrideMsgId: '4242', raw: { third_party_channel: { fcm: { distribution: 'fcm', channel_id: 'c-fcm' } } } },
    });
    const results = [...(await channel.send(plain, [relayTarget('t1')], account)), ...(await channel.send(shown, [relayTarget('t2')], account))];
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'delivered']);
    const [m1, m2] = fake.sends.map((s) => s.body.message);
    assert.equal(m1!.notification, undefined);
    assert.deepEqual(m1!.data, { msg_id: plain.msgId, msg_content: 'payload', title: 't', content_type: 'text', n: '1' });
    assert.deepEqual(m1!.android, { ttl: '0s', priority: 'NORMAL' });
    assert.deepEqual(m2!.notification, { title: 'Mail', body: 'You have mail' });
    assert.deepEqual((m2!.android as { notification: unknown }).notification, { tag: '4242', channel_id: 'c-fcm' });
    assert.equal((m2!.data as Record<string, string>).box, 'in');
    // one access token served both sends
    assert.equal(fake.tokenRequests.length, 1);
  });

  test('a batch fans out: each target gets its own result in order; dead tokens and retries classified', async () => {
    fake.tokenModes.set('dead-404', { kind: 'unregistered' });
    fake.tokenModes.set('dead-400', { kind: 'invalidToken' });
    fake.tokenModes.set('quota', { kind: 'quota', retryAfter: '7', times: 1 });
    fake.tokenModes.set('down', { kind: 'unavailable', times: 1 });
    fake.tokenModes.set('boom', { kind: 'internal' });
    fake.tokenModes.set('garbage', { kind: 'garbage' });
    fake.tokenModes.set('mismatch', { kind: 'senderMismatch' });
    const tokens = ['ok-1', 'dead-404', 'dead-400', 'quota', 'down', 'boom', 'garbage', 'mismatch', 'ok-2'];
    const push = acceptedPush({ notification: { alert: 'hi' } });
    const results = await channel.send(push, tokens.map((t) => relayTarget(t)), account);
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'tokenDead', 'tokenDead', 'retry', 'retry', 'retry', 'retry', 'rejected', 'delivered']);
    assert.equal((results[3] as { afterMs?: number }).afterMs, 7000);
    assert.match((results[1] as { reason: string }).reason, /UNREGISTERED/);
    assert.match((results[7] as { reason: string }).reason, /SENDER_ID_MISMATCH/);
    // the retried ones go through on the next attempt (429 and 503 were for one request only)
    const again = await channel.send(push, [relayTarget('quota'), relayTarget('down')], account);
    assert.deepEqual(again.map((r) => r.kind), ['delivered', 'delivered']);
    // a plain-text 500 and huge batch: never a throw
    const many = await channel.send(push, Array.from({ length: 120 }, (_, i) => relayTarget(`bulk-${i}`)), account);
    assert.equal(many.length, 120);
    assert.ok(many.every((r) => r.kind === 'delivered'));
  });

  test('401 from FCM renews the access token once and sends again', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    assert.equal((await channel.send(push, [relayTarget('a')], account))[0]!.kind, 'delivered');
    fake.revokeAccessTokens();
    const results = await channel.send(push, [relayTarget('b'), relayTarget('c')], account);
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'delivered']);
    // one token at first, one renewal shared by both requests
    assert.equal(fake.tokenRequests.length, 2);
  });

  test('an access token is renewed before it expires', async () => {
    fake.tokenLifetime = 6; // renewed at half-life: after 3 s
    try {
      const push = acceptedPush({ notification: { alert: 'x' } });
      await channel.send(push, [relayTarget('a')], account);
      await channel.send(push, [relayTarget('a')], account);
      assert.equal(fake.tokenRequests.length, 1);
      await new Promise((r) => setTimeout(r, 3200));
      assert.equal((await channel.send(push, [relayTarget('a')], account))[0]!.kind, 'delivered');
      assert.equal(fake.tokenRequests.length, 2);
    } finally {
      fake.tokenLifetime = 3599;
    }
  });

  test('credentials: a key the fake does not trust, malformed JSON fields, a refused or failing token endpoint', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    const stranger = fake.createServiceAccount('proj-a');
    // same account name, another key: the signature check must fail
    const forged = { ...account, private_key: stranger.private_key };
    const r1 = await channel.send(push, [relayTarget('a'), relayTarget('b')], forged);
    assert.deepEqual(r1.map((r) => r.kind), ['rejected', 'rejected']);
    assert.match((r1[0] as { reason: string }).reason, /invalid_grant/);
    const r2 = await channel.send(push, [relayTarget('a')], { project_id: 'p', client_email: 'x@y', private_key: 'nope' });
    assert.equal(r2[0]!.kind, 'rejected');
    assert.equal((r2[0] as { code?: string }).code, 'bad_credentials');
    const r3 = await channel.send(push, [relayTarget('a')], { ...account, private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' });
    assert.equal(r3[0]!.kind, 'rejected');
    fake.tokenEndpointFailure = 503;
    const r4 = await channel.send(push, [relayTarget('a')], fake.createServiceAccount('proj-a'));
    assert.equal(r4[0]!.kind, 'retry');
    // the project of the path must be the account's own: another project's credentials are refused
    fake.tokenEndpointFailure = null;
    const other = fake.createServiceAccount('proj-b');
    const r5 = await channel.send(push, [relayTarget('a')], { ...other, project_id: 'proj-a' });
    assert.equal(r5[0]!.kind, 'rejected');
    assert.equal((r5[0] as { status?: number }).status, 403);
  });

  test('no answer: retry after the timeout; a 200 whose body never ends: delivered (FCM took it), not a hang', async () => {
    fake.tokenModes.set('stuck', { kind: 'hang' });
    fake.tokenModes.set('endless', { kind: 'endless' });
    const impatient = createFcmChannel({ endpoint: fake.url, timeoutMs: 500 });
    const started = Date.now();
    const targets = [relayTarget('stuck'), relayTarget('endless'), relayTarget('fine')];
    const results = await impatient.send(acceptedPush({ notification: { alert: 'x' } }), targets, account);
    assert.deepEqual(results.map((r) => r.kind), ['retry', 'delivered', 'delivered']);
    assert.match((results[0] as { reason: string }).reason, /in time/);
    assert.ok(Date.now() - started < 10_000);
  });

  test('FCM unreachable: retry, not a throw', async () => {
    const dead = createFcmChannel({ endpoint: 'http://127.0.0.1:9', tokenEndpoint: fake.tokenUri });
    const results = await dead.send(acceptedPush({ notification: { alert: 'x' } }), [relayTarget('a')], account);
    assert.equal(results[0]!.kind, 'retry');
    assert.match((results[0] as { reason: string }).reason, /network/);
  });
});
