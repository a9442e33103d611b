import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Whether the gateway path accepts a WebSocket upgrade on this server. */
function upgrades(server: TestServer): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/v1/gateway');
    ws.once('open', () => {
      ws.close();
      resolve(true);
    });
    ws.once('error', () => resolve(false));
  });
}

describe('roles: --role api takes no device connections; every role answers /readyz with itself', () => {
  let api: TestServer;
  let worker: TestServer;
  before(async () => {
    api = await startTestServer({ role: 'api', nodeId: 3 });
    worker = await startTestServer({ role: 'worker', nodeId: 4 });
  });
  after(async () => {
    await api.close();
    await worker.close();
  });

  test('an api node refuses the gateway, a worker too; both still serve the HTTP API and readiness', async () => {
    assert.equal(await upgrades(api), false);
    assert.equal(await upgrades(worker), false);
    for (const [server, role, node] of [[api, 'api', 3], [worker, 'worker', 4]] as const) {
      const r = await fetch(`${server.url}/readyz`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: 'ready', node, role });
    }
  });

  test('the default node takes device connections', async () => {
    const all = await startTestServer();
    try {
      assert.equal(await upgrades(all), true);
    } finally {
      await all.close();
    }
  });

  test('role and bus.url are checked at start', () => {
    assert.throws(() => loadConfig({ role: 'boss' }, {}), ConfigError);
    assert.throws(() => loadConfig({}, { BOREALIS_BUS_URL: 'http://nats:4222' }), ConfigError);
    assert.equal(loadConfig({}, { BOREALIS_BUS_URL: 'nats://nats:4222', BOREALIS_ROLE: 'gateway' }).role, 'gateway');
  });
});
