import type { Logger } from 'pino';
import { parseJPushPush } from '../api/jpush/validate-push.js';
import { ApiError } from '../domain/errors.js';
import type { AcceptService } from '../delivery/accept.js';
import type { ClaimDecision, RunResult, ScheduleRecord } from '../store/advanced-types.js';
import type { Store } from '../store/types.js';
import { nextOccurrence, parseTrigger } from './trigger.js';

export interface SchedulerOptions {
  utcOffsetMinutes: number;
  /** How often due schedules are looked for. */
  pollMs: number;
  /**
   * A trigger instant missed by at most this much (the server was down) still fires, once;
   * older ones are skipped.
   */
  catchUpMs: number;
  /** Schedules claimed per transaction. */
  claimBatch: number;
  /** The clock trigger instants are compared with (tests move it forward to see periods pass). */
  clock?: () => number;
  /** This node's name on the runs it claims (nodes sharing the store each have their own). */
  node?: string;
}

/** A run claimed this long ago and still unfinished has lost its node (firing takes seconds). */
const ABANDONED_RUN_MS = 10 * 60_000;

/** The error a run gets when the process stopped between claiming it and storing its push. */
export const INTERRUPTED_CODE = 8200;

/**
 * Fires due schedules. Each tick claims due schedules in a write transaction (the run row's
 * key is the trigger instant, so an instant is claimed once, even by two nodes on one
 * database), then accepts their pushes as /v3/push would and records the msg_ids. A claim
 * is final: a crash between the claim and the push's commit loses that one firing rather than
 * risking a second one.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly accept: AcceptService,
    private readonly logger: Logger,
    private readonly options: SchedulerOptions,
  ) {}

  async start(): Promise<void> {
    const now = Date.now();
    // only this node's own runs (and abandoned ones): other nodes may be firing theirs right now
    const scope = this.options.node === undefined ? undefined : { node: this.options.node, staleBefore: now - ABANDONED_RUN_MS };
    const lost = await this.store.schedules.failUnfinished(INTERRUPTED_CODE, 'server stopped while this run was being sent', now, scope);
    if (lost > 0) this.logger.warn({ runs: lost }, 'schedule runs interrupted by the last stop were not sent');
    this.arm(0);
  }

  private arm(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.error({ err }, 'schedule tick failed'))
        .finally(() => {
          this.running = undefined;
          this.arm(this.options.pollMs);
        });
    }, delay);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Claims and fires everything due now; resolves once every claimed run is recorded. */
  async tick(): Promise<number> {
    let fired = 0;
    for (;;) {
      const now = (this.options.clock ?? Date.now)();
      const claimed = await this.store.schedules.claimDue(now, this.options.claimBatch, (r, at) => this.decide(r, at), this.options.node);
      if (claimed.length === 0) break;
      const results = await Promise.all(claimed.map((c) => this.fire(c.record, c.fireAt)));
      await this.store.schedules.finishRuns(results, Date.now());
      fired += claimed.length;
      if (this.stopped) break;
    }
    return fired;
  }

  decide(record: ScheduleRecord, now: number): ClaimDecision {
    return decideFiring(record, now, this.options);
  }

  private async fire(record: ScheduleRecord, fireAt: number): Promise<RunResult> {
    const base = { scheduleId: record.scheduleId, fireAt };
    try {
      const app = await this.store.apps.get(record.appKey);
      if (!app) return { ...base, errorCode: 1008, errorMessage: 'the app no longer exists' };
      const push = parseJPushPush(record.push, record.appKey);
      const result = await this.accept.accept(app, push);
      return { ...base, msgId: result.msgId };
    } catch (err) {
      if (err instanceof ApiError) return { ...base, errorCode: err.code, errorMessage: err.message };
      this.logger.error({ err, scheduleId: record.scheduleId }, 'schedule run failed');
      return { ...base, errorCode: 8200, errorMessage: 'internal error' };
    }
  }
}

/**
 * Whether a due schedule fires now, and where it moves next. Instants missed while the server
 * was down collapse into one firing: the stored one if it is within the catch-up window, else
 * the earliest one inside the window, if any.
 */
export function decideFiring(record: ScheduleRecord, now: number, options: Pick<SchedulerOptions, 'utcOffsetMinutes' | 'catchUpMs'>): ClaimDecision {
  const off = options.utcOffsetMinutes;
  let trigger;
  try {
    trigger = parseTrigger(record.trigger, off).trigger;
  } catch {
    return { fire: false, nextAt: null }; // cannot happen for stored triggers; never loop on one
  }
  const after = nextOccurrence(trigger, now + 1, off);
  if (!record.enabled) return { fire: false, nextAt: after };
  const due = record.nextAt!;
  if (now - due <= options.catchUpMs) return { fire: true, nextAt: after };
  const recent = nextOccurrence(trigger, now - options.catchUpMs, off);
  if (recent !== null && recent <= now) return { fire: true, fireAt: recent, nextAt: after };
  return { fire: false, nextAt: after };
}
