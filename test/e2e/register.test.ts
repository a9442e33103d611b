import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awayFromWindowEdge } from '../helpers/rate-window.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';

describe('POST /v1/devices/register', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { registrationsPerWindow: 40 } });
  });
  after(() => server.close());

  const register = (body: unknown) => call(server, 'POST', '/v1/devices/register', { body, auth: null });

  test('registers a device: a registration id and a secret the store keeps only as a digest', async () => {
    const res = await register({ app_key: server.app.appKey, platform: 'ios', tokens: { apns: 'abc123'.repeat(11) } });
    assert.equal(res.status, 200, res.text);
    const body = res.body as { registration_id: string; device_secret: string };
    assert.match(body.registration_id, /^[0-9a-z]{19}$/);
    assert.ok(body.device_secret.length >= 20);
    const device = await server.node.ctx.registry.get(server.app.appKey, body.registration_id);
    assert.equal(device?.platform, 'ios');
    assert.deepEqual(device?.tokens, { apns: 'abc123'.repeat(11) });
    assert.ok(!device?.secretHash.toString('latin1').includes(body.device_secret));
  });

  test('updates tokens with its own credentials, keeping its id; a wrong secret is 401 / 1004', async () => {
    const first = (await register({ app_key: server.app.appKey, platform: 'android' })).body as { registration_id: string; device_secret: string };
    const upd = await register({ app_key: server.app.appKey, platform: 'android', tokens: { fcm: 'tok' }, ...first });
    assert.equal(upd.status, 200);
    assert.equal((upd.body as { registration_id: string }).registration_id, first.registration_id);
    assert.deepEqual((await server.node.ctx.registry.get(server.app.appKey, first.registration_id))?.tokens, { fcm: 'tok' });
    const wrong = await register({ app_key: server.app.appKey, platform: 'android', registration_id: first.registration_id, device_secret: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong), 1004);
    const other = await server.createApp('reg-other');
    const foreign = await register({ app_key: other.appKey, platform: 'android', ...first });
    assert.equal(foreign.status, 401);
  });

  test('bad input: documented codes, never 500', async () => {
    const cases: [unknown, number, number][] = [
      [{ platform: 'android' }, 400, 1002],
      [{ app_key: server.app.appKey }, 400, 1002],
      [{ app_key: 'not-a-key', platform: 'android' }, 400, 1008],
      [{ app_key: 'f'.repeat(24), platform: 'android' }, 400, 1008],
      [{ app_key: server.app.appKey, platform: 'winphone' }, 400, 1003],
      [{ app_key: server.app.appKey, platform: 'android', tokens: { carrier_pigeon: 'x' } }, 400, 1003],
      [{ app_key: server.app.appKey, platform: 'android', tokens: { fcm: 'x'.repeat(600) } }, 400, 1003],
      [{ app_key: server.app.appKey, platform: 'web', tokens: { webpush: { endpoint: 'javascript:x' } } }, 400, 1003],
      [{ app_key: server.app.appKey, platform: 'android', registration_id: 5, device_secret: 'x' }, 400, 1003],
      [[], 400, 1003],
      ['x', 400, 1003],
    ];
    for (const [body, status, code] of cases) {
      const res = await register(body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(errorCode(res), code, JSON.stringify(body));
    }
  });

  test('registrations per app are rate limited: 429 / 2002', async () => {
    const app = await server.createApp('reg-rate');
    await awayFromWindowEdge(60);
    const results = [];
    for (let i = 0; i < 42; i++) results.push((await register({ app_key: app.appKey, platform: 'android' })).status);
    assert.ok(results.includes(429), JSON.stringify(results));
  });
});
