import assert from 'node:assert/strict';
import { until } from './apns.js';
import { call, type TestServer } from './server.js';

/**
 * Steps the end-to-end relay tests share: register a device with vendor tokens, push, and wait
 * until the relay queue holds nothing more of a push.
 */

export async function registerWithTokens(server: TestServer, platform: string, tokens: Record<string, unknown>): Promise<string> {
  const res = await call(server, 'POST', '/v1/devices/register', { body: { app_key: server.app.appKey, platform, tokens }, auth: null });
  assert.equal(res.status, 200, res.text);
  return (res.body as { registration_id: string }).registration_id;
}

/** POST /v3/push (platform all unless the body says otherwise); the msg_id. */
export async function pushOk(server: TestServer, body: Record<string, unknown>): Promise<string> {
  const res = await call(server, 'POST', '/v3/push', { body: { platform: 'all', ...body } });
  assert.equal(res.status, 200, res.text);
  return (res.body as { msg_id: string }).msg_id;
}

export function relayDone(server: TestServer, msgId: string): Promise<void> {
  return until(async () => (await server.node.ctx.store.relay.pendingFor(msgId)) === 0, `relay of ${msgId}`);
}
