import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BorealisClient, type ClientOptions, type WebSocketConstructor, type WebSocketLike } from '../../sdk/src/index.js';

/** An in-memory WebSocket: the test plays the server. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason: '' }));
  }
  /** The server side. */
  deliver(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: 'test' });
  }
  framesOf(t: string) {
    return this.sent.filter((f) => f.t === t);
  }
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

async function connected(options: Partial<ClientOptions> = {}) {
  FakeSocket.all = [];
  const client = new BorealisClient({
    server: 'https://push.example.com',
    appKey: 'k',
    platform: 'android',
    state: { registrationId: 'rid', deviceSecret: 'sec', seen: [] },
    WebSocket: FakeSocket as unknown as WebSocketConstructor,
    fetch: () => Promise.reject(new Error('no registration expected')),
    reconnect: { minDelayMs: 10, maxDelayMs: 20 },
    ...options,
  });
  const ready = client.connect();
  await tick();
  const socket = FakeSocket.all[0]!;
  assert.equal(socket.url, 'wss://push.example.com/v1/gateway');
  assert.deepEqual(socket.sent[0], { t: 'auth', v: 1, registration_id: 'rid', device_secret: 'sec' });
  socket.deliver({ t: 'ready', v: 1, registration_id: 'rid', heartbeat: 30 });
  await ready;
  return { client, socket };
}

