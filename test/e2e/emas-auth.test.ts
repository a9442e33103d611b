import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { disableAccessKey } from '../../src/apps/access-keys.js';
import { startNode } from '../../src/node.js';
import { emasClient, emasFetch, popTimestamp, signedQuery, type EmasTestClient } from '../helpers/emas.js';
import { awayFromWindowEdge } from '../helpers/rate-window.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Every way a request can fail the gateway checks, sent by hand: each answers its POP code and
 * HTTP status in EMAS's error body, never a push.
 */
describe('EMAS gateway: signature, timestamp, nonce, keys, versions', () => {
  let server: TestServer;
  let e: EmasTestClient;
  let other: EmasTestClient;

  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0 } });
    e = await emasClient(server);
    other = await emasClient(server, await server.createApp('other'));
  });
  after(() => server.close());

  const base = () => ({ Action: 'ListSummaryApps', AccessKeyId: e.key.accessKeyId });
  const get = (query: string) => emasFetch(`${server.url}/?${query}`);
  const expectError = async (p: Promise<Awaited<ReturnType<typeof get>>>, status: number, code: string) => {
    const res = await p;
    assert.equal(res.status, status, res.text);
    assert.equal(res.body.Code, code, res.text);
    assert.match(String(res.body.RequestId), /^[0-9A-F-]{36}$/);
    assert.equal(typeof res.body.HostId, 'string');
    assert.equal(typeof res.body.Message, 'string');
    return res;
  };

  test('a correctly signed GET and form POST both pass', async () => {
    const ok = await get(signedQuery('GET', e.key.accessKeySecret, base()));
    assert.equal(ok.status, 200, ok.text);
    const body = signedQuery('POST', e.key.accessKeySecret, base());
    const post = await emasFetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.equal(post.status, 200, post.text);
    // common parameters in the query, the rest in the body, signed together
    const all = new URLSearchParams(signedQuery('POST', e.key.accessKeySecret, { ...base(), Action: 'QueryTags', AppKey: String(e.key.emasAppKey), KeyType: 'DEVICE', ClientKey: server.devices[0]!.registrationId }));
    const bodyPart = new URLSearchParams();
    for (const k of ['KeyType', 'ClientKey', 'AppKey']) {
      bodyPart.set(k, all.get(k)!);
      all.delete(k);
    }
    const split = await emasFetch(`${server.url}/?${all}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: String(bodyPart) });
    assert.equal(split.status, 200, split.text);
  });

  test('SignatureDoesNotMatch: wrong secret, tampered parameter, signed for another method; the server string to sign is told', async () => {
    const wrong = await expectError(get(signedQuery('GET', 'not-the-secret', base())), 400, 'SignatureDoesNotMatch');
    assert.match(String(wrong.body.Message), /server string to sign is:GET&%2F&AccessKeyId%3D/);
    const q = signedQuery('GET', e.key.accessKeySecret, { ...base(), Extra: 'a' });
    await expectError(get(q.replace('Extra=a', 'Extra=b')), 400, 'SignatureDoesNotMatch');
    await expectError(emasFetch(`${server.url}/`, { method: 'POST', body: q }), 400, 'SignatureDoesNotMatch');
    await expectError(get(q.replace(/&Signature=[^&]*/, '&Signature=' + 'A'.repeat(28))), 400, 'SignatureDoesNotMatch');
  });

  test('secrets are stored sealed; a sealed secret opens only for its own key; plain-text pairs of earlier versions still work', async () => {
    const store = server.node.ctx.store.emas;
    const row = (await store.accessKey(e.key.accessKeyId))!;
    assert.ok(row.secret.startsWith('sealed:'), 'stored sealed');
    assert.ok(!row.secret.includes(e.key.accessKeySecret), 'the secret is not in the row');

    // a pair written by an earlier version: its secret in plain text
    const legacyId = 'LTAI' + 'L'.repeat(20);
    await store.createAccessKey({ accessKeyId: legacyId, appKey: server.app.appKey, secret: 'plain-secret-of-an-older-pair', createdAt: Date.now(), disabledAt: null });
    const legacy = await get(signedQuery('GET', 'plain-secret-of-an-older-pair', { ...base(), AccessKeyId: legacyId }));
    assert.equal(legacy.status, 200, legacy.text);

    // another key's sealed secret copied into a row: it does not open, so the key is unusable
    const copiedId = 'LTAI' + 'C'.repeat(20);
    await store.createAccessKey({ accessKeyId: copiedId, appKey: server.app.appKey, secret: row.secret, createdAt: Date.now(), disabledAt: null });
    await expectError(get(signedQuery('GET', e.key.accessKeySecret, { ...base(), AccessKeyId: copiedId })), 404, 'InvalidAccessKeyId.NotFound');
  });

  test('Timestamp: outside 15 minutes is InvalidTimeStamp.Expired, malformed is InvalidTimeStamp.Format', async () => {
    for (const skew of [-16 * 60_000, 16 * 60_000]) {
      await expectError(get(signedQuery('GET', e.key.accessKeySecret, { ...base(), Timestamp: popTimestamp(Date.now() + skew) })), 400, 'InvalidTimeStamp.Expired');
    }
    const near = await get(signedQuery('GET', e.key.accessKeySecret, { ...base(), Timestamp: popTimestamp(Date.now() - 10 * 60_000) }));
    assert.equal(near.status, 200);
    for (const ts of ['2016-02-23 12:46:24', 'yesterday', '2016-02-30T12:46:24Z']) {
      await expectError(get(signedQuery('GET', e.key.accessKeySecret, { ...base(), Timestamp: ts })), 400, 'InvalidTimeStamp.Format');
    }
  });

  test('SignatureNonce: a replayed request is refused, and a bad signature does not use up a nonce', async () => {
    const nonce = randomUUID();
    await expectError(get(signedQuery('GET', 'wrong', { ...base(), SignatureNonce: nonce })), 400, 'SignatureDoesNotMatch');
    const q = signedQuery('GET', e.key.accessKeySecret, { ...base(), SignatureNonce: nonce });
    assert.equal((await get(q)).status, 200);
    await expectError(get(q), 400, 'SignatureNonceUsed');
    // the same nonce under another AccessKey is another nonce
    assert.equal((await get(signedQuery('GET', other.key.accessKeySecret, { ...base(), AccessKeyId: other.key.accessKeyId, SignatureNonce: nonce }))).status, 200);
  });

  test('SignatureNonce: a request replayed to another node on the same store is refused there too', async () => {
    const second = await startNode({ ...server.config, nodeId: server.config.nodeId + 1, port: 0 });
    try {
      const q = signedQuery('GET', e.key.accessKeySecret, base());
      assert.equal((await get(q)).status, 200);
      await expectError(emasFetch(`${second.url}/?${q}`), 400, 'SignatureNonceUsed');
      // and the other way round, two requests at once: one passes, one is a replay
      const r = signedQuery('GET', e.key.accessKeySecret, base());
      const both = await Promise.all([emasFetch(`${second.url}/?${r}`), get(r)]);
      assert.deepEqual(both.map((res) => (res.status === 200 ? 'ok' : String(res.body.Code))).sort(), ['SignatureNonceUsed', 'ok']);
    } finally {
      await second.stop();
    }
  });

  test('SignatureNonce of a Push (carried into the push commit on SQLite): a replay stores nothing, here or on another node; a failed Push cannot be replayed', async () => {
    const countPushes = async () => (await server.node.ctx.store.emas.pushRecords(server.app.appKey, 0, Date.now() + 60_000, 0, 1)).total;
    const push = (extra: Record<string, string> = {}) => ({
      Action: 'Push',
      AccessKeyId: e.key.accessKeyId,
      AppKey: String(e.key.emasAppKey),
      PushType: 'NOTICE',
      DeviceType: 'ALL',
      Target: 'ALL',
      TargetValue: 'ALL',
      Title: 'T',
      Body: 'B',
      ...extra,
    });
    const before = await countPushes();
    const q = signedQuery('GET', e.key.accessKeySecret, push());
    const first = await get(q);
    assert.equal(first.status, 200, first.text);
    await expectError(get(q), 400, 'SignatureNonceUsed');
    // the same request twice at once: one push
    const r = signedQuery('GET', e.key.accessKeySecret, push());
    const both = await Promise.all([get(r), get(r)]);
    assert.deepEqual(both.map((res) => (res.status === 200 ? 'ok' : String(res.body.Code))).sort(), ['SignatureNonceUsed', 'ok']);
    assert.equal(await countPushes(), before + 2);
    const second = await startNode({ ...server.config, nodeId: server.config.nodeId + 1, port: 0 });
    try {
      await expectError(emasFetch(`${second.url}/?${q}`), 400, 'SignatureNonceUsed');
      const t = signedQuery('GET', e.key.accessKeySecret, push());
      const across = await Promise.all([emasFetch(`${second.url}/?${t}`), get(t)]);
      assert.deepEqual(across.map((res) => (res.status === 200 ? 'ok' : String(res.body.Code))).sort(), ['SignatureNonceUsed', 'ok']);
      assert.equal(await countPushes(), before + 3);
    } finally {
      await second.stop();
    }
    // refused for its parameters: the nonce is used up all the same
    const bad = signedQuery('GET', e.key.accessKeySecret, push({ PushType: 'SHOUT' }));
    await expectError(get(bad), 400, 'InvalidPushType.Format');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expectError(get(bad), 400, 'SignatureNonceUsed');
  });

  test('AccessKeys: unknown is NotFound (404), disabled is Inactive, another app\'s AppKey is PermissionDenied', async () => {
    await expectError(get(signedQuery('GET', 'x', { ...base(), AccessKeyId: 'LTAI' + 'x'.repeat(20) })), 404, 'InvalidAccessKeyId.NotFound');
    await expectError(get(signedQuery('GET', 'x', { ...base(), AccessKeyId: 'nonsense' })), 404, 'InvalidAccessKeyId.NotFound');
    await expectError(
      get(signedQuery('GET', other.key.accessKeySecret, { Action: 'ListTags', AccessKeyId: other.key.accessKeyId, AppKey: String(e.key.emasAppKey) })),
      400,
      'PermissionDenied',
    );
    const spare = await emasClient(server);
    assert.ok(await disableAccessKey(server.node.ctx.store, server.app.appKey, spare.key.accessKeyId));
    // the request path caches keys for two seconds
    const deadline = Date.now() + 5000;
    for (;;) {
      const res = await get(signedQuery('GET', spare.key.accessKeySecret, { ...base(), AccessKeyId: spare.key.accessKeyId }));
      if (res.body.Code === 'InvalidAccessKeyId.Inactive') break;
      assert.ok(Date.now() < deadline, 'disabled key still accepted');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('common parameters: Missing{Param}, unsupported method and version, unknown action, HTTP methods', async () => {
    const full = new URLSearchParams(signedQuery('GET', e.key.accessKeySecret, base()));
    for (const name of ['Action', 'Version', 'AccessKeyId', 'Signature', 'SignatureNonce', 'Timestamp', 'SignatureMethod', 'SignatureVersion']) {
      const q = new URLSearchParams(full);
      q.delete(name);
      await expectError(get(String(q)), 400, `Missing${name}`);
    }
    await expectError(get(signedQuery('GET', e.key.accessKeySecret, { ...base(), SignatureMethod: 'HMAC-SHA256' })), 400, 'InvalidSignatureMethod');
    await expectError(get(signedQuery('GET', e.key.accessKeySecret, { ...base(), SignatureVersion: '2.0' })), 400, 'InvalidSignatureVersion');
    await expectError(get(signedQuery('GET', e.key.accessKeySecret, { ...base(), Version: '2015-01-01' })), 400, 'InvalidVersion');
    await expectError(get(signedQuery('GET', e.key.accessKeySecret, { ...base(), Action: 'push' })), 404, 'InvalidApi.NotFound');
    await expectError(get(signedQuery('GET', e.key.accessKeySecret, { ...base(), Action: 'toString' })), 404, 'InvalidApi.NotFound');
    await expectError(emasFetch(`${server.url}/?${signedQuery('PUT', e.key.accessKeySecret, base())}`, { method: 'PUT' }), 400, 'UnsupportedHTTPMethod');
    await expectError(get(signedQuery('GET', e.key.accessKeySecret, { Action: 'ListTags', AccessKeyId: e.key.accessKeyId })), 400, 'MissingAppKey');
    await expectError(get(`${signedQuery('GET', e.key.accessKeySecret, base())}&Action=Push`), 400, 'Invalid.Parameter');
  });

  test('errors come as XML without Format=JSON (POP\'s default)', async () => {
    const res = await get(signedQuery('GET', 'wrong', { ...base(), Format: 'XML' }));
    assert.equal(res.status, 400);
    assert.match(res.contentType, /xml/);
    assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"\?><Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>[^<]+<\/HostId><Code>SignatureDoesNotMatch<\/Code><Message>[^<]*<\/Message><\/Error>$/);
    const bare = await emasFetch(`${server.url}/?Action=Push`);
    assert.match(bare.text, /<Code>MissingVersion<\/Code>/);
  });
});

describe('EMAS gateway: Throttling.User', () => {
  test('past the app\'s request allowance', async () => {
    const server = await startTestServer({ limits: { requestsPerWindow: 3, windowSeconds: 60 } });
    try {
      const e = await emasClient(server);
      await awayFromWindowEdge(60);
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await emasFetch(`${server.url}/?${signedQuery('GET', e.key.accessKeySecret, { Action: 'ListSummaryApps', AccessKeyId: e.key.accessKeyId })}`);
        codes.push(res.status === 200 ? 'ok' : `${res.status} ${String(res.body.Code)}`);
      }
      assert.deepEqual(codes, ['ok', 'ok', 'ok', '400 Throttling.User', '400 Throttling.User']);
    } finally {
      await server.close();
    }
  });
});
