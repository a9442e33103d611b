import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awayFromWindowEdge } from '../helpers/rate-window.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';

const broadcast = { platform: 'all', audience: 'all', notification: { alert: 'everyone' } };
const single = { platform: 'all', audience: { alias: ['someone'] }, notification: { alert: 'one' } };

describe('rate limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 5, windowSeconds: 60, broadcastsPerDay: 2 } });
  });
  after(async () => {
    await server.close();
  });

  test('per-app request limit with JPush headers, then 429 / 2002', async () => {
    const app = await server.createApp('rate');
    await awayFromWindowEdge(60);
    for (let i = 0; i < 5; i++) {
      const res = await call(server, 'POST', '/v3/push', { body: single, auth: app });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-rate-limit-limit'), '5');
      assert.equal(res.headers.get('x-rate-limit-remaining'), String(4 - i));
      const reset = Number(res.headers.get('x-rate-limit-reset'));
      assert.ok(reset >= 1 && reset <= 60);
    }
    const over = await call(server, 'POST', '/v3/push', { body: single, auth: app });
    assert.equal(over.status, 429);
    assert.equal(errorCode(over), 2002);
    assert.equal(over.headers.get('x-rate-limit-remaining'), '0');
    // another app is not affected
    const other = await server.createApp('rate-other');
    assert.equal((await call(server, 'POST', '/v3/push', { body: single, auth: other })).status, 200);
  });

  test('per-app limits override the default', async () => {
    const app = await server.createApp('rate-custom');
    await server.node.ctx.store.apps.updateLimits(app.appKey, { rateLimit: 2 });
    server.node.ctx.apps.invalidate(app.appKey);
    await awayFromWindowEdge(60);
    assert.equal((await call(server, 'POST', '/v3/push', { body: single, auth: app })).headers.get('x-rate-limit-limit'), '2');
    assert.equal((await call(server, 'POST', '/v3/push', { body: single, auth: app })).status, 200);
    assert.equal((await call(server, 'POST', '/v3/push', { body: single, auth: app })).status, 429);
  });

  async function unthrottledApp(name: string) {
    const app = await server.createApp(name);
    await server.node.ctx.store.apps.updateLimits(app.appKey, { rateLimit: 0 });
    return app;
  }

  test('daily broadcast limit: 2008 past it; validate does not count', async () => {
    const app = await unthrottledApp('broadcast');
    assert.equal((await call(server, 'POST', '/v3/push/validate', { body: broadcast, auth: app })).status, 200);
    assert.equal((await call(server, 'POST', '/v3/push', { body: broadcast, auth: app })).status, 200);
    assert.equal((await call(server, 'POST', '/v3/push', { body: broadcast, auth: app })).status, 200);
    const over = await call(server, 'POST', '/v3/push', { body: broadcast, auth: app });
    assert.equal(over.status, 400);
    assert.equal(errorCode(over), 2008);
    const v = await call(server, 'POST', '/v3/push/validate', { body: broadcast, auth: app });
    assert.equal(errorCode(v), 2008);
    // non-broadcast pushes still go
    assert.equal((await call(server, 'POST', '/v3/push', { body: single, auth: app })).status, 200);
  });

  test('the broadcast count survives a restart', async () => {
    const app = await unthrottledApp('broadcast-restart');
    assert.equal((await call(server, 'POST', '/v3/push', { body: broadcast, auth: app })).status, 200);
    assert.equal((await call(server, 'POST', '/v3/push', { body: broadcast, auth: app })).status, 200);
    await server.restart();
    assert.equal(errorCode(await call(server, 'POST', '/v3/push', { body: broadcast, auth: app })), 2008);
  });
});
