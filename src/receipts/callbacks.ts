import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AcceptedPush, JsonObject } from '../domain/push.js';
import type { Store } from '../store/types.js';
import type { CallbackBatch, ReceiptEvent, ReceiptSink, ReceiptStatus } from './types.js';

/** The callback.type bit each receipt status answers to. */
export const RECEIPT_TYPE_BITS: Readonly<Record<ReceiptStatus, number>> = { received: 1, clicked: 2, not_delivered: 4, sent: 8 };
/** Every receipt type: what a registered URL takes unless told otherwise. */
export const ALL_RECEIPT_TYPES = 15;

const MAX_URL_LENGTH = 2048;

/**
 * The one spelling of a callback URL that registration, the 1018 check and delivery compare:
 * http(s) with a host, no credentials, no fragment. Undefined when the URL is not acceptable.
 */
export function normalizeCallbackUrl(raw: string): string | undefined {
  if (raw.length > MAX_URL_LENGTH || !/^https?:\/\//i.test(raw)) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') return undefined;
  // credentials in a URL would end up in logs and in the queue
  if (u.username !== '' || u.password !== '') return undefined;
  u.hash = '';
  return u.href;
}

/** AcceptService's 1018 check: a push may only name a URL its app registered. */
export function callbackUrlCheck(store: Store): (appKey: string, url: string) => Promise<boolean> {
  return async (appKey, url) => {
    const normalized = normalizeCallbackUrl(url);
    return normalized !== undefined && (await store.callbacks.getUrl(appKey, normalized)) !== undefined;
  };
}

export interface CallbackSinkOptions {
  /** Most events in one batch (one POST). */
  batchEvents: number;
  /** Approximate largest batch body in bytes; a single larger event still goes, alone. */
  batchBytes: number;
}

const DEFAULTS: CallbackSinkOptions = { batchEvents: 500, batchBytes: 512 * 1024 };

/**
 * Delivery keeps a push in memory a while past its expiry for late acks and clicks; keep its
 * route longer than that (later receipts still work, through a lookup).
 */
const ROUTE_GRACE_MS = 10 * 60_000;
/**
 * A route no receipt used for this long is forgotten (looked up again if one comes). Receipts
 * of a push mostly come within seconds of its fan-out; at 200 pushes/s a 10-minute hold kept
 * 120,000 routes, a minute keeps what is in use.
 */
const ROUTE_IDLE_MS = 60_000;
/** Pushes accepted most recently, kept so their first receipt needs no store read. */
const RECENT_PUSHES = 10_000;
const SWEEP_EVERY_MS = 15_000;

/** What resolving a route needs of a push (the rest of it is not kept). */
type RouteSource = Pick<AcceptedPush, 'appKey' | 'expiresAt' | 'callback'>;

/** Where a push's receipts go, fixed once per push. Null route: nowhere. */
interface Route {
  url: string;
  types: number;
  params: JsonObject | undefined;
}

type RouteEntry =
  | { state: 'ready'; route: Route | null; until: number; usedAt: number }
  | { state: 'waiting'; appKey: string; push: RouteSource | undefined; events: ReceiptEvent[] };

interface OpenBatch {
  appKey: string;
  url: string;
  events: string[];
  bytes: number;
}

/**
 * Turns receipt events into signed-later JSON batches, one stream per (app, URL).
 *
 * Each push's route (URL, types, params) is resolved when its first receipt arrives (most
 * pushes to offline devices have none for a long while, so accepting one costs no lookup):
 * from the recently accepted pushes the accept listener hands over, or from the store. A
 * route is kept while receipts come (forgotten after a minute unused), so memory follows the pushes
 * that are being delivered, not all that are live. Resolution is async:
 * events that arrive meanwhile wait on the route, and `settled()` says when none is waiting.
 */
export class CallbackSink implements ReceiptSink {
  private readonly routes = new Map<string, RouteEntry>();
  private readonly recent = new Map<string, RouteSource>();
  /**
   * msg_ids of `recent` in the order they came, as a ring: the oldest is dropped by name.
   * (Dropping a Map's first key through an iterator walks past every entry deleted before it
   * until the table is rebuilt: microseconds per push at 10,000 entries.)
   */
  private readonly recentOrder: (string | undefined)[] = new Array<string | undefined>(RECENT_PUSHES);
  private recentNext = 0;
  private readonly open = new Map<string, OpenBatch>();
  private ready: CallbackBatch[] = [];
  /** Routes whose lookup failed; retried at the next drain. */
  private readonly retry = new Set<string>();
  /** Route lookups under way, and who waits for them all to finish. */
  private pending = 0;
  private idle: (() => void)[] = [];
  private readonly options: CallbackSinkOptions;
  private lastSweep = Date.now();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    options: Partial<CallbackSinkOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** AcceptService listener: remembers the push, so its route needs no store read later. */
  accepted(push: AcceptedPush): void {
    const oldest = this.recentOrder[this.recentNext];
    if (oldest !== undefined) this.recent.delete(oldest);
    this.recentOrder[this.recentNext] = push.msgId;
    this.recentNext = this.recentNext + 1 === RECENT_PUSHES ? 0 : this.recentNext + 1;
    this.recent.set(push.msgId, { appKey: push.appKey, expiresAt: push.expiresAt, callback: push.callback });
  }

  record(event: ReceiptEvent): void {
    const entry = this.routes.get(event.msgId);
    if (entry === undefined) {
      // the push's first receipt, or one after its route was forgotten (or from before a restart)
      const push = this.recent.get(event.msgId);
      this.resolve(event.msgId, { state: 'waiting', appKey: event.appKey, push, events: [event] });
    } else if (entry.state === 'waiting') {
      entry.events.push(event);
    } else {
      entry.usedAt = event.time;
      this.add(entry.route, event);
    }
  }

  wants(msgId: string, status: ReceiptStatus): boolean {
    const entry = this.routes.get(msgId);
    // unknown or still resolving: the events decide nothing yet, so they are taken
    if (entry?.state !== 'ready') return true;
    return entry.route !== null && (entry.route.types & RECEIPT_TYPE_BITS[status]) !== 0;
  }

  drain(): CallbackBatch[] {
    for (const msgId of this.retry) {
      const entry = this.routes.get(msgId);
      this.retry.delete(msgId);
      if (entry?.state === 'waiting') this.resolve(msgId, entry);
    }
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      for (const [msgId, entry] of this.routes) {
        if (entry.state === 'ready' && (entry.until < now || entry.usedAt + ROUTE_IDLE_MS < now)) this.routes.delete(msgId);
      }
    }
    for (const b of this.open.values()) this.ready.push(this.seal(b));
    this.open.clear();
    const out = this.ready;
    this.ready = [];
    return out;
  }

  restore(batches: CallbackBatch[]): void {
    this.ready = [...batches, ...this.ready];
  }

  /**
   * Resolves once no route lookup is under way. Awaited before `drain`, it puts every event
   * recorded so far into the batches (the drain then misses none still waiting on a lookup).
   */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Routes held (for tests and metrics). */
  routeCount(): number {
    return this.routes.size;
  }

  private resolve(msgId: string, entry: Extract<RouteEntry, { state: 'waiting' }>): void {
    this.routes.set(msgId, entry);
    this.pending++;
    this.lookup(msgId, entry.appKey, entry.push)
      .then(
        ({ route, until }) => {
          if (this.routes.get(msgId) !== entry) return;
          this.routes.set(msgId, { state: 'ready', route, until, usedAt: Date.now() });
          for (const e of entry.events) this.add(route, e);
        },
        (err: unknown) => {
          this.logger.warn({ err, msgId }, 'callback route lookup failed; will retry');
          this.retry.add(msgId);
        },
      )
      .finally(() => {
        if (--this.pending > 0) return;
        const waiting = this.idle;
        this.idle = [];
        for (const resolve of waiting) resolve();
      });
  }

  private async lookup(
    msgId: string,
    appKey: string,
    known: RouteSource | undefined,
  ): Promise<{ route: Route | null; until: number }> {
    const push = known ?? (await this.store.pushes.get(msgId));
    if (!push || push.appKey !== appKey) return { route: null, until: Date.now() + ROUTE_GRACE_MS };
    const until = push.expiresAt + ROUTE_GRACE_MS;
    const cb = push.callback;
    let registered;
    if (cb?.url !== undefined) {
      // checked at accept; looked up again because it may have been unregistered since
      const url = normalizeCallbackUrl(cb.url);
      registered = url === undefined ? undefined : await this.store.callbacks.getUrl(appKey, url);
    } else {
      registered = await this.store.callbacks.defaultUrl(appKey);
    }
    if (!registered) return { route: null, until };
    const types = cb?.type ?? registered.types;
    if (types === 0) return { route: null, until };
    return { route: { url: registered.url, types, params: cb?.params }, until };
  }

  private add(route: Route | null, e: ReceiptEvent): void {
    const bit = RECEIPT_TYPE_BITS[e.status];
    if (!route || (route.types & bit) === 0) return;
    const json = JSON.stringify({
      msg_id: e.msgId,
      registration_id: e.registrationId,
      platform: e.platform,
      channel: e.channel,
      status: e.status,
      type: bit,
      time: e.time,
      ...(route.params !== undefined ? { params: route.params } : {}),
    });
    const size = Buffer.byteLength(json) + 1;
    const key = `${e.appKey}\n${route.url}`;
    let b = this.open.get(key);
    if (b && (b.events.length >= this.options.batchEvents || b.bytes + size > this.options.batchBytes)) {
      this.ready.push(this.seal(b));
      b = undefined;
    }
    if (!b) {
      b = { appKey: e.appKey, url: route.url, events: [], bytes: 128 };
      this.open.set(key, b);
    }
    b.events.push(json);
    b.bytes += size;
  }

  /** batch_id stays the same across retries, so a receiver can drop a batch it already took. */
  private seal(b: OpenBatch): CallbackBatch {
    const body = `{"app_key":${JSON.stringify(b.appKey)},"batch_id":"${randomUUID()}","events":[${b.events.join(',')}]}`;
    return { appKey: b.appKey, url: b.url, body, createdAt: Date.now() };
  }
}
