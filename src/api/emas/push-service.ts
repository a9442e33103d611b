import type { ServerContext } from '../../context.js';
import type { Audience, Push } from '../../domain/push.js';
import type { AppRecord, NonceClaim } from '../../store/types.js';
import { emas } from './errors.js';
import type { ScheduledPushes } from './scheduler.js';
import type { TranslatedPush } from './push-translate.js';

/** The same IdempotentToken within this time gets the first call's answer. */
export const IDEMPOTENCY_MS = 15 * 60_000;

type Answer = Record<string, unknown>;

/**
 * Where EMAS pushes go after translation: straight into the accept service the JPush API uses,
 * into the scheduled store when PushTime is ahead, or kept as a template for continuous
 * pushes (Target=TBD). IdempotentTokens are answered from the store for 15 minutes.
 */
export class EmasPushService {
  private readonly inflight = new Map<string, Promise<Answer>>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly scheduler: ScheduledPushes,
  ) {}

  /** Runs `work` once per (app, token) within 15 minutes; repeats get the first answer. */
  async idempotent(app: AppRecord, token: string | undefined, work: () => Promise<Answer>): Promise<Answer> {
    if (token === undefined) return work();
    const key = `${app.appKey}\n${token}`;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const run = (async () => {
      const stored = await this.ctx.store.emas.idempotent(app.appKey, token, Date.now() - IDEMPOTENCY_MS);
      if (stored !== undefined) return JSON.parse(stored) as Answer;
      const answer = await work();
      await this.ctx.store.emas.rememberIdempotent(app.appKey, token, JSON.stringify(answer), Date.now());
      return answer;
    })();
    this.inflight.set(key, run);
    try {
      return await run;
    } finally {
      this.inflight.delete(key);
    }
  }

  /**
   * Accepts (or schedules, or keeps as a continuous template) one push; resolves with its
   * MessageId. `nonce`, for a push accepted at once, is used up in the push's commit.
   */
  async submit(app: AppRecord, t: TranslatedPush, nonce?: NonceClaim): Promise<string> {
    if (t.target === 'TBD' || t.pushTime !== undefined) {
      const messageId = this.ctx.accept.reserveMsgId();
      await this.ctx.store.emas.addDeferred({
        messageId,
        appKey: app.appKey,
        kind: t.target === 'TBD' ? 'continuous' : 'scheduled',
        runAt: t.pushTime ?? null,
        push: t.push,
        state: 'pending',
        createdAt: Date.now(),
        note: null,
      });
      if (t.pushTime !== undefined) this.scheduler.wake();
      return messageId;
    }
    const result = await this.ctx.accept.accept(app, t.push, nonce && { nonce });
    this.ctx.metrics.pushesAccepted.inc({ source: 'emas' });
    return result.msgId;
  }

  /** Checks every push of a batch against the engine (targets, limits) before any is accepted. */
  async validateAll(app: AppRecord, pushes: readonly TranslatedPush[]): Promise<void> {
    for (const t of pushes) if (t.target !== 'TBD' && t.pushTime === undefined) await this.ctx.accept.validate(app, t.push);
  }

  /** A continuous push's template sent to these targets: a push of its own, with its own MessageId. */
  async continueWith(app: AppRecord, messageId: string, audience: Audience): Promise<string> {
    const template = await this.continuous(app, messageId);
    const push: Push = { ...template.push, audience };
    const result = await this.ctx.accept.accept(app, push);
    this.ctx.metrics.pushesAccepted.inc({ source: 'emas' });
    return result.msgId;
  }

  async complete(app: AppRecord, messageId: string): Promise<void> {
    await this.continuous(app, messageId);
    await this.ctx.store.emas.transition(messageId, 'pending', 'completed');
  }

  /** Cancels a scheduled push that has not been sent yet. */
  async cancel(app: AppRecord, messageId: string): Promise<void> {
    const d = await this.ctx.store.emas.deferred(messageId);
    if (!d || d.appKey !== app.appKey || d.kind !== 'scheduled') throw emas.notFound('MessageId');
    if (d.state !== 'pending' || !(await this.ctx.store.emas.transition(messageId, 'pending', 'cancelled'))) {
      throw emas.parameter(`MessageId ${messageId} is no longer waiting to be sent (${d.state === 'pending' ? 'fired' : d.state})`);
    }
    this.scheduler.wake();
  }

  private async continuous(app: AppRecord, messageId: string) {
    const d = await this.ctx.store.emas.deferred(messageId);
    if (!d || d.appKey !== app.appKey || d.kind !== 'continuous') throw emas.notFound('MessageId');
    if (d.state !== 'pending') throw emas.parameter(`continuous push ${messageId} was completed`);
    return d;
  }
}
