import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { QueuedCallback, Store } from '../store/types.js';

export interface CallbackSenderOptions {
  /** How often the queue is checked for due batches, in ms. */
  pollMs: number;
  /** A receiver must answer (status line and headers) within this many ms. */
  timeoutMs: number;
  /** Requests in flight at once, over all receivers. */
  concurrency: number;
  /** Requests in flight at once to one receiver (app and URL). */
  perReceiver: number;
  /** First retry delay in ms; doubled each failure, with jitter. */
  retryBaseMs: number;
  /** Longest retry delay in ms. */
  retryMaxMs: number;
  /** A batch still undelivered this long after it was queued is dropped, in ms. */
  giveUpAfterMs: number;
}

export const CALLBACK_SENDER_DEFAULTS: CallbackSenderOptions = {
  pollMs: 500,
  timeoutMs: 10_000,
  concurrency: 16,
  perReceiver: 4,
  retryBaseMs: 1000,
  retryMaxMs: 10 * 60_000,
  giveUpAfterMs: 3 * 24 * 3600_000,
};

export const SIGNATURE_HEADER = 'X-Borealis-Signature';

/**
 * The signature header value: HMAC-SHA256 over "<t>.<body>", keyed by the app's stored secret
 * digest (SHA-256 of the master secret, which a receiver computes the same way).
 */
