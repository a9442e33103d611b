import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import { startServe, type ServeProcess } from '../helpers/cli.js';
import { NatsProcess, RoundRobinProxy } from '../helpers/cluster.js';
import { startClient, type TestClient } from '../helpers/devices.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { basic, TEST_STORE, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const DEVICES = 30;

/**
 * Three `borealis serve` processes on one store, joined by a NATS bus, behind a round-robin
 * TCP balancer that SDK devices connect through. The store is the test run's: a shared SQLite
 * file (WAL lets processes of one machine share it), or a PostgreSQL database of its own
 * (BOREALIS_TEST_STORE=postgres), the store for nodes on several machines.
 */
describe(`cluster: three node processes, one store (${TEST_STORE}), a NATS bus, devices behind a balancer`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'borealis-cluster-'));
  let database: TestDatabase | undefined;
  let nats: NatsProcess;
  let proxy: RoundRobinProxy;
  const nodes: ServeProcess[] = [];
  const clients: TestClient[] = [];
  let app: Credentials;

  const post = async (node: ServeProcess, body: unknown) => {
    const res = await fetch(`${node.url}/v3/push`, {
      method: 'POST',
      headers: { authorization: basic(app), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { msg_id?: string };
    assert.equal(res.status, 200, JSON.stringify(json));
    return json.msg_id!;
  };
  const everyoneGot = (msgId: string, ms: number) =>
    waitFor(() => clients.every((c) => c.pushes.some((p) => p.msgId === msgId)), ms, `push ${msgId} on all ${DEVICES} devices (missing on ${clients.filter((c) => !c.pushes.some((p) => p.msgId === msgId)).length})`);
  const connectedOn = async (node: ServeProcess) => {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    return Number(/^borealis_connected_devices\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? NaN);
  };
  const received = async (node: ServeProcess, msgId: string) => {
    const res = await fetch(`${node.url}/v3/received?msg_ids=${msgId}`, { headers: { authorization: basic(app) } });
    const [row] = (await res.json()) as { android_received: number | null }[];
    return row?.android_received ?? 0;
  };

  before(async () => {
    nats = await NatsProcess.start();
    proxy = await RoundRobinProxy.start();
    if (TEST_STORE === 'postgres') database = await createTestDatabase();
    const store = database ? { url: database.url } : { synchronous: 'normal' };
    for (const nodeId of [1, 2, 3]) {
      const file = join(dataDir, `node-${nodeId}.json`);
      // narrowTargets 10: a push to every device is held in memory (wide), one to a few waits in inboxes
      writeFileSync(file, JSON.stringify({ nodeId, bus: { url: nats.url }, logLevel: 'info', store, delivery: { narrowTargets: 10 } }));
      const node = await startServe(['--data', dataDir, '--config', file]);
      nodes.push(node);
      proxy.add(node.url);
    }
    // the first node to start on the fresh store made its first app, as a lone `borealis serve` does
    await waitFor(() => /masterSecret:/.test(nodes[0]!.stdout()), 5000, 'the first app on node 1');
    const appKey = /appKey:\s+(\S+)/.exec(nodes[0]!.stdout())![1]!;
    const masterSecret = /masterSecret:\s+(\S+)/.exec(nodes[0]!.stdout())![1]!;
    app = { appKey, masterSecret };
    assert.ok(nodes.slice(1).every((n) => !/masterSecret:/.test(n.stdout())), 'one first app only');
    for (let i = 0; i < DEVICES; i++) clients.push(await startClient({ url: proxy.url } as TestServer, app, { tags: ['news'] }));
  });
  after(async () => {
    for (const c of clients) await c.close();
    for (const n of nodes) await n.stop('SIGTERM');
    await proxy?.close();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });

  test('devices are spread over the three nodes', async () => {
    const counts = await Promise.all(nodes.map(connectedOn));
    assert.equal(counts.reduce((a, b) => a + b, 0), DEVICES, `connections per node: ${counts}`);
    for (const c of counts) assert.ok(c >= DEVICES / 3 - 2, `connections per node: ${counts}`);
  });

  test('a push accepted on any node reaches the devices of every node', async () => {
    // wide, from node 1; a tag push from node 2; a registration-id push from node 3 (inboxed)
    const all = await post(nodes[0]!, { platform: 'all', audience: 'all', notification: { alert: 'all' } });
    const tag = await post(nodes[1]!, { platform: 'all', audience: { tag: ['news'] }, notification: { alert: 'news' } });
    const some = clients.slice(0, 5);
    const rid = await post(nodes[2]!, { platform: 'all', audience: { registration_id: some.map((c) => c.registrationId) }, notification: { alert: 'you' } });
    await everyoneGot(all, 10_000);
    await everyoneGot(tag, 10_000);
    await waitFor(() => some.every((c) => c.pushes.some((p) => p.msgId === rid)), 10_000, 'the registration-id push');
    assert.ok(clients.slice(5).every((c) => !c.pushes.some((p) => p.msgId === rid)), 'only its targets got the registration-id push');
  });

  let broadcast = '';
  test('kill -9 of a node during a broadcast: its devices reconnect to the others and every device gets the push once', async () => {
    const onVictim = await connectedOn(nodes[2]!);
    assert.ok(onVictim > 0);
    const victim = nodes[2]!;
    const [msgId] = await Promise.all([post(nodes[0]!, { platform: 'all', audience: 'all', notification: { alert: 'during a crash' } }), victim.stop('SIGKILL')]);
    broadcast = msgId;
    await everyoneGot(msgId, 30_000);
    for (const c of clients) assert.equal(c.pushes.filter((p) => p.msgId === msgId).length, 1, 'the SDK hands each push over once');
    await waitFor(async () => (await connectedOn(nodes[0]!)) + (await connectedOn(nodes[1]!)) === DEVICES, 15_000, 'every device connected to the two nodes left');
  });

  test('receipts saved by every node add up in the Report API of each', async () => {
    assert.ok(broadcast);
    for (const node of nodes.slice(0, 2)) await waitFor(async () => (await received(node, broadcast)) === DEVICES, 15_000, `${DEVICES} received on ${node.url}`);
  });

  test('a node that lost the bus catches up from the store: pushes accepted meanwhile reach its devices', async () => {
    const [accepting, survivor] = [nodes[0]!, nodes[1]!];
    const onSurvivor = await connectedOn(survivor);
    assert.ok(onSurvivor > 0);
    await nats.stop();
    await waitFor(async () => (await fetch(`${survivor.url}/readyz`)).status === 503, 5000, 'node 2 to report itself unready without its bus');
    const msgId = await post(accepting, { platform: 'all', audience: { tag: ['news'] }, notification: { alert: 'while the bus was down' } });
    // the accepting node dies with its unsent bus event: only the store knows of the push
    await accepting.stop('SIGKILL');
    await nats.restart();
    await everyoneGot(msgId, 20_000);
    await waitFor(() => /caught up from the store after a bus gap/.test(survivor.stdout()), 5000, 'the catch-up in the log');
    await waitFor(async () => (await fetch(`${survivor.url}/readyz`)).status === 200, 10_000, 'node 2 ready again');
  });
});
