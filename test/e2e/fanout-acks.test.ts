import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { CallbackReceiver, type CallbackBody } from '../fakes/callback-receiver.js';
import { call, startTestServer, type TestDevice, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/** More connections than one fan-out slice (1,000), so a broadcast asks for delayed acks. */
const DEVICES = 1_100;

interface Device {
  ws: WebSocket;
  pushes: Record<string, unknown>[];
  saved: string[];
}

/** A raw device: authenticates, records pushes and `saved` acks, acks as the SDK does (after a push's ack_delay). */
function connect(server: TestServer, d: TestDevice): Promise<Device> {
  const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/v1/gateway');
  const dev: Device = { ws, pushes: [], saved: [] };
  return new Promise((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: d.registrationId, device_secret: d.deviceSecret })));
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Record<string, unknown>;
      if (f.t === 'ready') resolve(dev);
      else if (f.t === 'push') {
        dev.pushes.push(f);
        const delay = typeof f.ack_delay === 'number' ? f.ack_delay * (0.5 + Math.random() / 2) : 0;
        setTimeout(() => ws.send(JSON.stringify({ t: 'ack', msg_ids: [f.msg_id] })), delay);
      } else if (f.t === 'saved') dev.saved.push(...((f.acks as string[] | undefined) ?? []));
    });
    ws.on('error', reject);
  });
}

async function push(server: TestServer, body: Record<string, unknown>): Promise<string> {
  const res = await call(server, 'POST', '/v3/push', { body });
  assert.equal(res.status, 200, res.text);
  return (res.body as { msg_id: string }).msg_id;
}

async function received(server: TestServer, msgId: string): Promise<number> {
  const res = await call(server, 'GET', `/v3/received?msg_ids=${msgId}`);
  const rows = res.body as { android_received: number | null }[];
  return rows[0]?.android_received ?? 0;
}

describe('fan-out to more than one slice of connections', () => {
  let server: TestServer;
  let devices: Device[] = [];
  const registered: TestDevice[] = [];

  let receiver: CallbackReceiver;

  before(async () => {
    server = await startTestServer({ limits: { broadcastsPerDay: 0 }, callbacks: { ...DEFAULT_CONFIG.callbacks, pollMs: 50 } });
    receiver = await CallbackReceiver.start();
    for (let i = 0; i < DEVICES; i++) registered.push(await server.registerDevice(server.app, { platform: 'android' }));
    for (let i = 0; i < registered.length; i += 100) devices.push(...(await Promise.all(registered.slice(i, i + 100).map((d) => connect(server, d)))));
  });
  after(async () => {
    for (const d of devices) d.ws.terminate();
    devices = [];
    await server.close();
    await receiver.close();
  });

  test('every device gets the push once, with ack_delay; every ack is reported and confirmed saved', async () => {
    const msgId = await push(server, { platform: ['android'], audience: 'all', notification: { alert: 'to everyone connected' } });
    await waitFor(() => devices.every((d) => d.pushes.length >= 1), 10_000, 'every device has the push');
    for (const d of devices) {
      assert.equal(d.pushes.length, 1);
      assert.equal(d.pushes[0]!.msg_id, msgId);
      // 1,100 connections at 50 µs each
      assert.equal(d.pushes[0]!.ack_delay, 55);
    }
    await waitFor(async () => (await received(server, msgId)) === DEVICES, 10_000, 'every ack in the Report API');
    await waitFor(() => devices.every((d) => d.saved.includes(msgId)), 10_000, 'every device told its ack is saved');
  });

  test('a receiver taking sent receipts gets exactly one per device of a sliced fan-out', async () => {
    const url = receiver.url('/sent');
    await server.node.ctx.store.callbacks.addUrl(server.app.appKey, url, { isDefault: false, types: 8 }, Date.now());
    const msgId = await push(server, { platform: ['android'], audience: 'all', notification: { alert: 'sent receipts' }, callback: { url } });
    const sent = () => receiver.events('/sent').filter((e) => e.msg_id === msgId);
    await receiver.waitFor(() => sent().length >= DEVICES, 15_000, () => `${sent().length} of ${DEVICES} sent receipts`);
    // a batch retried after a lost answer comes twice: count each batch once
    const batches = new Map<string, CallbackBody>();
    for (const r of receiver.accepted('/sent')) {
      const b = JSON.parse(r.body) as CallbackBody;
      batches.set(b.batch_id, b);
    }
    const ids = [...batches.values()].flatMap((b) => b.events).filter((e) => e.msg_id === msgId).map((e) => e.registration_id);
    assert.equal(ids.length, DEVICES, 'one sent receipt per device, none twice');
    assert.deepEqual(new Set(ids), new Set(registered.map((d) => d.registrationId)));
    assert.ok(sent().every((e) => e.status === 'sent'));
  });

  test('a receiver taking only received receipts gets every ack and no sent receipt', async () => {
    const url = receiver.url('/received');
    await server.node.ctx.store.callbacks.addUrl(server.app.appKey, url, { isDefault: false, types: 1 }, Date.now());
    const msgId = await push(server, { platform: ['android'], audience: 'all', notification: { alert: 'received receipts' }, callback: { url } });
    const mine = () => receiver.events('/received').filter((e) => e.msg_id === msgId);
    const devicesAcked = () => new Set(mine().filter((e) => e.status === 'received').map((e) => e.registration_id)).size;
    await receiver.waitFor(() => devicesAcked() >= DEVICES, 15_000, () => `${devicesAcked()} of ${DEVICES} received receipts`);
    assert.deepEqual(new Set(mine().map((e) => e.status)), new Set(['received']));
  });

  test('a push to one device carries no ack_delay and is acked at once', async () => {
    const target = devices[7]!;
    const before = target.pushes.length;
    const msgId = await push(server, { platform: ['android'], audience: { registration_id: [registered[7]!.registrationId] }, notification: { alert: 'one' } });
    await waitFor(() => target.pushes.length > before, 10_000, 'the push arrives');
    assert.equal(target.pushes.at(-1)!.msg_id, msgId);
    assert.equal('ack_delay' in target.pushes.at(-1)!, false);
    await waitFor(async () => (await received(server, msgId)) === 1, 10_000, 'the ack in the Report API');
  });
});
