import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

function preflight(server: TestServer, path: string, origin: string): Promise<Response> {
  return fetch(server.url + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
}

describe('CORS on the device-facing endpoints', () => {
  describe('default: any origin', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
    });
    after(() => server.close());

    test('the registration preflight is answered, and so is the registration', async () => {
      const pre = await preflight(server, '/v1/devices/register', 'https://shop.example');
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type');
      assert.equal(pre.headers.get('access-control-max-age'), '600');
      assert.equal(pre.headers.get('access-control-allow-credentials'), null);
      const res = await call(server, 'POST', '/v1/devices/register', {
        body: { app_key: server.app.appKey, platform: 'web' },
        auth: null,
        headers: { origin: 'https://shop.example' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      // errors carry the header too, so a page can read the error code
      const bad = await call(server, 'POST', '/v1/devices/register', { body: { platform: 'web' }, auth: null, headers: { origin: 'https://shop.example' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get('access-control-allow-origin'), '*');
    });

    test('the server-side APIs stay without CORS: no preflight, no header', async () => {
      const pre = await preflight(server, '/v3/push', 'https://shop.example');
      // the JPush API's own answer to a method it does not take
      assert.ok(pre.status === 404 || pre.status === 405, String(pre.status));
      assert.equal(pre.headers.get('access-control-allow-origin'), null);
      const push = await call(server, 'POST', '/v3/push', {
        body: { platform: 'all', audience: 'all', notification: { alert: 'x' } },
        headers: { origin: 'https://shop.example' },
      });
      assert.equal(push.status, 200);
      assert.equal(push.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('a configured list of origins', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ cors: { origins: ['https://app.example.com', 'http://localhost:3000'] } });
    });
    after(() => server.close());

    test('an allowed origin is echoed (with Vary: Origin); any other gets no CORS header', async () => {
      const ok = await preflight(server, '/v1/devices/register', 'http://localhost:3000');
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
      assert.match(ok.headers.get('vary') ?? '', /Origin/i);
      const other = await preflight(server, '/v1/devices/register', 'https://evil.example');
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('CORS switched off', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ cors: { origins: [] } });
    });
    after(() => server.close());

    test('no preflight answer and no header', async () => {
      const pre = await preflight(server, '/v1/devices/register', 'https://shop.example');
      assert.equal(pre.status, 404);
      assert.equal(pre.headers.get('access-control-allow-origin'), null);
    });
  });

  test('cors.origins is checked at start', () => {
    assert.deepEqual(loadConfig({}, { BOREALIS_CORS_ORIGINS: 'https://a.example, http://b.example:8080' }).cors.origins, [
      'https://a.example',
      'http://b.example:8080',
    ]);
    assert.deepEqual(loadConfig({}, { BOREALIS_CORS_ORIGINS: '' }).cors.origins, []);
    for (const bad of ['https://a.example/', 'a.example', 'javascript:x', 'https://a.example/path']) {
      assert.throws(() => loadConfig({}, { BOREALIS_CORS_ORIGINS: bad }), ConfigError, bad);
    }
  });
});
