import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';

// Every test app has an Android device with alias "someone" (see the helper's DEFAULT_DEVICES).
const simplePush = (extra: Record<string, unknown> = {}) => ({
  platform: 'all',
  audience: { alias: ['someone'] },
  notification: { alert: 'hello' },
  ...extra,
});

describe('POST /v3/push over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('accepts a push and answers sendno and a numeric msg_id', async () => {
    const res = await call(server, 'POST', '/v3/push', { body: simplePush() });
    assert.equal(res.status, 200);
    const body = res.body as { sendno: string; msg_id: string };
    assert.equal(body.sendno, '0');
    assert.match(body.msg_id, /^[1-9][0-9]{14,15}$/);
    assert.ok(Number(body.msg_id) <= Number.MAX_SAFE_INTEGER);
    assert.deepEqual(Object.keys(body).sort(), ['msg_id', 'sendno']);
  });

  test('echoes options.sendno as a string', async () => {
    const res = await call(server, 'POST', '/v3/push', { body: simplePush({ options: { sendno: 123456 } }) });
    assert.equal(res.status, 200);
    assert.equal((res.body as { sendno: string }).sendno, '123456');
  });

  test('msg_ids are unique and increasing, also under concurrency', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => call(server, 'POST', '/v3/push', { body: simplePush() })),
    );
    const ids = results.map((r) => BigInt((r.body as { msg_id: string }).msg_id));
    assert.equal(new Set(ids).size, ids.length);
    const first = BigInt(((await call(server, 'POST', '/v3/push', { body: simplePush() })).body as { msg_id: string }).msg_id);
    assert.ok(ids.every((id) => id < first));
  });

  test('the push is durable before its msg_id is returned, and survives a restart', async () => {
    const res = await call(server, 'POST', '/v3/push', {
      body: simplePush({ message: { msg_content: 'durable' }, options: { time_to_live: 60 } }),
    });
    const msgId = (res.body as { msg_id: string }).msg_id;
    const stored = await server.node.ctx.store.pushes.get(msgId);
    assert.ok(stored, 'stored before the answer');
    assert.equal(stored.message?.msg_content, 'durable');
    assert.equal(stored.expiresAt - stored.createdAt, 60_000);
    await server.restart();
    const again = await server.node.ctx.store.pushes.get(msgId);
    assert.equal(again?.msgId, msgId);
    assert.deepEqual(again?.audience, { alias: ['someone'] });
    // ids keep increasing after the restart
    const next = await call(server, 'POST', '/v3/push', { body: simplePush() });
    assert.ok(BigInt((next.body as { msg_id: string }).msg_id) > BigInt(msgId));
  });

  test('validate answers like push but stores nothing', async () => {
    const res = await call(server, 'POST', '/v3/push/validate', { body: simplePush({ options: { sendno: 7 } }) });
    assert.equal(res.status, 200);
    const body = res.body as { sendno: string; msg_id: string };
    assert.equal(body.sendno, '7');
    assert.match(body.msg_id, /^[0-9]+$/);
    assert.equal(await server.node.ctx.store.pushes.get(body.msg_id), undefined);
  });

  test('validate reports the same errors as push', async () => {
    const bad = simplePush({ notification: { alert: 'x', android: { build_id: 1 } } });
    for (const path of ['/v3/push', '/v3/push/validate']) {
      const res = await call(server, 'POST', path, { body: bad });
      assert.equal(res.status, 400, path);
      assert.equal(errorCode(res), 1009, path);
    }
  });

  describe('authentication', () => {
    test('missing Authorization: 401 / 1004', async () => {
      const res = await call(server, 'POST', '/v3/push', { body: simplePush(), auth: null });
      assert.equal(res.status, 401);
      assert.equal(errorCode(res), 1004);
      assert.equal(typeof (res.body as { error: { message: string } }).error.message, 'string');
    });
    test('wrong secret, unknown appKey, malformed headers: 401 / 1004', async () => {
      const wrong = { appKey: server.app.appKey, masterSecret: 'f'.repeat(24) };
      const unknown = { appKey: 'a'.repeat(24), masterSecret: server.app.masterSecret };
      const headers = [
        wrong,
        unknown,
        'Bearer abc',
        'Basic',
        'Basic !!!!',
        'Basic ' + Buffer.from('nocolon').toString('base64'),
        'Basic ' + Buffer.from(`:${server.app.masterSecret}`).toString('base64'),
        'Basic ' + 'A'.repeat(5000),
      ];
      for (const auth of headers) {
        const res = await call(server, 'POST', '/v3/push', { body: simplePush(), auth });
        assert.equal(res.status, 401, JSON.stringify(auth).slice(0, 60));
        assert.equal(errorCode(res), 1004);
      }
    });
    test('a rotated secret stops working', async () => {
      const other = await server.createApp('rotating');
      assert.equal((await call(server, 'POST', '/v3/push', { body: simplePush(), auth: other })).status, 200);
      const { rotateSecret } = await import('../../src/apps/app-directory.js');
      const rotated = await rotateSecret(server.node.ctx.store, other.appKey);
      assert.ok(rotated);
      server.node.ctx.apps.invalidate(other.appKey);
      assert.equal((await call(server, 'POST', '/v3/push', { body: simplePush(), auth: other })).status, 401);
      assert.equal((await call(server, 'POST', '/v3/push', { body: simplePush(), auth: rotated })).status, 200);
    });
  });

  describe('HTTP-level errors', () => {
    test('other methods on /v3/push and /v3/push/validate: 405 / 1001', async () => {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        for (const path of ['/v3/push', '/v3/push/validate']) {
          const res = await call(server, method, path);
          assert.equal(res.status, 405, `${method} ${path}`);
          assert.equal(errorCode(res), 1001);
        }
      }
    });
    test('malformed JSON: 400 with a code, never 500', async () => {
      for (const raw of ['{', '{"platform":', 'null x', '\u0000\u0001', '{"a":1}}', '[1,2', 'undefined']) {
        const res = await call(server, 'POST', '/v3/push', { raw, headers: { 'content-type': 'application/json' } });
        assert.equal(res.status, 400, raw);
        assert.ok([1002, 1003].includes(errorCode(res) ?? 0), raw);
      }
    });
    test('empty body: 400 / 1002', async () => {
      const res = await call(server, 'POST', '/v3/push', { raw: '', headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400);
      assert.equal(errorCode(res), 1002);
    });
    test('a body of the wrong JSON type: 400', async () => {
      for (const body of [[], 1, 'push', true, null]) {
        const res = await call(server, 'POST', '/v3/push', { raw: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.ok(errorCode(res));
      }
    });
    test('prototype pollution keys are refused cleanly', async () => {
      const raw = '{"platform":"all","audience":"all","notification":{"alert":"x"},"__proto__":{"polluted":1}}';
      const res = await call(server, 'POST', '/v3/push', { raw, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
    test('JSON sent without a JSON content type is still read', async () => {
      const res = await call(server, 'POST', '/v3/push', {
        raw: JSON.stringify(simplePush()),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.status, 200);
    });
    test('a URL that cannot be decoded: 400 with the error body', async () => {
      const res = await call(server, 'GET', '/v3/tags/%E4%B8');
      assert.equal(res.status, 400);
      assert.equal(errorCode(res), 1003);
    });
    test('unknown paths: 404 with the error body', async () => {
      const res = await call(server, 'GET', '/v3/nothing-here');
      assert.equal(res.status, 404);
      assert.ok(errorCode(res));
    });
  });

  describe('override_msg_id', () => {
    test('must name a push of this app', async () => {
      const first = await call(server, 'POST', '/v3/push', { body: simplePush() });
      const msgId = (first.body as { msg_id: string }).msg_id;
      // JPush SDKs send the id as a JSON number; our ids stay exact as numbers
      const ok = await call(server, 'POST', '/v3/push', { body: simplePush({ options: { override_msg_id: Number(msgId) } }) });
      assert.equal(ok.status, 200, ok.text);
      const asString = await call(server, 'POST', '/v3/push', { body: simplePush({ options: { override_msg_id: msgId } }) });
      assert.equal(asString.status, 200, asString.text);
      const unknown = await call(server, 'POST', '/v3/push', { body: simplePush({ options: { override_msg_id: 1234567 } }) });
      assert.equal(unknown.status, 400);
      assert.equal(errorCode(unknown), 1003);
      const other = await server.createApp('override-other');
      const foreign = await call(server, 'POST', '/v3/push', { body: simplePush({ options: { override_msg_id: msgId } }), auth: other });
      assert.equal(foreign.status, 400);
      assert.equal(errorCode(foreign), 1003);
    });
  });

  test('GET /healthz and /metrics', async () => {
    const health = await call(server, 'GET', '/healthz', { auth: null });
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
    const metrics = await call(server, 'GET', '/metrics', { auth: null });
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /borealis_pushes_accepted_total\{[^}]*source="jpush"[^}]*\} [1-9]/);
    assert.match(metrics.text, /borealis_http_requests_total/);
  });
});

describe('request body limit', () => {
  test('a body over the limit: 413 / 1005, and the server keeps serving', async () => {
    const server = await startTestServer({ limits: { bodyBytes: 4096 } });
    try {
      const big = simplePush({ message: { msg_content: 'x'.repeat(8000) } });
      const res = await call(server, 'POST', '/v3/push', { body: big });
      assert.equal(res.status, 413);
      assert.equal(errorCode(res), 1005);
      const ok = await call(server, 'POST', '/v3/push', { body: simplePush() });
      assert.equal(ok.status, 200);
    } finally {
      await server.close();
    }
  });
});
