import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import type { DevicePlatform } from '../../src/devices/types.js';
import { ApiError } from '../../src/domain/errors.js';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway.js';
import type { DeviceCredentialsCheck, DeviceSession, DeviceUpdate, GatewayHooks } from '../../src/gateway/types.js';

export const APP_KEY = 'a1b2c3d4e5f6a1b2c3d4e5f6';

export interface TestDevice {
  appKey: string;
  num: number;
  registrationId: string;
  platform: DevicePlatform;
  secret: string;
  tags: string[];
  alias: string | null;
}

/** What the hooks saw, in order. */
export interface HookCalls {
  online: DeviceSession[];
  offline: DeviceSession[];
  ack: { session: DeviceSession; msgIds: string[] }[];
  click: { session: DeviceSession; msgId: string }[];
  update: { session: DeviceSession; update: DeviceUpdate }[];
}

/**
 * A real gateway on a real HTTP server, with an in-memory device table standing in for the
 * registry (including a minimal `POST /v1/devices/register` for the SDK) and hooks that
 * record what they are called with.
 */
export interface GatewayHarness {
  server: Server;
  gateway: Gateway;
  url: string;
  wsUrl: string;
  devices: Map<string, TestDevice>;
  calls: HookCalls;
  registrations: number;
  addDevice(): TestDevice;
  /** Closes the gateway and attaches a new one (same options) to the same server. */
  restartGateway(): Promise<void>;
  close(): Promise<void>;
}

export async function startGatewayHarness(options: GatewayOptions = {}): Promise<GatewayHarness> {
  const devices = new Map<string, TestDevice>();
  const calls: HookCalls = { online: [], offline: [], ack: [], click: [], update: [] };
  let nextNum = 0;

  const addDevice = (platform: DevicePlatform = 'android'): TestDevice => {
    const device: TestDevice = {
      appKey: APP_KEY,
      num: nextNum++,
      registrationId: randomBytes(9).toString('hex').slice(0, 17),
      platform,
      secret: randomBytes(16).toString('hex'),
      tags: [],
      alias: null,
    };
    devices.set(device.registrationId, device);
    return device;
  };

  const credentials: DeviceCredentialsCheck = {
    async authenticate(registrationId, secret) {
      if (registrationId === 'slow') await new Promise((r) => setTimeout(r, 1000));
      const d = devices.get(registrationId);
      if (!d || d.secret !== secret) return undefined;
      return { appKey: d.appKey, num: d.num, registrationId: d.registrationId, platform: d.platform };
    },
  };

  const hooks: GatewayHooks = {
    online: (session) => void calls.online.push(session),
    offline: (session) => void calls.offline.push(session),
    ack: (session, msgIds) => void calls.ack.push({ session, msgIds }),
    click: (session, msgId) => void calls.click.push({ session, msgId }),
    async update(session, update) {
      calls.update.push({ session, update });
      const d = devices.get(session.registrationId)!;
      if (update.alias === 'boom') throw new Error('registry unavailable');
      const add = update.tags?.add ?? [];
      if ([...add, update.alias ?? ''].some((t) => t.length > 40)) throw new ApiError(1003, 'tag or alias longer than 40 bytes');
      if (update.tags) {
        d.tags = [...new Set([...d.tags, ...add])].filter((t) => !update.tags?.remove?.includes(t));
      }
      if (update.alias !== undefined) d.alias = update.alias;
      return { tags: d.tags, alias: d.alias };
    },
  };

  const logger = pino({ level: 'silent' });
  const server = createServer((req, res) => void register(req, res));
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const harness: GatewayHarness = {
    server,
    gateway: new Gateway(credentials, hooks, logger, options),
    url: '',
    wsUrl: '',
    devices,
    calls,
    registrations: 0,
    addDevice,
    async restartGateway() {
      await harness.gateway.close();
      harness.gateway = new Gateway(credentials, hooks, logger, options);
      harness.gateway.attach(server);
    },
    async close() {
      // bounded, so that a broken gateway fails its tests instead of hanging the run
      await Promise.race([harness.gateway.close(), new Promise((r) => setTimeout(r, 5000))]);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/v1/devices/register') return send(404, { error: { code: 1000, message: 'not found' } });
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const body = JSON.parse(text) as { app_key?: string; platform?: DevicePlatform; registration_id?: string; device_secret?: string };
    if (body.app_key !== APP_KEY) return send(400, { error: { code: 1008, message: 'app_key is not a valid app' } });
    if (body.registration_id) {
      const d = devices.get(body.registration_id);
      if (!d || d.secret !== body.device_secret) return send(401, { error: { code: 1004, message: 'wrong device_secret' } });
      return send(200, { registration_id: d.registrationId });
    }
    harness.registrations++;
    const d = addDevice(body.platform ?? 'android');
    send(200, { registration_id: d.registrationId, device_secret: d.secret });
  }

  harness.gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  harness.url = `http://127.0.0.1:${port}`;
  harness.wsUrl = `ws://127.0.0.1:${port}/v1/gateway`;
  return harness;
}

export type Frame = Record<string, unknown>;

/** A raw WebSocket client that records every frame and how the connection ended. */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {}); // the close event tells the tests what they need
  }

  static open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const client = new RawClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Opens a connection and authenticates it as this device. */
  static async authed(url: string, device: TestDevice): Promise<RawClient> {
    const client = await RawClient.open(url);
    client.send({ t: 'auth', v: 1, registration_id: device.registrationId, device_secret: device.secret });
    await client.next((f) => f.t === 'ready');
    return client;
  }

  send(frame: Frame | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first recorded frame (new or old) that matches. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 3000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Sends a ping and waits for its pong: every frame sent before it has been handled. */
  async roundTrip(): Promise<void> {
    const pongs = this.frames.filter((f) => f.t === 'pong').length;
    this.send({ t: 'ping' });
    await waitFor(() => this.frames.filter((f) => f.t === 'pong').length > pongs);
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A push frame as delivery would encode it, once, for any number of sessions. */
export function pushFrame(msgId: string, extra: Frame = {}): Buffer {
  return Buffer.from(JSON.stringify({ t: 'push', msg_id: msgId, sent_at: Date.now(), notification: { alert: `hello ${msgId}` }, ...extra }));
}
