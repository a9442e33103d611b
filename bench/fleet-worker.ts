import { createConnection, type Socket } from 'node:net';
import { MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import type { DeviceCreds, FromWorker, ToWorker, WorkerStats } from './fleet.js';
import { now } from './lib.js';

/**
 * One client process of a fleet (see fleet.ts). Every device acknowledges each push as the SDK
 * does: at once, or, when the push frame carries an `ack_delay`, after a random wait between
 * half of it and all of it (acks that arrive meanwhile going in the same frame). The process
 * records when pushes arrived and when the last ack went out, and tells the parent as soon as
 * every one of its devices has what it was armed to expect.
 */

interface Device {
  ready: boolean;
  /** Acks waiting for the device's ack delay to pass. */
  acks: string[];
  /** Distinct msg_ids received since the last arm. */
  got: Set<string> | null;
  close(): Promise<void>;
}

const MAX_ATTEMPTS = 6;
/**
 * The SDK has no connect timeout of its own: a device waits while the kernel retransmits its SYN
 * (1, 3, 7, 15, 31, 63 s), so the simulated ones wait that long too.
 */
const HANDSHAKE_TIMEOUT_MS = 120_000;

let devices: Device[] = [];
let perDevice = 1;
let armed = false;
let complete = 0;
let delivered = 0;
let duplicates = 0;
let firstRecv = 0;
let lastRecv = 0;
let lastAck = 0;
let closes: Record<string, number> = {};
let sampleFrame: string | null = null;
let closing = false;
/** Devices holding acks back (ack_delay); an armed round is done only once they went out. */
let acksWaiting = 0;
let completeAt = 0;
/** Devices of the current connection set; null before the first connect and after close. */
let assigned: number | null = null;

function doneIfEmpty(): void {
  if (armed && assigned === 0) {
    armed = false;
    reply({ ev: 'done', stats: stats() });
  }
}

function reply(m: FromWorker): void {
  process.send!(m);
}

function stats(): WorkerStats {
  return { devices: devices.length, complete, delivered, duplicates, firstRecv, lastRecv, lastAck, closes, sampleFrame };
}

function received(d: Device, msgId: string, frame: string): void {
  const t = now();
  d.got ??= new Set();
  if (d.got.has(msgId)) {
    duplicates++;
    return;
  }
  d.got.add(msgId);
  if (firstRecv === 0) firstRecv = t;
  lastRecv = t;
  sampleFrame ??= frame;
  if (d.got.size <= perDevice) delivered++;
  if (d.got.size === perDevice && ++complete === devices.length && armed) {
    completeAt = t;
    doneIfAcked();
  }
}

/** Every device has what it was armed for and has sent its acks: the round is done here. */
function doneIfAcked(): void {
  if (!armed || completeAt === 0 || acksWaiting > 0) return;
  armed = false;
  reply({ ev: 'done', stats: stats() });
}

function closedAfterReady(code: number | string): void {
  if (!closing) closes[code] = (closes[code] ?? 0) + 1;
}

/** Opens one connection; `settled` is called once with whether it became ready. */
type Opener = (d: Device, index: number, address: string, settled: (ok: boolean) => void) => void;

/**
 * Delayed acks of all devices on a few shared timers: due times are rounded up to this tick, so
 * a broadcast's acks cost a list entry each instead of one timer each (a timer per random delay
 * would also be a timer list per device, since Node groups timers by their exact duration).
 */
const ACK_TICK_MS = 5;
const ackTicks = new Map<number, (() => void)[]>();

function ackLater(ms: number, fn: () => void): void {
  const tick = Math.ceil((now() + ms) / ACK_TICK_MS);
  let due = ackTicks.get(tick);
  if (!due) {
    const list: (() => void)[] = (due = []);
    ackTicks.set(tick, list);
    setTimeout(() => {
      ackTicks.delete(tick);
      for (const f of list) f();
    }, tick * ACK_TICK_MS - now());
  }
  due.push(fn);
}

/** Sends a device's waiting acks, 100 ids a frame (the protocol's limit). */
function sendAcks(ws: WebSocket, ids: string[]): void {
  for (let i = 0; i < ids.length; i += 100) ws.send(`{"t":"ack","msg_ids":${JSON.stringify(ids.slice(i, i + 100))}}`);
  lastAck = now();
}

/**
 * `bare` answers every push with an ack frame (the bare server drops it); `nchan` sends none,
 * since nchan closes a subscriber that sends anything (1008) and has no acks of its own.
 */
function wsOpener(kind: 'borealis' | 'bare' | 'nchan', url: string, creds: DeviceCreds[]): Opener {
  return (d, index, address, settled) => {
    /** Acks wait for a shared tick; a wait counts until it is flushed or the connection closes. */
    let ackWaiting = false;
    let ackRound = 0;
    const flushAcks = () => {
      if (ackWaiting) {
        ackWaiting = false;
        acksWaiting--;
      }
      if (ws.readyState === ws.OPEN && d.acks.length > 0) sendAcks(ws, d.acks.splice(0));
      doneIfAcked();
    };
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: address, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    let done = false;
    const settle = (ok: boolean) => {
      if (done) return;
      done = true;
      d.ready = ok;
      settled(ok);
    };
    d.close = () =>
      new Promise((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        const socket = (ws as unknown as { _socket?: Socket })._socket;
        if (socket) socket.resetAndDestroy();
        else ws.terminate();
      });
    ws.on('open', () => {
      if (kind !== 'borealis') return settle(true);
      const c = creds[index]!;
      ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: c.rid, device_secret: c.secret }));
    });
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      const f = JSON.parse(text) as { t: string; msg_id?: string; ack_delay?: number };
      if (f.t === 'push') {
        received(d, f.msg_id!, text);
        if (kind === 'nchan') return;
        d.acks.push(f.msg_id!);
        const delay = f.ack_delay ?? 0;
        if (delay <= 0 || d.acks.length >= 100) flushAcks();
        else if (!ackWaiting) {
          ackWaiting = true;
          acksWaiting++;
          const round = ++ackRound;
          ackLater(delay * (0.5 + Math.random() / 2), () => {
            if (ackWaiting && round === ackRound) flushAcks();
          });
        }
      } else if (f.t === 'ready') {
        settle(true);
      }
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      if (ackWaiting) {
        ackWaiting = false;
        acksWaiting--;
        doneIfAcked();
      }
      if (!done) settle(false);
      else if (d.ready) closedAfterReady(code);
    });
  };
}

