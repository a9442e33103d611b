import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { BorealisClient } from '../../sdk/src/node.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

/** The value of one sample in Prometheus text that has only the node's own labels. */
function sample(text: string, name: string): number {
  const m = new RegExp(`^${name}\\{node="0",role="all"\\} ([0-9.e+-]+)$`, 'm').exec(text);
  assert.ok(m, `${name} missing`);
  return Number(m[1]);
}

async function scrape(server: TestServer): Promise<string> {
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

describe('operational gauges on /metrics', () => {
  let server: TestServer;
  let device: BorealisClient;
  before(async () => {
    server = await startTestServer();
    device = new BorealisClient({ server: server.url, appKey: server.app.appKey, platform: 'android', reconnect: false });
    await device.connect();
  });
  after(async () => {
    await device.close();
    await server.close();
  });

  test('connected devices, live pushes, inbox entries, callback queue, database size, event-loop lag', async () => {
    const before = await scrape(server);
    assert.equal(sample(before, 'borealis_connected_devices'), 1);
    assert.equal(sample(before, 'borealis_inbox_entries'), 0);
    assert.equal(sample(before, 'borealis_callback_queue_batches'), 0);
    const bytesBefore = sample(before, 'borealis_database_bytes');
    assert.ok(bytesBefore > 0);
    assert.ok(sample(before, 'borealis_nodejs_eventloop_lag_seconds') >= 0);
    const liveBefore = sample(before, 'borealis_live_pushes');

    // pushes to offline devices wait in their inboxes (21 to the two offline devices, plus the
    // 'all' push for whichever targets have not acknowledged yet); the 'all' push reaches the
    // connected device, so it is held in memory while delivered
    const narrow = await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience: { alias: ['x'] }, notification: { alert: 'later' } } });
    assert.equal(narrow.status, 200, narrow.text);
    const wide = await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience: 'all', notification: { alert: 'all' } } });
    assert.equal(wide.status, 200, wide.text);
    for (let i = 0; i < 20; i++) {
      const big = 'x'.repeat(2000);
      await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience: { alias: ['someone'] }, notification: { alert: big } } });
    }

    const afterPushes = await scrape(server);
    const inbox = sample(afterPushes, 'borealis_inbox_entries');
    assert.ok(inbox >= 21 && inbox <= 24, String(inbox));
    assert.ok(sample(afterPushes, 'borealis_live_pushes') >= liveBefore + 1);
    assert.ok(sample(afterPushes, 'borealis_database_bytes') > bytesBefore);

    await device.close();
    const deadline = Date.now() + 10_000;
    while (sample(await scrape(server), 'borealis_connected_devices') !== 0) {
      assert.ok(Date.now() < deadline, 'the closed connection is still counted');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  test('the Grafana dashboard queries only metrics the server exposes', async () => {
    const dashboard = readFileSync(new URL('../../deploy/grafana/borealis.json', import.meta.url), 'utf8');
    const exprs = [...dashboard.matchAll(/"expr": "((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    assert.ok(exprs.length >= 10);
    const names = new Set(exprs.flatMap((e) => e.match(/borealis_[a-z0-9_]+/g) ?? []));
    // histograms and counters appear once something was counted
    await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience: 'all', notification: { alert: 'count me' } } });
    await call(server, 'POST', '/v3/push', { body: { platform: 'all' } });
    const text = await scrape(server);
    for (const name of names) assert.match(text, new RegExp(`^${name}[{ ]`, 'm'), `${name} is not exposed`);
  });
});
