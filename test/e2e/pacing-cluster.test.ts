import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../src/apps/app-directory.js';
import { LocalBusHub } from '../../src/bus/local-bus.js';
import { DEFAULT_CONFIG, sqliteFile, type Config } from '../../src/config.js';
import { startNode, type RunningNode } from '../../src/node.js';
import { basic } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { RawDevice } from '../helpers/raw-device.js';

const DEVICES = 60;
/** big_push_duration 1 lasts this long here. */
const MINUTE_MS = 5000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Pair {
  a: RunningNode;
  b: RunningNode;
  devices: RawDevice[];
  /** Devices connected to node a (even) and node b (odd). */
  onA: RawDevice[];
  onB: RawDevice[];
  /** Accepts a paced push on node a; returns its msg_id. */
  pushPaced(): Promise<string>;
  /** The stored progress of a paced push. */
  progress(msgId: string): { released: number; finished_at: number | null } | undefined;
  restartB(): Promise<void>;
  close(): Promise<void>;
}

/** Two nodes on one SQLite file joined by the in-process bus, DEVICES raw devices split over them. */
async function startPair(): Promise<Pair> {
  const dataDir = mkdtempSync(join(tmpdir(), 'borealis-pacing-cluster-'));
  const hub = new LocalBusHub();
  const portB = await freePort();
  const config = (nodeId: number, port: number): Config => ({
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    port,
    dataDir,
    nodeId,
    logLevel: 'silent',
    store: { ...DEFAULT_CONFIG.store, synchronous: 'normal' },
    limits: { ...DEFAULT_CONFIG.limits, registrationsPerAddress: 0 },
    delivery: { ...DEFAULT_CONFIG.delivery, pacingMinuteMs: MINUTE_MS },
  });
  const a = await startNode(config(1, 0), undefined, { bus: hub.join(1) });
  const pair: Pair = {
    a,
    b: await startNode(config(2, portB), undefined, { bus: hub.join(2) }),
    devices: [],
    onA: [],
    onB: [],
    pushPaced: async () => {
      const res = await fetch(`${a.url}/v3/push`, {
        method: 'POST',
        headers: { authorization: basic(app), 'content-type': 'application/json' },
        body: JSON.stringify({ platform: 'all', audience: 'all', notification: { alert: 'paced' }, options: { big_push_duration: 1, time_to_live: 600 } }),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { msg_id: string }).msg_id;
    },
    progress: (msgId) => read.get(BigInt(msgId)) as { released: number; finished_at: number | null } | undefined,
    restartB: async () => {
      await pair.b.stop();
      pair.b = await startNode(config(2, portB), undefined, { bus: hub.join(2) });
    },
    close: async () => {
      for (const d of pair.devices) d.close();
      await pair.a.stop();
      await pair.b.stop();
      file.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  // its own connection to the file: it outlives either node
  const file = new Database(sqliteFile(config(1, 0)), { readonly: true });
  const read = file.prepare('SELECT released, finished_at FROM paced_pushes WHERE msg_id = ?').safeIntegers(false);
  const app = await createApp(a.ctx.store, 'paced-cluster');
  for (let i = 0; i < DEVICES; i++) {
    const onA = i % 2 === 0;
    const r = await fetch(`${(onA ? pair.a : pair.b).url}/v1/devices/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_key: app.appKey, platform: 'android' }),
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { registration_id: string; device_secret: string };
    const d = new RawDevice(() => (onA ? pair.a : pair.b).url, body.registration_id, body.device_secret, () => 100);
    pair.devices.push(d);
    (onA ? pair.onA : pair.onB).push(d);
  }
  await Promise.all(pair.devices.map((d) => d.connect()));
  await waitFor(() => pair.devices.every((d) => d.open), 5000, 'every device connected');
  return pair;
}

const gotIt = (devices: RawDevice[], msgId: string) => devices.filter((d) => d.frames.includes(msgId)).length;

test('two nodes pacing one push (one restarted mid-way) claim each slice once: progress never goes back, no device gets it twice', { timeout: 60_000 }, async () => {
  const pair = await startPair();
  let sampler: NodeJS.Timeout | undefined;
  try {
    const msgId = await pair.pushPaced();
    // the stored progress, sampled from the shared file as the push goes out
    const seen: number[] = [];
    sampler = setInterval(() => {
      const row = pair.progress(msgId);
      if (row) seen.push(row.released);
    }, 10);

    // node b restarts a fifth of the way in: it restores the push from the store and paces it too
    await new Promise((r) => setTimeout(r, MINUTE_MS / 5));
    await pair.restartB();

    await waitFor(() => gotIt(pair.devices, msgId) === DEVICES, MINUTE_MS * 3, `every device to get the paced push (have ${gotIt(pair.devices, msgId)})`);
    await new Promise((r) => setTimeout(r, 500)); // room for a late repeat to show
    clearInterval(sampler);

    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `stored progress went back: ${seen.slice(Math.max(0, i - 3), i + 2).join(' ')}`);
    const row = pair.progress(msgId)!;
    assert.equal(row.released, DEVICES);
    assert.notEqual(row.finished_at, null);
    // devices on node a never lost their connection: any repeat there would be a slice released twice
    const repeated = pair.onA.filter((d) => d.frames.filter((m) => m === msgId).length > 1);
    assert.deepEqual(
      repeated.map((d) => d.registrationId),
      [],
      'devices on node a got the push more than once',
    );
  } finally {
    if (sampler) clearInterval(sampler);
    await pair.close();
  }
});

test('a paced push goes on when the node that accepted it stops: the other node takes it up from the stored progress', { timeout: 90_000 }, async () => {
  const pair = await startPair();
  try {
    const msgId = await pair.pushPaced();
    await waitFor(() => (pair.progress(msgId)?.released ?? 0) > 0, MINUTE_MS, 'a first slice');
    await new Promise((r) => setTimeout(r, MINUTE_MS / 4));
    await pair.a.stop();
    const stoppedAt = pair.progress(msgId)!.released;
    assert.ok(stoppedAt < DEVICES, 'node a stopped before the end');
    await waitFor(() => gotIt(pair.onB, msgId) === pair.onB.length, MINUTE_MS * 6, `every device on node b to get the push (have ${gotIt(pair.onB, msgId)})`);
    const row = pair.progress(msgId)!;
    assert.equal(row.released, DEVICES);
    assert.notEqual(row.finished_at, null);
    assert.deepEqual(
      pair.onB.filter((d) => d.frames.filter((m) => m === msgId).length > 1).map((d) => d.registrationId),
      [],
      'devices on node b got the push more than once',
    );
  } finally {
    await pair.close();
  }
});
