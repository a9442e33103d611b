import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { BorealisClient, type WebSocketConstructor } from '../../sdk/src/index.js';
import { runCli, startServe, type ServeProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/gateway.js';

const DEVICES = 12;
const PUSHES = 8;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('receipts survive kill -9 of the server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-crash-'));
  const clients: BorealisClient[] = [];
  let server: ServeProcess | undefined;
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('every ack and click sent before the crash is in the Report API after the restart', { timeout: 180_000 }, async () => {
    const created = runCli(['app', 'create', '--name', 'crash', '--json', '--data', dir]);
    assert.equal(created.status, 0, created.stderr);
    const { appKey, masterSecret } = JSON.parse(created.stdout) as { appKey: string; masterSecret: string };
    const port = await freePort();
    server = await startServe(['--data', dir, '--port', String(port)]);
    const url = server.url;

    const received = new Map<string, number>();
    // The last push is clicked just before the crash: clicked at once like the others, its clicks
    // could all be saved and confirmed before the kill, and the crash would catch none in flight.
    const lastAlert = `n${PUSHES - 1}`;
    const heldClicks: (() => void)[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const c = new BorealisClient({
        server: url,
        appKey,
        platform: 'android',
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        reconnect: { minDelayMs: 100, maxDelayMs: 500 },
      });
      // half the devices open every notification at once (the last one just before the crash): a
      // burst of clicks right behind the acks (a click counts as received too, so the other
      // half's acks stand on their own)
      const clicks = i % 2 === 0;
      c.on('notification', (p) => {
        received.set(p.msgId, (received.get(p.msgId) ?? 0) + 1);
        if (!clicks) return;
        if (p.notification?.alert === lastAlert) heldClicks.push(() => c.click(p.msgId));
        else c.click(p.msgId);
      });
      c.on('error', () => {});
      clients.push(c);
      await c.connect();
    }

    // time_to_live 0: nothing is sent again after the restart, so only receipts the devices
    // resend can reach the report
    const msgIds: string[] = [];
    const auth = 'Basic ' + Buffer.from(`${appKey}:${masterSecret}`).toString('base64');
    for (let i = 0; i < PUSHES; i++) {
      const res = await fetch(`${url}/v3/push`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ platform: 'all', audience: 'all', notification: { alert: `n${i}` }, options: { time_to_live: 0 } }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      msgIds.push(((await res.json()) as { msg_id: string }).msg_id);
    }
    await waitFor(() => msgIds.every((id) => received.get(id) === DEVICES), 30_000);
    assert.equal(heldClicks.length, DEVICES / 2);
    for (const click of heldClicks) click();

    const unconfirmed = () => clients.reduce((n, c) => n + c.unconfirmed.acks + c.unconfirmed.clicks, 0);
    const acksInFlight = clients.reduce((n, c, i) => n + (i % 2 === 1 ? c.unconfirmed.acks : 0), 0);
    const clicksInFlight = clients.reduce((n, c) => n + c.unconfirmed.clicks, 0);
    await server.stop('SIGKILL');
    // the crash must come while receipts were unconfirmed, else this test proves nothing
    assert.ok(acksInFlight > 0 && clicksInFlight > 0, `unconfirmed at the crash: ${acksInFlight} acks, ${clicksInFlight} clicks`);

    server = await startServe(['--data', dir, '--port', String(port)]);
    await waitFor(() => clients.every((c) => c.connected) && unconfirmed() === 0, 60_000);

    const res = await fetch(`${url}/v3/messages?msg_ids=${msgIds.join(',')}`, { headers: { authorization: auth } });
    assert.equal(res.status, 200);
    const figures = (await res.json()) as { msg_id: string; android: { received: number; click: number } }[];
    assert.deepEqual(
      figures.map((f) => [f.msg_id, f.android.received, f.android.click]),
      msgIds.map((id) => [id, DEVICES, DEVICES / 2]),
    );
  });
});
