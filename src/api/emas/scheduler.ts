import type { ServerContext } from '../../context.js';
import { ApiError } from '../../domain/errors.js';

/** Longest single sleep: a push scheduled by another process on the same store is seen this soon. */
const MAX_SLEEP_MS = 30_000;
const BATCH = 100;

/**
 * Fires EMAS pushes at their PushTime. They wait in the store (emas_deferred) under a msg_id
 * issued when they were scheduled, and are accepted under that same id when due, so firing is
 * idempotent: a push stored before a crash is found by its id and only marked fired again.
 * A small durable timer of its own; JPush schedules are a separate feature.
 */
export class ScheduledPushes {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly ctx: ServerContext) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** A push was scheduled or cancelled: look again at what is due next. */
  wake(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), 0);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.running || this.stopped) return;
    this.running = this.fireDue()
      .catch((err: unknown) => this.ctx.logger.error({ err }, 'scheduled EMAS pushes: firing failed'))
      .then(async () => {
        const next = await this.ctx.store.emas.nextDue().catch(() => undefined);
        this.running = undefined;
        if (this.stopped) return;
        const delay = next === undefined ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(0, next - Date.now()));
        this.timer = setTimeout(() => this.tick(), delay);
        this.timer.unref();
      });
  }

  private async fireDue(): Promise<void> {
    for (;;) {
      const due = await this.ctx.store.emas.due(Date.now(), BATCH);
      for (const d of due) {
        if (this.stopped) return;
        const app = await this.ctx.apps.get(d.appKey);
        if (!app) {
          await this.ctx.store.emas.transition(d.messageId, 'pending', 'failed', 'the app no longer exists');
          continue;
        }
        try {
          await this.ctx.accept.accept(app, d.push, { msgId: d.messageId });
          this.ctx.metrics.pushesAccepted.inc({ source: 'emas' });
          await this.ctx.store.emas.transition(d.messageId, 'pending', 'fired');
        } catch (err) {
          if (isDuplicateMsgId(err)) {
            await this.ctx.store.emas.transition(d.messageId, 'pending', 'fired');
          } else if (err instanceof ApiError) {
            await this.ctx.store.emas.transition(d.messageId, 'pending', 'failed', err.message);
          } else {
            throw err; // the store is failing: try again at the next tick
          }
        }
      }
      if (due.length < BATCH) return;
    }
  }
}

/** The push was stored before (by this node before a crash, or by another node): SQLite's or PostgreSQL's unique violation. */
function isDuplicateMsgId(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505' || String(err).includes('UNIQUE');
}
