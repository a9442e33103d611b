import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import { ApiError } from '../domain/errors.js';
import { Close, PONG, encodeError, encodeReady, encodeReply, parseDeviceFrame, type DeviceFrame } from './frames.js';
import { Session, SessionState, type SessionOwner } from './session.js';
import type { DeviceCredentialsCheck, DeviceSession, DeviceUpdate, GatewayHooks } from './types.js';

export interface GatewayOptions {
  /** URL path of the WebSocket endpoint. */
  path?: string;
  /** Seconds between device pings; a device silent for 2.5 of them is dropped. */
  heartbeatSeconds?: number;
  /** Time a new connection has to send its `auth` frame. */
  authTimeoutMs?: number;
  /** Largest frame a device may send. */
  maxFrameBytes?: number;
  /** Sustained frames per second a device may send... */
  framesPerSecond?: number;
  /** ...and how many it may send at once. */
  frameBurst?: number;
  /** Unsent bytes a connection may hold before it is dropped as a slow consumer. */
  maxBufferedBytes?: number;
}

const DEFAULTS: Required<GatewayOptions> = {
  path: '/v1/gateway',
  heartbeatSeconds: 30,
  authTimeoutMs: 10_000,
  maxFrameBytes: 4096,
  framesPerSecond: 20,
  frameBurst: 50,
  maxBufferedBytes: 1024 * 1024,
};

/** Idle connections are dropped after this many heartbeats without a frame. */
const IDLE_HEARTBEATS = 2.5;
/** A closing handshake that takes longer than this ends with the socket destroyed. */
const CLOSE_HANDSHAKE_MS = 5_000;
/** Protocol-abuse warnings: at most this many log lines per window, the rest are counted. */
const WARN_BURST = 20;
const WARN_WINDOW_MS = 10_000;

type Identity = NonNullable<Awaited<ReturnType<DeviceCredentialsCheck['authenticate']>>>;

/**
 * The device gateway: accepts WebSocket connections on one path of the HTTP server,
 * authenticates them, enforces the protocol's limits and keeps this node's presence map
 * (which device of which app is connected here). What to send is delivery's business, through
 * the hooks and each session's `send`.
 */
