import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../src/apps/app-directory.js';
import type { Credentials } from '../../src/apps/credentials.js';
import { LocalBusHub } from '../../src/bus/local-bus.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config.js';
import { startNode, type RunningNode } from '../../src/node.js';
import { startClient, type TestClient } from '../helpers/devices.js';
import { basic, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/** Two nodes in one process on one SQLite file, joined by the in-process bus. */
describe('cluster: nodes share pushes, revokes, devices, presence, receipts and limits over the bus', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'borealis-bus-'));
  const hub = new LocalBusHub();
  let a: RunningNode;
  let b: RunningNode;
  let app: Credentials;
  const clients: TestClient[] = [];

  const config = (nodeId: number): Config => ({
    ...DEFAULT_CONFIG,
    port: 0,
    dataDir,
    nodeId,
    logLevel: 'silent',
    store: { ...DEFAULT_CONFIG.store, synchronous: 'normal' },
    limits: { ...DEFAULT_CONFIG.limits, requestsPerWindow: 40, windowSeconds: 3600 },
  });
  const at = (node: RunningNode) => ({ url: node.url }) as TestServer;
  const push = async (node: RunningNode, body: unknown) => {
    const res = await fetch(`${node.url}/v3/push`, {
      method: 'POST',
      headers: { authorization: basic(app), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { msg_id?: string; error?: { code: number } } };
  };

  before(async () => {
    a = await startNode(config(1), undefined, { bus: hub.join(1) });
    b = await startNode(config(2), undefined, { bus: hub.join(2) });
    app = await createApp(a.ctx.store, 'cluster');
  });
  after(async () => {
    for (const c of clients) await c.close();
    await a.stop();
    await b.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a device registered and tagged on one node is targeted by a push accepted on the other', async () => {
    const onA = await startClient(at(a), app, { tags: ['news'] });
    clients.push(onA);
    await waitFor(() => b.ctx.index.tagCount(app.appKey, 'news') === 1, 2000, 'the tag on node b');
    const res = await push(b, { platform: 'all', audience: { tag: ['news'] }, notification: { alert: 'hello' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [got] = await onA.waitForPushes(1);
    assert.equal(got!.msgId, res.body.msg_id);
  });

  test('a broadcast accepted on one node reaches devices connected to both; receipts add up in the report', async () => {
    const onA = await startClient(at(a), app);
    const onB = await startClient(at(b), app);
    clients.push(onA, onB);
    const res = await push(a, { platform: 'all', audience: 'all', notification: { alert: 'everyone' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const msgId = res.body.msg_id!;
    for (const c of [onA, onB]) await waitFor(() => c.pushes.some((p) => p.msgId === msgId), 3000, 'the broadcast');
    // each node saves the acks of its own devices; the report of either node counts all three
    for (const node of [a, b]) {
      await waitFor(async () => {
        const r = await fetch(`${node.url}/v3/received?msg_ids=${msgId}`, { headers: { authorization: basic(app) } });
        const [row] = (await r.json()) as { android_received: number }[];
        return row!.android_received === 3;
      }, 3000, `three receipts reported by node ${node.ctx.node.id}`);
    }
  });

  test('presence: each node knows which devices the other holds', async () => {
    const onB = clients[2]!; // connected to node b in the test before
    const device = await a.ctx.registry.get(app.appKey, onB.registrationId);
    assert.ok(device);
    await waitFor(() => a.presence.isConnected(app.appKey, device.num), 2000, 'node a to see the device on node b');
    assert.equal(a.presence.nodeOf(app.appKey, device.num, 1), 2);
    await onB.close();
    await waitFor(() => !a.presence.isConnected(app.appKey, device.num), 2000, 'node a to see it leave');
  });

  test('a revoke on one node withdraws the push from devices on the other', async () => {
    const onA = clients[1]!;
    const res = await push(a, { platform: 'all', audience: 'all', notification: { alert: 'oops' }, options: { time_to_live: 600 } });
    const msgId = res.body.msg_id!;
    await waitFor(() => onA.pushes.some((p) => p.msgId === msgId), 3000, 'the push');
    // wait until node a saved the ack, so node b knows the device holds it
    await waitFor(async () => (await b.ctx.delivery.receiptsOf(app.appKey, msgId))?.received.has(1) ?? false, 3000, 'the ack');
    const del = await fetch(`${b.url}/v3/push/${msgId}`, { method: 'DELETE', headers: { authorization: basic(app) } });
    assert.equal(del.status, 200);
    await onA.waitForWithdraw(msgId);
  });

  test('rate limits count the requests of every node', async () => {
    // 40 per window for the cluster: the requests so far, then alternate nodes until refused
    let refused: { status: number; node: number } | undefined;
    for (let i = 0; i < 60 && !refused; i++) {
      const node = i % 2 === 0 ? a : b;
      const r = await fetch(`${node.url}/v3/push/validate`, {
        method: 'POST',
        headers: { authorization: basic(app), 'content-type': 'application/json' },
        body: JSON.stringify({ platform: 'all', audience: 'all', notification: { alert: 'x' } }),
      });
      if (r.status === 429) refused = { status: r.status, node: i };
      await r.arrayBuffer();
      await new Promise((r) => setTimeout(r, 15)); // past the counters' report interval
    }
    assert.ok(refused, 'the cluster-wide limit refused a request');
    assert.ok(refused.node < 40, `refused after ${refused.node} more requests, below one node's own 40`);
  });

  test('/readyz answers per node with its id and role', async () => {
    for (const node of [a, b]) {
      const r = await fetch(`${node.url}/readyz`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: 'ready', node: node.ctx.node.id, role: 'all' });
    }
    const m = await (await fetch(`${b.url}/metrics`)).text();
    assert.match(m, /borealis_pushes_accepted_total\{[^}]*node="2"/);
  });
});
