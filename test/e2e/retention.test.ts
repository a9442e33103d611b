import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

describe('retention on a running server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      retention: { pushSeconds: 1, cidSeconds: 1, callbackSeconds: 1, intervalSeconds: 3600, batchRows: 2 },
    });
  });
  after(() => server.close());

  test('pushes past their time to live and the retention are deleted, all but the newest', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(server, 'POST', '/v3/push', {
        body: { platform: 'all', audience: { registration_id: [server.devices[0]!.registrationId] }, notification: { alert: `r${i}` }, options: { time_to_live: 0 } },
      });
      assert.equal(res.status, 200, res.text);
      ids.push((res.body as { msg_id: string }).msg_id);
    }
    await new Promise((r) => setTimeout(r, 1200));
    const run = await server.node.retention.run();
    assert.equal(run.pushes, 4, 'all but the newest');
    assert.ok(run.sizeBytes > 0 && run.sizeBytes === (await server.node.ctx.store.sizeBytes()));
    for (const id of ids.slice(0, 4)) assert.equal(await server.node.ctx.store.pushes.get(id), undefined);
    assert.ok(await server.node.ctx.store.pushes.get(ids[4]!));
  });
});