export class Gateway implements SessionOwner {
  readonly maxBufferedBytes: number;
  private readonly options: Required<GatewayOptions>;
  private readonly idleMs: number;
  private readonly log: Logger;
  private readonly wss: WebSocketServer;
  /** Connections that have not completed authentication. */
  private readonly pending = new Set<Session>();
  /** appKey → device num → session: this node's presence. */
  private readonly apps = new Map<string, Map<number, Session>>();
  private count = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly servers: EventEmitter[] = [];
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);
  private warnWindow = 0;
  private warnCount = 0;
  private warnSuppressed = 0;

  constructor(
    private readonly credentials: DeviceCredentialsCheck,
    private readonly hooks: GatewayHooks,
    logger: Logger,
    options: GatewayOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...definedOnly(options) };
    this.maxBufferedBytes = this.options.maxBufferedBytes;
    this.idleMs = this.options.heartbeatSeconds * 1000 * IDLE_HEARTBEATS;
    this.log = logger.child({ component: 'gateway' });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.options.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
      // not in the published typings yet; ws 8 honours it
      closeTimeout: CLOSE_HANDSHAKE_MS,
    } as ServerOptions);
  }

  /**
   * Serves the gateway path on this server. With HTTP/2 over TLS (allowHTTP1), WebSocket
   * upgrades arrive as HTTP/1.1 'upgrade' events on the same server object, so one listener
   * covers both kinds of server.
   */
  attach(server: Server | Http2SecureServer): void {
    if (this.closing) throw new Error('gateway is closed');
    const emitter: EventEmitter = server;
    emitter.on('upgrade', this.onUpgrade);
    this.servers.push(emitter);
    if (!this.sweeper) {
      // One timer for every connection: fine enough for both the auth timeout and idleness.
      const period = Math.max(10, Math.min(1000, this.options.authTimeoutMs / 4, this.idleMs / 4));
      this.sweeper = setInterval(() => this.sweep(), period);
      this.sweeper.unref();
    }
  }

  /** This node's live sessions of an app, by device num. */
  sessions(appKey: string): ReadonlyMap<number, DeviceSession> | undefined {
    return this.apps.get(appKey);
  }

  session(appKey: string, num: number): DeviceSession | undefined {
    return this.apps.get(appKey)?.get(num);
  }

  /** Open WebSocket connections, authenticated or not. */
  get connectionCount(): number {
    return this.count;
  }

  /** Stops accepting connections and closes every one (1001), waiting for them to go. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    for (const server of this.servers) server.off('upgrade', this.onUpgrade);
    const sockets: WebSocket[] = [];
    for (const s of this.pending) sockets.push(s.ws);
    for (const app of this.apps.values()) for (const s of app.values()) sockets.push(s.ws);
    for (const s of this.pending) s.close(Close.shutdown, 'server shutting down');
    for (const app of this.apps.values()) for (const s of app.values()) s.close(Close.shutdown, 'server shutting down');
    await Promise.all(sockets.map(closed));
    this.wss.close();
    this.log.debug({ connections: sockets.length }, 'gateway closed');
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', noop);
    if (pathOf(req.url) !== this.options.path) return refuse(socket, 404, 'Not Found');
    if (this.closing) return refuse(socket, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', noop);
      this.accept(ws, req, socket);
    });
  }

  private accept(ws: WebSocket, req: IncomingMessage, socket: Duplex): void {
    if (this.closing) {
      ws.close(Close.shutdown, 'server shutting down');
      return;
    }
    const session = new Session(ws, socket, this, Date.now(), this.options.frameBurst);
    this.pending.add(session);
    this.count++;
    ws.on('message', (data, isBinary) => this.receive(session, data, isBinary));
    ws.on('close', () => this.finished(session));
    // ws closes the connection itself on these (oversized frame 1009, bad UTF-8, bad framing)
    ws.on('error', (err) => this.warn({ registrationId: session.registrationId || undefined, err: err.message }, 'device connection error'));
    // remoteAddress costs a system call: only when the line is logged
    if (this.log.isLevelEnabled('debug')) this.log.debug({ remote: req.socket.remoteAddress }, 'device connected');
  }

  /** Handles one frame. Never throws: a failure closes this connection, nothing else. */
  private receive(s: Session, data: RawData, isBinary: boolean): void {
    try {
      if (s.state === SessionState.Closed) return;
      if (s.state === SessionState.Authenticating) return this.violation(s, Close.protocol, 'frame before ready');
      if (s.state === SessionState.Open) {
        // before parsing: a flood costs as little as possible
        const now = Date.now();
        if (!s.takeToken(now, this.options.framesPerSecond, this.options.frameBurst)) {
          return this.violation(s, Close.tooManyFrames, 'too many frames');
        }
        s.lastSeen = now;
      }
      if (isBinary) return this.violation(s, Close.protocol, 'binary frames are not supported');
      const frame = parseDeviceFrame(toText(data));
      if (frame.t === 'invalid') return this.violation(s, Close.protocol, frame.reason);
      if (s.state === SessionState.Pending) {
        if (frame.t !== 'auth') return this.violation(s, Close.protocol, 'the first frame must be auth');
        void this.authenticate(s, frame.registrationId, frame.deviceSecret);
        return;
      }
      this.dispatch(s, frame);
    } catch (err) {
      this.log.error({ err, registrationId: s.registrationId }, 'gateway frame handling failed');
      s.close(Close.internal, 'internal error');
    }
  }

  private dispatch(s: Session, frame: DeviceFrame): void {
    switch (frame.t) {
      case 'ping':
        s.write(PONG);
        return;
      case 'ack':
        if (frame.msgIds.length > 0) this.callHook('ack', () => this.hooks.ack(s, frame.msgIds));
        return;
      case 'click':
        this.callHook('click', () => this.hooks.click(s, frame.msgId));
        return;
      case 'tags':
        if (!frame.tags.add && !frame.tags.remove) {
          s.write(encodeError(frame.id, 1002, 'tags needs add or remove'));
          return;
        }
        this.request(s, frame.id, { tags: frame.tags });
        return;
      case 'alias':
        this.request(s, frame.id, { alias: frame.alias });
        return;
      case 'account':
        this.request(s, frame.id, { account: frame.account });
        return;
      default:
        // auth on an authenticated connection
        this.violation(s, Close.protocol, 'already authenticated');
    }
  }

  private async authenticate(s: Session, registrationId: string, secret: string): Promise<void> {
    s.state = SessionState.Authenticating;
    let identity: Identity | undefined;
    try {
      identity = await this.credentials.authenticate(registrationId, secret);
    } catch (err) {
      this.log.error({ err }, 'device credential check failed');
      s.close(Close.internal, 'internal error');
      return;
    }
    // The device left, timed out or the gateway closed while the check ran.
    if (s.state !== SessionState.Authenticating) return;
    if (!identity) return this.violation(s, Close.authFailed, 'authentication failed');

    this.pending.delete(s);
    // Replace an older connection of this device first: its offline hook runs while it is
    // still the one in the presence map, so it cannot remove the new session.
    this.apps.get(identity.appKey)?.get(identity.num)?.close(Close.replaced, 'replaced by a newer connection');
    let app = this.apps.get(identity.appKey);
    if (!app) this.apps.set(identity.appKey, (app = new Map()));
    app.set(identity.num, s);
    s.authenticated(identity, Date.now());
    s.write(encodeReady(identity.registrationId, this.options.heartbeatSeconds));
    this.log.debug({ appKey: s.appKey, registrationId: s.registrationId }, 'device online');
    this.callHook('online', () => this.hooks.online(s));
  }

  /** A tag or alias change: answered with `reply`, or `error` with the JPush code. */
  private request(s: Session, id: number, update: DeviceUpdate): void {
    let result: ReturnType<GatewayHooks['update']>;
    try {
      result = this.hooks.update(s, update);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (state) => {
        s.write(encodeReply(id, state));
      },
      (err: unknown) => {
        if (err instanceof ApiError) {
          s.write(encodeError(id, err.code, err.message));
        } else {
          this.log.error({ err, registrationId: s.registrationId }, 'device update failed');
          s.write(encodeError(id, 1000, 'Server internal error'));
        }
      },
    );
  }

  /** SessionOwner: a session ended, by either side. Runs once per session. */
  finished(s: Session): void {
    const wasOpen = s.state === SessionState.Open;
    if (s.state === SessionState.Closed) return;
    s.state = SessionState.Closed;
    this.count--;
    if (!wasOpen) {
      this.pending.delete(s);
      return;
    }
    const app = this.apps.get(s.appKey);
    if (app?.get(s.num) === s) {
      app.delete(s.num);
      if (app.size === 0) this.apps.delete(s.appKey);
    }
    this.log.debug({ appKey: s.appKey, registrationId: s.registrationId }, 'device offline');
    this.callHook('offline', () => this.hooks.offline(s));
  }

  /** Drops connections that have not authenticated in time, or have gone quiet. */
  private sweep(): void {
    const now = Date.now();
    for (const s of this.pending) {
      if (now - s.lastSeen > this.options.authTimeoutMs) s.close(Close.authTimeout, 'no auth frame in time');
    }
    // Removing entries while iterating a Map is safe: closed sessions leave their app's map.
    for (const app of this.apps.values()) {
      for (const s of app.values()) {
        if (now - s.lastSeen > this.idleMs) s.close(Close.idle, 'idle');
      }
    }
  }

  private violation(s: Session, code: number, reason: string): void {
    this.warn({ registrationId: s.registrationId || undefined, code, reason }, 'device protocol violation');
    s.close(code, reason);
  }

  private callHook(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, hook: name }, 'gateway hook failed');
    }
  }

  /** Warnings about misbehaving devices, rate limited so a flood of them cannot flood the log. */
  private warn(fields: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    if (now - this.warnWindow >= WARN_WINDOW_MS) {
      this.warnWindow = now;
      this.warnCount = 0;
    }
    if (this.warnCount++ >= WARN_BURST) {
      this.warnSuppressed++;
      return;
    }
    const suppressed = this.warnSuppressed;
    this.warnSuppressed = 0;
    this.log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }
}

function noop(): void {}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString();
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.from(data).toString();
}

/** Resolves when the socket has closed; the gateway's close frame has already been sent. */
function closed(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => ws.once('close', () => resolve()));
}
