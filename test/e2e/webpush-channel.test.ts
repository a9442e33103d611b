import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWebPushChannel, generateVapidKeys } from '../../src/channels/webpush/index.js';
import type { Channel } from '../../src/channels/types.js';
import { FakeWebPush } from '../fakes/webpush-server.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';

describe('Web Push channel against the fake push service (real HTTP)', () => {
  let fake: FakeWebPush;
  let channel: Channel;
  const keys = generateVapidKeys();
  const creds = { ...keys, subject: 'mailto:ops@example.com' };

  before(async () => {
    fake = await FakeWebPush.start();
    fake.expectedVapidKey = keys.publicKey;
    channel = createWebPushChannel({ allowHttpEndpoints: true });
  });
  after(() => fake.close());

  test('the push service decrypts the same push object the WebSocket carries, with TTL, Urgency, Topic and VAPID', async () => {
    const sub = fake.subscribe();
    const push = acceptedPush({
      notification: { alert: 'Hello browser', android: { alert: 'not for the web' }, ios: { alert: 'nor this' } },
      message: { msg_content: 'data', extras: { k: 'v' } },
      options: { timeToLive: 120, apnsCollapseId: 'a collapse id that is far too long for a Topic header' },
    });
    const results = await channel.send(push, [relayTarget(sub, 'web')], creds);
    assert.equal(results[0]!.kind, 'delivered', JSON.stringify(results[0]));
    assert.match(String((results[0] as { vendorMessageId?: string }).vendorMessageId), /\/message\//);
    const got = fake.received.at(-1)!;
    assert.deepEqual(JSON.parse(got.plaintext), {
      msg_id: push.msgId,
      sent_at: push.createdAt,
      notification: { alert: 'Hello browser' },
      message: { msg_content: 'data', extras: { k: 'v' } },
    });
    assert.match(String(got.headers.ttl), /^(119|120)$/);
    assert.equal(got.headers.urgency, 'high');
    assert.match(String(got.headers.topic), /^[A-Za-z0-9_-]{32}$/);
    assert.equal(got.headers['content-encoding'], 'aes128gcm');
    assert.equal(got.vapid.claims.aud, fake.url);
    assert.equal(got.vapid.claims.sub, 'mailto:ops@example.com');
  });

  test('per-subscription answers: 404/410 dead, 429 retry after Retry-After, 5xx retry, 413 rejected', async () => {
    const ok = fake.subscribe();
    const gone = fake.subscribe({ kind: 'status', status: 410 });
    const missing = fake.subscribe({ kind: 'status', status: 404 });
    const limited = fake.subscribe({ kind: 'rateLimited', retryAfter: '3', times: 1 });
    const broken = fake.subscribe({ kind: 'status', status: 503 });
    const big = fake.subscribe({ kind: 'status', status: 413 });
    const push = acceptedPush({ message: { msg_content: 'm' } });
    const targets = [ok, gone, missing, limited, broken, big].map((s) => relayTarget(s, 'web'));
    const results = await channel.send(push, targets, creds);
    assert.deepEqual(results.map((r) => r.kind), ['delivered', 'tokenDead', 'tokenDead', 'retry', 'retry', 'rejected']);
    assert.equal((results[3] as { afterMs?: number }).afterMs, 3000);
    assert.equal((results[5] as { status?: number }).status, 413);
    // a message without a notification is not urgent
    assert.equal(fake.received.at(-1)!.headers.urgency, 'normal');
    assert.equal((await channel.send(push, [relayTarget(limited, 'web')], creds))[0]!.kind, 'delivered');
  });

  test('a push service that never answers: retry after the timeout', async () => {
    const stuck = fake.subscribe({ kind: 'hang' });
    const impatient = createWebPushChannel({ allowHttpEndpoints: true, timeoutMs: 500 });
    const [result] = await impatient.send(acceptedPush({ notification: { alert: 'x' } }), [relayTarget(stuck, 'web')], creds);
    assert.equal(result!.kind, 'retry');
    assert.match((result as { reason: string }).reason, /in time/);
  });

  test('hostile or broken subscriptions and credentials never throw', async () => {
    const push = acceptedPush({ notification: { alert: 'x' } });
    const good = fake.subscribe();
    const results = await channel.send(
      push,
      [
        relayTarget('a string is not a subscription', 'web'),
        relayTarget({ endpoint: 'not a url', keys: { p256dh: good.keys.p256dh, auth: good.keys.auth } }, 'web'),
        relayTarget({ endpoint: good.endpoint, keys: { p256dh: 'AAAA', auth: good.keys.auth } }, 'web'),
        relayTarget({ endpoint: 'http://127.0.0.1:9/push/x', keys: good.keys }, 'web'),
        relayTarget({ endpoint: 'ftp://example.com/x', keys: good.keys }, 'web'),
      ],
      creds,
    );
    assert.deepEqual(results.map((r) => r.kind), ['tokenDead', 'tokenDead', 'tokenDead', 'retry', 'rejected']);
    // https only unless the deployment allows http push services
    const strict = createWebPushChannel();
    assert.equal((await strict.send(push, [relayTarget(good, 'web')], creds))[0]!.kind, 'rejected');
    // another app's VAPID key: the push service refuses it (401): a configuration error, the token stays
    const foreign = { ...generateVapidKeys(), subject: 'mailto:x@example.com' };
    const refused = await channel.send(push, [relayTarget(good, 'web')], foreign);
    assert.equal(refused[0]!.kind, 'rejected');
    assert.equal((refused[0] as { status?: number }).status, 401);
    const bad = await channel.send(push, [relayTarget(good, 'web')], { publicKey: 'x', privateKey: 'y', subject: 'mailto:a@b.c' });
    assert.equal((bad[0] as { code?: string }).code, 'bad_credentials');
    // a payload over what one record holds is refused before sending
    const huge = acceptedPush({ message: { msg_content: 'x'.repeat(5000) } });
    const tooBig = await channel.send(huge, [relayTarget(good, 'web')], creds);
    assert.equal(tooBig[0]!.kind, 'rejected');
  });
});