export function signCallback(key: Buffer, body: string, t: number): string {
  const v1 = createHmac('sha256', key).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** The receiver is out (as opposed to refusing this one batch): hold back its other batches too. */
function receiverUnavailable(status: number | null): boolean {
  return status === null || status >= 500 || status === 408 || status === 429;
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const text = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return text.slice(0, 200);
}

/**
 * Delivers queued receipt batches: POSTs each, signed, to its receiver; deletes it on 2xx, else
 * retries with exponential backoff until `giveUpAfterMs`. State lives in the queue table, so a
 * restart resumes where it left. Delivery is at least once: a receiver de-duplicates by batch_id.
 */
export class CallbackSender {
  private readonly options: CallbackSenderOptions;
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly perReceiver = new Map<string, number>();
  /** Consecutive "unavailable" failures per receiver, so backoff grows per receiver, not per batch. */
  private readonly streaks = new Map<string, number>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private stopped = false;
  private readonly requests: Counter<'outcome'> | undefined;
  private readonly dropped: Counter | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    options: Partial<CallbackSenderOptions> = {},
    registry?: Registry,
  ) {
    this.options = { ...CALLBACK_SENDER_DEFAULTS, ...options };
    if (registry) {
      this.requests = new Counter({
        name: 'borealis_callback_requests_total',
        help: 'Receipt callback POSTs, by outcome (ok, rejected: 4xx, unavailable: 5xx/timeout/network)',
        labelNames: ['outcome'],
        registers: [registry],
      });
      this.dropped = new Counter({
        name: 'borealis_callback_batches_dropped_total',
        help: 'Receipt batches given up on after retrying for the whole retry window',
        registers: [registry],
      });
    }
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops polling; lets requests in flight finish briefly, then aborts them (their batches stay queued). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const grace = setTimeout(() => this.abort.abort(), Math.min(1000, this.options.timeoutMs));
    await this.polling;
    await Promise.allSettled([...this.inflight.values()]);
    clearTimeout(grace);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), ms);
    this.timer.unref();
  }

  /** Starts sending whatever is due, as far as the concurrency bounds allow. Never overlaps itself. */
  private poll(): void {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = (async () => {
      do {
        this.pollAgain = false;
        if (this.stopped || this.inflight.size >= this.options.concurrency) break;
        // claimed, not merely read: another node sharing the queue never sends the same batch
        const now = Date.now();
        const rows = await this.store.callbacks.claim(now, this.options.concurrency * 4, now + this.leaseMs());
        const unsent: QueuedCallback[] = [];
        for (const row of rows) {
          const receiver = `${row.appKey}\n${row.url}`;
          const busy = this.perReceiver.get(receiver) ?? 0;
          if (this.stopped || this.inflight.size >= this.options.concurrency || this.inflight.has(row.id) || busy >= this.options.perReceiver) {
            unsent.push(row);
            continue;
          }
          this.perReceiver.set(receiver, busy + 1);
          const run = this.send(row, receiver)
            .catch((err: unknown) => this.logger.error({ err, id: row.id }, 'callback delivery failed unexpectedly'))
            .finally(() => {
              this.inflight.delete(row.id);
              const n = (this.perReceiver.get(receiver) ?? 1) - 1;
              if (n <= 0) this.perReceiver.delete(receiver);
              else this.perReceiver.set(receiver, n);
              // a slot is free: a backlog drains at full speed rather than one poll at a time
              this.pollSoon();
            });
          this.inflight.set(row.id, run);
        }
        // what this poll could not start goes back, due when it was (a batch in flight here
        // keeps its own lease: its send ends with remove or retryLater)
        for (const row of unsent) if (!this.inflight.has(row.id)) await this.store.callbacks.release(row.id, row.nextAt);
      } while (this.pollAgain);
    })()
      .catch((err: unknown) => this.logger.error({ err }, 'reading the callback queue failed'))
      .finally(() => {
        this.polling = null;
        this.schedule(this.options.pollMs);
      });
  }

  /**
   * How long a claimed batch is held for this node: longer than any send takes (the request's
   * time limit plus margin). Only a node that dies mid-send leaves a batch waiting that long.
   */
  private leaseMs(): number {
    return 2 * this.options.timeoutMs + 30_000;
  }

  private pollSoon(): void {
    if (!this.stopped) setImmediate(() => this.poll());
  }

  private async send(row: QueuedCallback, receiver: string): Promise<void> {
    const app = await this.store.apps.get(row.appKey);
    if (!app) {
      this.logger.warn({ appKey: row.appKey, id: row.id }, 'callback batch of a deleted app dropped');
      await this.store.callbacks.remove(row.id);
      return;
    }
    // only ever call a URL that is registered now: removing one stops its traffic at once
    if (!(await this.store.callbacks.getUrl(row.appKey, row.url))) {
      this.logger.warn({ appKey: row.appKey, url: row.url, id: row.id }, 'callback batch for an unregistered URL dropped');
      await this.store.callbacks.remove(row.id);
      return;
    }
    const t = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    let failure: string | null = null;
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Borealis-Callbacks/1',
          'X-Borealis-App-Key': row.appKey,
          'X-Borealis-Attempt': String(row.attempts + 1),
          [SIGNATURE_HEADER]: signCallback(app.secretHash, row.body, t),
        },
        body: row.body,
        // a redirect could point anywhere; only the registered URL is ever called
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.abort.signal]),
      });
      status = res.status;
      // The status says it all; a receiver's body is never read (it could be endless).
      res.body?.cancel().catch(() => {});
      if (status < 200 || status > 299) failure = `HTTP ${status}`;
    } catch (err) {
      // stopping: the batch stays queued as it was and goes again after the restart
      if (this.abort.signal.aborted) return;
      failure = describe(err, this.options.timeoutMs);
    }

    if (failure === null) {
      await this.store.callbacks.remove(row.id);
      this.requests?.inc({ outcome: 'ok' });
      if (this.streaks.delete(receiver)) this.logger.info({ url: row.url, appKey: row.appKey }, 'callback receiver is back');
      return;
    }

    const unavailable = receiverUnavailable(status);
    this.requests?.inc({ outcome: unavailable ? 'unavailable' : 'rejected' });
    const now = Date.now();
    if (now - row.createdAt >= this.options.giveUpAfterMs) {
      await this.store.callbacks.remove(row.id);
      this.dropped?.inc();
      this.logger.error(
        { appKey: row.appKey, url: row.url, attempts: row.attempts + 1, error: failure, queuedAt: row.createdAt },
        'callback batch dropped: undelivered for the whole retry window',
      );
      return;
    }
    let streak = 0;
    if (unavailable) {
      streak = (this.streaks.get(receiver) ?? 0) + 1;
      this.streaks.set(receiver, streak);
      if (streak === 1) this.logger.warn({ url: row.url, appKey: row.appKey, error: failure }, 'callback receiver unavailable; retrying');
    }
    const exp = Math.min(Math.max(row.attempts, streak - 1), 30);
    const delay = Math.min(this.options.retryBaseMs * 2 ** exp, this.options.retryMaxMs);
    // jitter: receivers coming back are not hit by every queued batch at the same instant
    const nextAt = now + Math.round(delay * (0.5 + Math.random() * 0.5));
    await this.store.callbacks.retryLater(row.id, nextAt, failure);
    if (unavailable) await this.store.callbacks.holdUrl(row.appKey, row.url, nextAt);
    this.logger.debug({ id: row.id, url: row.url, error: failure, nextAt }, 'callback batch will be retried');
  }
}
