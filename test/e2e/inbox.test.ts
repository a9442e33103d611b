import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { call, startTestServer, storeNumber, type TestDevice, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/** A device on a bare WebSocket that acknowledges only when told to. */
class Device {
  readonly pushes: string[] = [];
  /** msg_ids the server confirmed as saved clicks. */
  readonly saved: string[] = [];
  private constructor(private readonly ws: WebSocket) {}

  static async connect(server: TestServer, d: TestDevice): Promise<Device> {
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/v1/gateway');
    const device = new Device(ws);
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: d.registrationId, device_secret: d.deviceSecret })));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { t: string; msg_id?: string };
        if (frame.t === 'ready') resolve();
        if (frame.t === 'push') device.pushes.push(frame.msg_id!);
        if (frame.t === 'saved') device.saved.push(...(frame as unknown as { clicks: string[] }).clicks);
      });
      ws.on('error', reject);
    });
    return device;
  }

  click(msgId: string): void {
    this.ws.send(JSON.stringify({ t: 'click', msg_id: msgId }));
  }

  ack(msgIds: string[]): void {
    this.ws.send(JSON.stringify({ t: 'ack', msg_ids: msgIds }));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise((resolve) => {
      this.ws.once('close', resolve);
      this.ws.close();
    });
  }
}

describe('inboxes: pushes to offline devices wait in the store, not in memory', () => {
  let server: TestServer;
  let device: TestDevice;

  before(async () => {
    server = await startTestServer({ delivery: { residentSeconds: 0 } });
    device = server.devices[0]!;
  });
  after(async () => {
    await server.close();
  });

  const inboxRows = () => storeNumber(server, 'SELECT count(*) FROM inbox WHERE num = (SELECT num FROM devices WHERE registration_id = ?)', device.registrationId);
  const push = async (alert: string): Promise<string> => {
    const res = await call(server, 'POST', '/v3/push', {
      body: { platform: 'all', audience: { registration_id: [device.registrationId] }, notification: { alert } },
    });
    assert.equal(res.status, 200, res.text);
    return (res.body as { msg_id: string }).msg_id;
  };
  const received = async (msgId: string): Promise<number> => {
    const res = await call(server, 'GET', `/v3/received?msg_ids=${msgId}`);
    return (res.body as { android_received: number | null }[])[0]!.android_received ?? 0;
  };

  test('memory holds nothing for them; the device gets them all, oldest first, when it connects', async () => {
    const delivery = server.node.ctx.delivery;
    const before = delivery.liveCount();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await push(`offline ${i}`));
    assert.equal(delivery.liveCount(), before, 'no push to an offline device is held in memory');
    assert.equal(await inboxRows(), 30);

    const d = await Device.connect(server, device);
    try {
      await waitFor(() => d.pushes.length >= 30, 3000, 'the backlog');
      assert.deepEqual(d.pushes, ids);
      d.ack(ids);
      await waitFor(async () => (await inboxRows()) === 0, 3000, 'acknowledged entries to leave the inbox');
      assert.equal(await received(ids[0]!), 1);
    } finally {
      await d.close();
    }
  });

  test('an ack that arrives after the push left memory is still counted, and empties the inbox', async () => {
    const d = await Device.connect(server, device);
    try {
      const id = await push('sent while connected');
      await waitFor(() => d.pushes.includes(id), 3000, 'the push');
      const delivery = server.node.ctx.delivery;
      assert.ok(delivery.liveCount() >= 1, 'held while its device is being served');
      await new Promise((r) => setTimeout(r, 300)); // the "sent" receipt is saved
      delivery.sweep(); // residentSeconds 0: its time in memory is up
      assert.equal(delivery.liveCount(), 0);
      d.ack([id]);
      await waitFor(async () => (await inboxRows()) === 0, 3000, 'the inbox entry to go');
      assert.equal(await received(id), 1);
    } finally {
      await d.close();
    }
  });

  test('a click is confirmed once saved, whether its push is in memory or not', async () => {
    const d = await Device.connect(server, device);
    try {
      const held = await push('click me');
      await waitFor(() => d.pushes.includes(held), 3000, 'the push');
      d.click(held);
      await waitFor(() => d.saved.includes(held), 3000, 'the confirmation');
      const clicks = async (id: string) =>
        ((await call(server, 'GET', `/v3/messages?msg_ids=${id}`)).body as { android: { click: number } }[])[0]!.android.click;
      assert.equal(await clicks(held), 1);

      const evicted = await push('click me later');
      await waitFor(() => d.pushes.includes(evicted), 3000, 'the push');
      await new Promise((r) => setTimeout(r, 300));
      server.node.ctx.delivery.sweep();
      d.click(evicted);
      await waitFor(() => d.saved.includes(evicted), 3000, 'the confirmation of a late click');
      assert.equal(await clicks(evicted), 1);
      // a click on something unknown is confirmed too: there is nothing to keep it for
      d.click('123456');
      await waitFor(() => d.saved.includes('123456'), 3000, 'the confirmation of an unknown click');
    } finally {
      await d.close();
    }
  });

  test('a revoked push leaves the inbox unsent, and a reconnecting device is not sent it', async () => {
    const id = await push('to revoke');
    const res = await call(server, 'DELETE', `/v3/push/${id}`);
    assert.equal(res.status, 200, res.text);
    const keep = await push('to keep');
    const d = await Device.connect(server, device);
    try {
      await waitFor(() => d.pushes.includes(keep), 3000, 'the kept push');
      assert.ok(!d.pushes.includes(id));
      d.ack([keep]);
      await waitFor(async () => (await inboxRows()) === 0, 3000, 'both entries to go');
    } finally {
      await d.close();
    }
  });

  test('after a restart the inbox is still there', async () => {
    const id = await push('before restart');
    await server.restart();
    // only the push revoked in the test before is loaded (its holders must be told)
    assert.equal(server.node.ctx.delivery.liveCount(), 1);
    const d = await Device.connect(server, device);
    try {
      await waitFor(() => d.pushes.includes(id), 3000, 'the push from before the restart');
      d.ack([id]);
      await waitFor(async () => (await inboxRows()) === 0, 3000, 'the entry to go');
    } finally {
      await d.close();
    }
  });
});

