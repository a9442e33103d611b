import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { SeenIds } from './seen.js';
import { normalizeState, type ClientState } from './state.js';
import {
  BorealisError,
  type CustomMessage,
  type DeviceTags,
  type FetchLike,
  type Notification,
  type Platform,
  type Push,
  type VendorTokens,
  type WebSocketConstructor,
  type WebSocketLike,
} from './types.js';

export interface ClientOptions {
  /** Base URL of the Borealis server, e.g. `https://push.example.com`. */
  server: string;
  appKey: string;
  platform: Platform;
  /** Vendor channel tokens to register. */
  tokens?: VendorTokens;
  /** State saved from an earlier run (see `client.state`). */
  state?: Partial<ClientState> | null;
  /** Called when the state changed and should be saved (credentials, received msg_ids). */
  onStateChange?: (state: ClientState) => void;
  /** Defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Defaults to `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Reconnection delays, or false to stay disconnected once the connection drops. */
  reconnect?: Partial<BackoffOptions> | false;
  /** How many received msg_ids to remember for duplicate detection. */
  seenLimit?: number;
  /** WebSocket path of the gateway. */
  gatewayPath?: string;
}

export type ClientEvents = {
  /** Every new delivery, once, whatever it carries. */
  push: [push: Push];
  notification: [push: Push & { notification: Notification }];
  message: [push: Push & { message: CustomMessage }];
  /** A new push replaces an earlier one: remove `overriddenMsgId` if it is shown. Fires before `push`. */
  replace: [overriddenMsgId: string, push: Push];
  /** The push was revoked: remove it if it is shown. */
  withdraw: [msgId: string];
  connected: [info: { registrationId: string; heartbeat: number }];
  /** `reconnectInMs` is null when the client will not reconnect on its own. */
  disconnected: [info: { code: number; reason: string; reconnectInMs: number | null }];
  error: [error: Error];
};

const PROTOCOL_VERSION = 1;
const MAX_ACK_IDS = 100;
const MAX_FRAME_BYTES = 4096;
/** Acks go out at most this often, so a stream of pushes stays far below the frame rate limit. */
const ACK_INTERVAL_MS = 100;
/** The longest `ack_delay` a push may ask for; a larger one is taken as this. */
const MAX_ACK_DELAY_MS = 10_000;
/** Bounds on what waits for a connection, so catching up never bursts past the rate limit. */
const MAX_PENDING_REQUESTS = 20;
/**
 * Clicks kept until the server confirms them saved (sent again after each reconnect); beyond
 * this many, new clicks are dropped. Small enough that a reconnect's resend stays well within
 * the server's frame burst.
 */
const MAX_UNCONFIRMED_CLICKS = 20;
/**
 * Acks kept until the server confirms them saved (sent again after each reconnect); beyond
 * this many the oldest are forgotten (their pushes come again while their time to live
 * lasts, and are acknowledged then). Five ack frames at most on a reconnect.
 */
const MAX_UNCONFIRMED_ACKS = 500;
/** The server drops a connection silent for 2.5 heartbeats; the client applies the same rule. */
const IDLE_HEARTBEATS = 2.5;
/** Close codes after which reconnecting cannot help: bad credentials, or another connection took over. */
const FINAL_CODES = new Set([4001, 4003]);

interface PendingRequest {
  frame: string;
  resolve: (tags: DeviceTags) => void;
  reject: (err: Error) => void;
}

type Frame = Record<string, unknown>;

/**
 * A device's connection to Borealis: registration, the WebSocket session, acks, heartbeats,
 * reconnection and duplicate detection. Portable: the WebSocket and fetch implementations
 * come from the options or from the global scope.
 */
export class BorealisClient {
  private readonly events = new Emitter<ClientEvents>((err, event) => this.listenerFailed(err, event));
  private readonly WebSocketImpl: WebSocketConstructor;
  protected readonly fetchImpl: FetchLike;
  private readonly backoff: BackoffOptions | false;
  /** The server's base URL, without a trailing slash. */
  protected readonly base: string;
  private regId: string | null;
  private secret: string | null;
  private readonly seen: SeenIds;