function mqttOpener(url: string, worker: number, topic: string): Opener {
  const { hostname, port } = new URL(url);
  return (d, index, address, settled) => {
    let done = false;
    const settle = (ok: boolean) => {
      if (done) return;
      done = true;
      d.ready = ok;
      if (!ok) client.end(true);
      settled(ok);
    };
    let socket: Socket | undefined;
    const client = new MqttClient(() => (socket = createConnection({ host: hostname, port: Number(port), localAddress: address })), {
      clientId: `bench-${worker}-${index}-${Math.random().toString(36).slice(2, 8)}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 0,
      reconnectPeriod: 0,
      connectTimeout: HANDSHAKE_TIMEOUT_MS,
      resubscribe: false,
    });
    d.close = () =>
      new Promise((resolve) => {
        socket?.resetAndDestroy();
        client.end(true, {}, () => resolve());
      });
    client.on('connect', () => client.subscribe(topic, { qos: 1 }, (err) => settle(!err)));
    // QoS 1: the client sends PUBACK right after this handler returns.
    client.on('message', (_topic, payload) => {
      const text = payload.toString();
      const f = JSON.parse(text) as { msg_id: string };
      received(d, f.msg_id, text);
      lastAck = now();
    });
    client.on('error', () => settle(false));
    client.on('close', () => {
      if (!done) settle(false);
      else if (d.ready) closedAfterReady('mqtt-close');
    });
  };
}

async function connect(m: Extract<ToWorker, { cmd: 'connect' }>): Promise<void> {
  closing = false;
  const count = typeof m.devices === 'number' ? m.devices : m.devices.length;
  const creds = typeof m.devices === 'number' ? [] : m.devices;
  const open: Opener =
    m.kind === 'mqtt' ? mqttOpener(m.url, m.worker, m.topic ?? 'bench') : wsOpener(m.kind, m.url, creds);
  // Every record exists before the first socket opens, so "all complete" cannot fire early.
  devices = Array.from({ length: count }, () => ({ ready: false, acks: [], got: null, close: async () => {} }));
  assigned = count;
  doneIfEmpty();
  let ready = 0;
  let failed = 0;
  let retries = 0;
  let lastReady = 0;
  let next = 0;
  let settled = 0;
  await new Promise<void>((resolve) => {
    if (count === 0) return resolve();
    const wave = devices;
    const finish = (ok: boolean) => {
      if (ok) {
        ready++;
        lastReady = now();
      } else failed++;
      settled++;
      if (closing && next < count) {
        // Closed mid-wave: the devices not started yet never will be.
        failed += count - next;
        settled += count - next;
        next = count;
      }
      if (settled === count) resolve();
      else if (m.inFlight > 0 && next < count) start(next++, 0);
    };
    const start = (index: number, attempt: number) => {
      const address = m.addresses[(m.worker + index + attempt) % m.addresses.length]!;
      open(wave[index]!, index, address, (ok) => {
        if (!ok && attempt + 1 < MAX_ATTEMPTS && !closing) {
          // What a device does after a failed connect: back off with jitter, try again.
          retries++;
          setTimeout(() => (closing ? finish(false) : start(index, attempt + 1)), Math.random() * Math.min(5_000, 250 * 2 ** attempt));
          return;
        }
        finish(ok);
      });
    };
    const first = m.inFlight > 0 ? Math.min(m.inFlight, count) : count;
    while (next < first) start(next++, 0);
  });
  reply({ ev: 'connected', ready, failed, retries, lastReady });
}

/**
 * Devices drop their connections with a reset, as a device losing its network would: a FIN
 * from this side would leave each source port in TIME_WAIT for a minute, and the next waves
 * of connections from the same loopback addresses would pay for it in port searches.
 */
async function closeAll(): Promise<void> {
  closing = true;
  await Promise.all(devices.map((d) => d.close()));
  devices = [];
  assigned = null;
  reply({ ev: 'closed' });
}

process.on('message', (m: ToWorker) => {
  switch (m.cmd) {
    case 'connect':
      void connect(m);
      break;
    case 'arm':
      perDevice = m.perDevice;
      complete = delivered = duplicates = firstRecv = lastRecv = lastAck = completeAt = 0;
      closes = {};
      for (const d of devices) d.got = null;
      armed = true;
      reply({ ev: 'armed' });
      doneIfEmpty();
      break;
    case 'stats':
      reply({ ev: 'stats', stats: stats() });
      break;
    case 'close':
      void closeAll();
      break;
  }
});
process.on('disconnect', () => process.exit(0));