describe('a device owed a long backlog', () => {
  let server: TestServer;
  // narrowTargets 1: a push to one device waits in its inbox, one to all devices stays in memory
  before(async () => {
    // a small send window (a quarter of the buffer limit): about 100 pushes go per ack
    server = await startTestServer({ delivery: { narrowTargets: 1 }, limits: { broadcastsPerDay: 0 }, gateway: { maxBufferedBytes: 40_000 } });
  });
  after(() => server.close());

  test('loads its inbox page by page, merged with the pushes in memory, oldest first', { timeout: 120_000 }, async () => {
    const device = server.devices[0]!;
    const ids: string[] = [];
    const send = async (audience: unknown) => {
      const res = await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience, notification: { alert: 'x' } } });
      assert.equal(res.status, 200, res.text);
      return (res.body as { msg_id: string }).msg_id;
    };
    for (let i = 0; i < 700; i++) {
      ids.push(await send(i % 150 === 75 ? 'all' : { registration_id: [device.registrationId] }));
    }
    const delivery = server.node.ctx.delivery;
    const wide = delivery.liveCount();
    assert.equal(wide, 5, 'the pushes to all devices are the only ones in memory');

    const d = await Device.connect(server, device);
    try {
      await waitFor(() => d.pushes.length > 0, 5000, 'the first window');
      await new Promise((r) => setTimeout(r, 200));
      // without acks no further window goes, and memory holds at most one page of the inbox
      assert.ok(d.pushes.length < ids.length, `${d.pushes.length} sent before any ack`);
      assert.ok(delivery.liveCount() <= wide + 256, `${delivery.liveCount()} pushes in memory`);
      let acked = 0;
      await waitFor(
        () => {
          if (d.pushes.length > acked) {
            d.ack(d.pushes.slice(acked, acked + 100));
            acked = Math.min(d.pushes.length, acked + 100);
          }
          return d.pushes.length >= ids.length;
        },
        60_000,
        'the whole backlog',
      );
      assert.deepEqual(d.pushes, ids, 'every push once, oldest first');
    } finally {
      await d.close();
    }
  });
});

describe('a narrow push every target acknowledged leaves memory once its receipts are saved', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ delivery: { residentSeconds: 60 } });
  });
  after(async () => {
    await server.close();
  });

  test('no sweep and no resident time needed; a later click still counts', async () => {
    const [first, second] = server.devices as [TestDevice, TestDevice];
    const delivery = server.node.ctx.delivery;
    const a = await Device.connect(server, first);
    const b = await Device.connect(server, second);
    try {
      const res = await call(server, 'POST', '/v3/push', {
        body: { platform: 'all', audience: { registration_id: [first.registrationId, second.registrationId] }, notification: { alert: 'both' } },
      });
      assert.equal(res.status, 200, res.text);
      const id = (res.body as { msg_id: string }).msg_id;
      await waitFor(() => a.pushes.includes(id) && b.pushes.includes(id), 3000, 'the push on both devices');
      a.ack([id]);
      await new Promise((r) => setTimeout(r, 500)); // two receipt saves
      assert.equal(delivery.liveCount(), 1, 'still owed to a target that has not acknowledged');
      b.ack([id]);
      await waitFor(() => delivery.liveCount() === 0, 3000, 'the settled push to leave memory');
      b.click(id);
      await waitFor(() => b.saved.includes(id), 3000, 'the confirmation of the click');
      const report = (await call(server, 'GET', `/v3/received?msg_ids=${id}`)).body as { android_received: number | null; ios_msg_received: number | null }[];
      assert.deepEqual([report[0]!.android_received, report[0]!.ios_msg_received], [1, 1]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