  private ws: WebSocketLike | null = null;
  private isReady = false;
  /** Set by close() and by final close codes; cleared by connect(). */
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private readyWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  private acks: string[] = [];
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private lastAckAt = 0;
  private stateDirty = false;
  /** Click frames by msg_id that the server has not confirmed as saved. */
  private readonly clicks = new Map<string, string>();
  /** Acks sent (or waiting for a connection) that the server has not confirmed as saved, oldest first. */
  private readonly unconfirmedAcks = new Set<string>();
  private readonly requests = new Map<number, PendingRequest>();
  private nextRequestId = 1;

  constructor(protected readonly options: ClientOptions) {
    const g = globalThis as { WebSocket?: WebSocketConstructor; fetch?: FetchLike };
    const ws = options.WebSocket ?? g.WebSocket;
    const fetchImpl = options.fetch ?? g.fetch?.bind(globalThis);
    if (!ws) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
    if (!fetchImpl) throw new TypeError('no fetch implementation: pass options.fetch');
    this.WebSocketImpl = ws;
    this.fetchImpl = fetchImpl;
    this.backoff = options.reconnect === false ? false : { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.base = options.server.replace(/\/+$/, '');
    const state = normalizeState(options.state);
    this.regId = state.registrationId;
    this.secret = state.deviceSecret;
    this.seen = new SeenIds(options.seenLimit ?? 2000, state.seen);
  }

  on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  off<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): void {
    this.events.off(event, listener);
  }

  get registrationId(): string | null {
    return this.regId;
  }

  /** True between `ready` and the end of the connection. */
  get connected(): boolean {
    return this.isReady;
  }

  /** Everything to persist so the next run resumes as the same device. */
  get state(): ClientState {
    return { registrationId: this.regId, deviceSecret: this.secret, seen: this.seen.toArray() };
  }

  /**
   * Registers the device, or updates its tokens when it is already registered (it keeps its
   * registration id, tags and alias). Resolves with the registration id.
   */
  async register(): Promise<string> {
    const body: Record<string, unknown> = { app_key: this.options.appKey, platform: this.options.platform };
    if (this.options.tokens) body.tokens = this.options.tokens;
    if (this.regId && this.secret) {
      body.registration_id = this.regId;
      body.device_secret = this.secret;
    }
    const json = await this.post('/v1/devices/register', body, 'registration');
    if (typeof json.registration_id !== 'string') throw new BorealisError(1000, 'registration answer without registration_id');
    this.regId = json.registration_id;
    // an update may not hand out a new secret: keep the one we have
    if (typeof json.device_secret === 'string') this.secret = json.device_secret;
    if (!this.secret) throw new BorealisError(1000, 'registration answer without device_secret');
    this.options.onStateChange?.(this.state);
    return this.regId;
  }

  /**
   * Adds or replaces vendor tokens (e.g. a new FCM token or Web Push subscription) and
   * registers them: as an update of this device when it is registered, else as a new device.
   */
  async updateTokens(tokens: VendorTokens): Promise<string> {
    this.options.tokens = { ...this.options.tokens, ...tokens };
    return this.register();
  }

  /**
   * Registers (or, with `null`, removes) the APNs push token of one of this iOS device's Live
   * Activities under the id the app server pushes `live_activity` updates and ends to. Call it
   * again whenever iOS renews the activity's token. The device must be registered.
   */
  async setLiveActivityToken(liveActivityId: string, token: string | null): Promise<void> {
    if (!this.regId || !this.secret) throw new BorealisError(1002, 'register the device first');
    const body = { registration_id: this.regId, device_secret: this.secret, live_activity_id: liveActivityId, token };
    await this.post('/v1/devices/live-activity', body, 'Live Activity token registration');
  }