describe('SDK client (no server)', () => {
  test('acks of one tick are batched, at most 100 ids a frame', async () => {
    const { client, socket } = await connected();
    for (let i = 0; i < 250; i++) socket.deliver({ t: 'push', msg_id: String(i), notification: { alert: 'x' } });
    assert.equal(socket.framesOf('ack').length, 0, 'acks wait for the end of the tick');
    await tick();
    const acks = socket.framesOf('ack').map((f) => f.msg_ids as string[]);
    assert.deepEqual(acks.map((ids) => ids.length), [100, 100, 50]);
    assert.deepEqual(acks.flat(), Array.from({ length: 250 }, (_, i) => String(i)));
    await client.close();
  });

  test('a push with ack_delay is acked after a random wait between half and all of it', async () => {
    const { socket } = await connected();
    socket.deliver({ t: 'push', msg_id: '1', sent_at: 0, ack_delay: 300, notification: { alert: 'a' } });
    socket.deliver({ t: 'push', msg_id: '2', sent_at: 0, ack_delay: 300, notification: { alert: 'b' } });
    await tick(100);
    assert.equal(socket.framesOf('ack').length, 0, 'no ack before half the delay');
    await tick(300);
    assert.deepEqual(socket.framesOf('ack'), [{ t: 'ack', msg_ids: ['1', '2'] }], 'one frame, both acks');
  });

  test('an ack_delay that is not a positive number means ack at once', async () => {
    const { socket } = await connected();
    socket.deliver({ t: 'push', msg_id: '1', sent_at: 0, ack_delay: 'soon', notification: { alert: 'a' } });
    await tick();
    socket.deliver({ t: 'push', msg_id: '2', sent_at: 0, ack_delay: -5, notification: { alert: 'b' } });
    await tick(150);
    assert.deepEqual(socket.framesOf('ack').map((f) => f.msg_ids), [['1'], ['2']]);
  });

  test('a full frame of acks goes without waiting for the delay', async () => {
    const { socket } = await connected();
    for (let i = 0; i < 100; i++) socket.deliver({ t: 'push', msg_id: String(i), sent_at: 0, ack_delay: 5000, notification: { alert: 'x' } });
    await tick(20);
    assert.deepEqual(socket.framesOf('ack').map((f) => (f.msg_ids as string[]).length), [100]);
  });

  test('a listener that throws does not stop the ack or the other listeners', async () => {
    const { client, socket } = await connected();
    const errors: Error[] = [];
    const seen: string[] = [];
    client.on('error', (e) => errors.push(e));
    client.on('push', () => {
      throw new Error('app bug');
    });
    client.on('push', (p) => seen.push(p.msgId));
    socket.deliver({ t: 'push', msg_id: '5' });
    await tick();
    assert.deepEqual(seen, ['5']);
    assert.deepEqual(errors.map((e) => e.message), ['app bug']);
    assert.deepEqual(socket.framesOf('ack'), [{ t: 'ack', msg_ids: ['5'] }]);
    await client.close();
  });

  test('the seen set is bounded by seenLimit and reported through onStateChange', async () => {
    const states: string[][] = [];
    const { client, socket } = await connected({ seenLimit: 3, onStateChange: (s) => states.push(s.seen) });
    for (const id of ['1', '2', '3', '4']) socket.deliver({ t: 'push', msg_id: id });
    await tick();
    assert.deepEqual(states, [['2', '3', '4']], 'one state report per batch');
    assert.deepEqual(client.state.seen, ['2', '3', '4']);
    await client.close();
  });

  test('clicks wait for the connection; a dead connection is abandoned and reopened', async () => {
    const { client, socket } = await connected();
    socket.drop(1006);
    client.click('42');
    await tick(40);
    const second = FakeSocket.all[1]!;
    assert.ok(second, 'reconnected');
    second.deliver({ t: 'ready', v: 1, registration_id: 'rid', heartbeat: 0.05 });
    assert.deepEqual(second.framesOf('click'), [{ t: 'click', msg_id: '42' }]);
    await tick(70);
    assert.ok(second.framesOf('ping').length >= 1, 'pings at the heartbeat');
    // the fake server never answers: after 2.5 heartbeats the client gives up on the socket
    await tick(150);
    assert.equal(second.closedWith, 4008);
    assert.ok(FakeSocket.all.length >= 3);
    await client.close();
  });

  test('a click is sent again after a reconnect until the server confirms it saved', async () => {
    const { client, socket } = await connected();
    client.click('7');
    client.click('8');
    assert.deepEqual(socket.framesOf('click'), [{ t: 'click', msg_id: '7' }, { t: 'click', msg_id: '8' }]);
    socket.deliver({ t: 'saved', clicks: ['7', 99, null] }); // junk ids are ignored
    socket.drop(1006);
    await tick(40);
    const second = FakeSocket.all[1]!;
    second.deliver({ t: 'ready', v: 1, registration_id: 'rid', heartbeat: 30 });
    assert.deepEqual(second.framesOf('click'), [{ t: 'click', msg_id: '8' }], 'only the unconfirmed click goes again');
    second.deliver({ t: 'saved', clicks: ['8'] });
    second.drop(1006);
    await tick(40);
    const third = FakeSocket.all[2]!;
    third.deliver({ t: 'ready', v: 1, registration_id: 'rid', heartbeat: 30 });
    assert.deepEqual(third.framesOf('click'), []);
    await client.close();
  });

  test('acks are kept until confirmed saved and sent again after a reconnect', async () => {
    const { client, socket } = await connected();
    for (const id of ['1', '2', '3']) socket.deliver({ t: 'push', msg_id: id });
    await tick();
    assert.deepEqual(socket.framesOf('ack'), [{ t: 'ack', msg_ids: ['1', '2', '3'] }]);
    assert.equal(client.unconfirmed.acks, 3);
    socket.deliver({ t: 'saved', clicks: [], acks: ['2', 5] });
    assert.equal(client.unconfirmed.acks, 2);
    socket.drop(1006);
    await tick(40);
    const second = FakeSocket.all[1]!;
    second.deliver({ t: 'ready', v: 1, registration_id: 'rid', heartbeat: 30 });
    assert.deepEqual(second.framesOf('ack'), [{ t: 'ack', msg_ids: ['1', '3'] }], 'only the unconfirmed acks go again');
    // a push that arrives while disconnected is acked at the next ready, not dropped
    second.deliver({ t: 'saved', clicks: [], acks: ['1', '3'] });
    second.deliver({ t: 'push', msg_id: '4' });
    second.drop(1006);
    await tick(40);
    const third = FakeSocket.all[2]!;
    third.deliver({ t: 'ready', v: 1, registration_id: 'rid', heartbeat: 30 });
    assert.deepEqual(third.framesOf('ack'), [{ t: 'ack', msg_ids: ['4'] }]);
    await client.close();
  });

  test('close() stops reconnection and rejects pending requests', async () => {
    const { client, socket } = await connected();
    const pending = client.setAlias('a');
    assert.deepEqual(socket.framesOf('alias'), [{ t: 'alias', id: 1, alias: 'a' }]);
    await client.close();
    await assert.rejects(pending);
    assert.equal(socket.closedWith, 1000);
    await tick(50);
    assert.equal(FakeSocket.all.length, 1);
  });

  test('requests in flight are sent again after a reconnection', async () => {
    const { client, socket } = await connected();
    const answer = client.setTags({ add: ['x'] });
    socket.drop(1001);
    await tick(40);
    const second = FakeSocket.all[1]!;
    second.deliver({ t: 'ready', v: 1, registration_id: 'rid', heartbeat: 30 });
    const [frame] = second.framesOf('tags');
    assert.deepEqual(frame, { t: 'tags', id: 1, add: ['x'] });
    second.deliver({ t: 'reply', id: 1, tags: ['x'], alias: null });
    assert.deepEqual(await answer, { tags: ['x'], alias: null });
    await client.close();
  });
});
