import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { createApp } from '../../src/apps/app-directory.js';
import { LocalBusHub } from '../../src/bus/local-bus.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config.js';
import { startNode, type RunningNode } from '../../src/node.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { basic } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const DEVICES = 60;
/** big_push_duration 1 lasts this long here. */
const MINUTE_MS = 5000;

/** A bare connection that records every push frame (no SDK in between to drop repeats) and acks it. */
class RawDevice {
  frames: string[] = [];
  private ws: WebSocket | null = null;
  private closed = false;

  constructor(
    private readonly url: () => string,
    readonly registrationId: string,
    private readonly secret: string,
  ) {}

  connect(): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.url().replace(/^http/, 'ws') + '/v1/gateway');
      this.ws = ws;
      ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: this.registrationId, device_secret: this.secret })));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { t: string; msg_id?: string };
        if (frame.t === 'ready') resolve();
        else if (frame.t === 'push' && frame.msg_id) {
          this.frames.push(frame.msg_id);
          ws.send(JSON.stringify({ t: 'ack', msg_ids: [frame.msg_id] }));
        }
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        resolve();
        if (!this.closed) setTimeout(() => void this.connect(), 100);
      });
    });
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('two nodes pacing one push (one restarted mid-way) claim each slice once: progress never goes back, no device gets it twice', { timeout: 60_000 }, async () => {
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
  let b: RunningNode = await startNode(config(2, portB), undefined, { bus: hub.join(2) });
  const devices: RawDevice[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    const app = await createApp(a.ctx.store, 'paced-cluster');
    for (let i = 0; i < DEVICES; i++) {
      const node = i % 2 === 0 ? a : b;
      const r = await fetch(`${node.url}/v1/devices/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_key: app.appKey, platform: 'android' }),
      });
      assert.equal(r.status, 200);
      const body = (await r.json()) as { registration_id: string; device_secret: string };
      devices.push(new RawDevice(() => (i % 2 === 0 ? a : b).url, body.registration_id, body.device_secret));
    }
    await Promise.all(devices.map((d) => d.connect()));
    await waitFor(() => devices.every((d) => d.open), 5000, 'every device connected');

    const res = await fetch(`${a.url}/v3/push`, {
      method: 'POST',
      headers: { authorization: basic(app), 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'all', audience: 'all', notification: { alert: 'paced' }, options: { big_push_duration: 1, time_to_live: 600 } }),
    });
    assert.equal(res.status, 200);
    const { msg_id: msgId } = (await res.json()) as { msg_id: string };

    // the stored progress, sampled from the shared file as the push goes out
    const progress = (a.ctx.store as SqliteStore).db.prepare('SELECT released, finished_at FROM paced_pushes WHERE msg_id = ?').safeIntegers(false);
    const seen: number[] = [];
    sampler = setInterval(() => {
      const row = progress.get(BigInt(msgId)) as { released: number } | undefined;
      if (row) seen.push(row.released);
    }, 10);

    // node b restarts a fifth of the way in: it restores the push from the store and paces it too
    await new Promise((r) => setTimeout(r, MINUTE_MS / 5));
    await b.stop();
    b = await startNode(config(2, portB), undefined, { bus: hub.join(2) });

    const got = () => devices.filter((d) => d.frames.includes(msgId)).length;
    await waitFor(() => got() === DEVICES, MINUTE_MS * 3, `every device to get the paced push (have ${got()})`);
    await new Promise((r) => setTimeout(r, 500)); // room for a late repeat to show
    clearInterval(sampler);

    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `stored progress went back: ${seen.slice(Math.max(0, i - 3), i + 2).join(' ')}`);
    const row = progress.get(BigInt(msgId)) as { released: number; finished_at: number | null };
    assert.equal(row.released, DEVICES);
    assert.notEqual(row.finished_at, null);
    // devices on node a never lost their connection: any repeat there would be a slice released twice
    const repeated = devices.filter((d, i) => i % 2 === 0 && d.frames.filter((m) => m === msgId).length > 1);
    assert.deepEqual(
      repeated.map((d) => d.registrationId),
      [],
      'devices on node a got the push more than once',
    );
  } finally {
    if (sampler) clearInterval(sampler);
    for (const d of devices) d.close();
    await a.stop();
    await b.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