  /** POSTs JSON to a device endpoint; the server's JPush-style error becomes a BorealisError. */
  private async post(path: string, body: Record<string, unknown>, what: string): Promise<Frame> {
    const res = await this.fetchImpl(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let json: Frame = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) json = parsed;
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) {
      const error = isRecord(json.error) ? json.error : {};
      throw new BorealisError(
        typeof error.code === 'number' ? error.code : res.status,
        typeof error.message === 'string' ? error.message : `${what} failed with HTTP ${res.status}`,
      );
    }
    return json;
  }

  /**
   * Registers first if needed, then connects and stays connected (reconnecting with backoff)
   * until close(). Resolves at the first `ready`; rejects when the server refuses the
   * credentials (code 4001), another connection replaces this one before it is ready (4003),
   * or close() is called first.
   */
  async connect(): Promise<void> {
    this.stopped = false;
    if (this.isReady) return;
    if (!this.regId || !this.secret) await this.register();
    if (this.stopped) throw new BorealisError(1000, 'client closed');
    const ready = new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
    if (!this.ws && this.reconnectTimer === undefined) this.open();
    return ready;
  }

  /** Closes the connection for good (until the next connect()). Pending acks are sent first. */
  close(): Promise<void> {
    const wasActive = this.ws !== null || this.reconnectTimer !== undefined;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.flush();
    const ws = this.ws;
    this.detach();
    this.failWaiting(new BorealisError(1000, 'client closed'));
    if (wasActive) this.events.emit('disconnected', { code: 1000, reason: 'closed by the client', reconnectInMs: null });
    if (!ws) return Promise.resolve();
    return new Promise((resolve) => {
      // do not wait on a peer that never answers the closing handshake
      const timer = setTimeout(resolve, 2000);
      ws.onclose = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.close(1000, 'closed by the client');
    });
  }

  /** Reports that the user opened this push's notification. */
  click(msgId: string): void {
    if (!this.clicks.has(msgId) && this.clicks.size >= MAX_UNCONFIRMED_CLICKS) return;
    const frame = JSON.stringify({ t: 'click', msg_id: msgId });
    this.clicks.set(msgId, frame);
    if (this.isReady) this.ws?.send(frame);
  }

  /** Adds and removes tags; resolves with the device's tags and alias afterwards. */
  setTags(change: { add?: string[]; remove?: string[] }): Promise<DeviceTags> {
    const frame: Frame = { t: 'tags', id: 0 };
    if (change.add) frame.add = change.add;
    if (change.remove) frame.remove = change.remove;
    return this.request(frame);
  }

  /** Sets the alias (null removes it); resolves with the device's tags and alias afterwards. */
  setAlias(alias: string | null): Promise<DeviceTags> {
    return this.request({ t: 'alias', id: 0, alias });
  }

  /** Binds the device to a user account, as EMAS's bindAccount does (null unbinds it). */
  setAccount(account: string | null): Promise<DeviceTags> {
    return this.request({ t: 'account', id: 0, account });
  }

  /**
   * Requests wait for a connection and are sent again after a reconnection until answered:
   * tag and alias changes are idempotent, so a repeat is harmless. They fail at once on a
   * closed client, and when the client closes.
   */
  private request(frame: Frame): Promise<DeviceTags> {
    if (this.stopped) return Promise.reject(new BorealisError(1000, 'client closed'));
    if (this.requests.size >= MAX_PENDING_REQUESTS) {
      return Promise.reject(new BorealisError(2002, 'too many requests waiting for an answer'));
    }
    const id = this.nextRequestId++;
    const text = JSON.stringify({ ...frame, id });
    if (utf8Length(text) > MAX_FRAME_BYTES) {
      return Promise.reject(new BorealisError(1005, `request larger than ${MAX_FRAME_BYTES} bytes`));
    }
    return new Promise((resolve, reject) => {
      this.requests.set(id, { frame: text, resolve, reject });
      if (this.isReady) this.ws?.send(text);
    });
  }

  private open(): void {
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocketImpl(this.base.replace(/^http/, 'ws') + (this.options.gatewayPath ?? '/v1/gateway'));
    } catch (err) {
      this.stopped = true;
      this.failWaiting(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.ws = ws;
    // Every handler checks that its socket is still the current one: an abandoned socket may
    // still deliver events.
    ws.onopen = () => {
      if (this.ws !== ws) return;
      ws.send(JSON.stringify({ t: 'auth', v: PROTOCOL_VERSION, registration_id: this.regId, device_secret: this.secret }));
    };
    ws.onmessage = (event) => {
      if (this.ws === ws && typeof event.data === 'string') this.receive(event.data);
    };
    ws.onclose = (event) => {
      if (this.ws === ws) this.dropped(event.code, event.reason);
    };
    ws.onerror = () => {
      // the close event follows and carries what there is to know
    };
  }

  private receive(data: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      this.events.emit('error', new Error('server sent a frame that is not JSON'));
      return;
    }
    if (!isRecord(frame)) return;
    this.lastFrameAt = Date.now();
    switch (frame.t) {
      case 'ready':
        return this.ready(frame);
      case 'push':
        return this.push(frame);
      case 'saved': {
        if (Array.isArray(frame.clicks)) for (const id of frame.clicks) if (isString(id)) this.clicks.delete(id);
        if (Array.isArray(frame.acks)) for (const id of frame.acks) if (isString(id)) this.unconfirmedAcks.delete(id);
        return;
      }
      case 'withdraw': {
        const id = msgId(frame.msg_id);
        if (id) this.events.emit('withdraw', id);
        return;
      }
      case 'reply':
      case 'error': {
        const request = typeof frame.id === 'number' ? this.requests.get(frame.id) : undefined;
        if (!request) return; // an error without id announces a close, which says the same
        this.requests.delete(frame.id as number);
        if (frame.t === 'reply') {
          const state: DeviceTags = { tags: Array.isArray(frame.tags) ? frame.tags.filter(isString) : [], alias: isString(frame.alias) ? frame.alias : null };
          if (isString(frame.account)) state.account = frame.account;
          request.resolve(state);
        } else {
          request.reject(new BorealisError(typeof frame.code === 'number' ? frame.code : 1000, isString(frame.message) ? frame.message : 'request failed'));
        }
        return;
      }
      default:
      // pong, and frame types of later versions
    }
  }

  private ready(frame: Frame): void {
    const ws = this.ws;
    if (!ws) return;
    this.isReady = true;
    this.attempt = 0;
    const heartbeat = typeof frame.heartbeat === 'number' && frame.heartbeat > 0 ? frame.heartbeat : 30;
    const intervalMs = heartbeat * 1000;
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > intervalMs * IDLE_HEARTBEATS) {
        // nothing heard, not even pongs: the connection is dead without having said so
        this.abandon(4008, 'server silent');
        return;
      }
      ws.send('{"t":"ping"}');
    }, intervalMs);
    for (const request of this.requests.values()) ws.send(request.frame);
    // receipts not yet confirmed saved go again (the server counts each once)
    this.sendAcks(ws, [...this.unconfirmedAcks]);
    for (const click of this.clicks.values()) ws.send(click);
    this.events.emit('connected', { registrationId: this.regId ?? '', heartbeat });
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
  }

  private push(frame: Frame): void {
    const id = msgId(frame.msg_id);
    if (!id) return;
    // Acked even when already seen: the server resends until the ack arrives.
    this.acks.push(id);
    this.scheduleFlush(ackDelay(frame.ack_delay));
    if (!this.seen.add(id)) return;
    this.stateDirty = true;
    const push: Push = { msgId: id, sentAt: typeof frame.sent_at === 'number' ? frame.sent_at : 0 };
    if (isRecord(frame.notification)) push.notification = frame.notification as Notification;
    if (isRecord(frame.message)) push.message = frame.message as unknown as CustomMessage;
    const override = msgId(frame.override_msg_id);
    if (override) push.overrideMsgId = override;

    if (push.overrideMsgId) this.events.emit('replace', push.overrideMsgId, push);
    this.events.emit('push', push);
    if (push.notification) this.events.emit('notification', push as Push & { notification: Notification });
    if (push.message) this.events.emit('message', push as Push & { message: CustomMessage });
  }

  /**
   * Acks received in the same tick share frames; the state is reported with them. A push with
   * an `ack_delay` (one of a wide fan-out) is acked after a random part of it, between half and
   * all, so the server reads the acks after its send loop and spread out, not as one burst.
   * A full frame's worth of acks goes without waiting for the delay.
   */
  private scheduleFlush(ackDelayMs = 0): void {
    const full = this.acks.length >= MAX_ACK_IDS;
    if (this.ackTimer !== undefined && !full) return;
    clearTimeout(this.ackTimer);
    const spread = full ? 0 : ackDelayMs * (0.5 + Math.random() / 2);
    const wait = Math.max(spread, this.lastAckAt + ACK_INTERVAL_MS - Date.now(), 0);
    this.ackTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.acks.length > 0) {
      this.lastAckAt = Date.now();
      const ids = this.acks.splice(0);
      // Kept until confirmed; without a connection they go at the next `ready`.
      for (const id of ids) this.keepAck(id);
      if (this.isReady && this.ws) this.sendAcks(this.ws, ids);
    }
    if (this.stateDirty) {
      this.stateDirty = false;
      this.options.onStateChange?.(this.state);
    }
  }

  private keepAck(id: string): void {
    this.unconfirmedAcks.delete(id); // re-added as the newest
    this.unconfirmedAcks.add(id);
    if (this.unconfirmedAcks.size > MAX_UNCONFIRMED_ACKS) {
      this.unconfirmedAcks.delete(this.unconfirmedAcks.values().next().value as string);
    }
  }

  private sendAcks(ws: WebSocketLike, ids: readonly string[]): void {
    for (let i = 0; i < ids.length; i += MAX_ACK_IDS) ws.send(JSON.stringify({ t: 'ack', msg_ids: ids.slice(i, i + MAX_ACK_IDS) }));
  }

  /** Receipts the server has not confirmed saved yet, sent or not (for tests and diagnostics). */
  get unconfirmed(): { acks: number; clicks: number } {
    return { acks: new Set([...this.unconfirmedAcks, ...this.acks]).size, clicks: this.clicks.size };
  }

  /** Gives up on a connection that seems dead, and goes on as if the server had closed it. */
  private abandon(code: number, reason: string): void {
    const ws = this.ws;
    this.dropped(code, reason);
    try {
      ws?.close(code, reason);
    } catch {
      // already closing
    }
  }

  private dropped(code: number, reason: string): void {
    this.flush();
    this.detach();
    let reconnectInMs: number | null = null;
    if (!this.stopped && this.backoff && !FINAL_CODES.has(code)) {
      reconnectInMs = backoffDelay(this.attempt++, this.backoff);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (!this.stopped) this.open();
      }, reconnectInMs);
    } else {
      this.stopped = true;
      this.failWaiting(new BorealisError(code, reason || 'connection closed'));
    }
    this.events.emit('disconnected', { code, reason, reconnectInMs });
  }

  /** Forgets the current socket and everything tied to it. */
  private detach(): void {
    this.ws = null;
    this.isReady = false;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private failWaiting(err: Error): void {
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(err);
    for (const request of this.requests.values()) request.reject(err);
    this.requests.clear();
    this.clicks.clear();
    this.unconfirmedAcks.clear();
  }

  private listenerFailed(err: unknown, event: keyof ClientEvents): void {
    if (event !== 'error' && this.events.has('error')) {
      this.events.emit('error', err instanceof Error ? err : new Error(String(err)));
      return;
    }
    // like an EventTarget: report it without breaking the client
    setTimeout(() => {
      throw err;
    });
  }
}

function isRecord(v: unknown): v is Frame {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

/** msg_ids travel as decimal strings; numbers (as some JPush clients send them) are accepted. */
function msgId(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  return undefined;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** A push's `ack_delay` in ms: 0 when absent or not a sensible number. */
function ackDelay(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(v, MAX_ACK_DELAY_MS) : 0;
}
