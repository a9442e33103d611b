import type { Logger } from 'pino';
import type { Bitmap } from '../audience/audience-index.js';
import type { AcceptedPush } from '../domain/push.js';
import type { PacingProgress, PacingStore } from '../store/pacing-types.js';
import type { PlannedTargets } from './planner.js';

/** What the pacer needs of delivery: the paced pushes it holds, and a way to release a slice. */
export interface PacedDelivery {
  pacedPushes(): { push: AcceptedPush; targets: Bitmap; releasedThrough: number }[];
  release(appKey: string, msgId: string, nums: ArrayLike<number>): boolean;
  /** Another node released targets numbered (after, through]: sent to connections here not sent it yet. */
  releasedElsewhere(appKey: string, msgId: string, after: number, through: number): void;
}

export interface PacerOptions {
  /** How long one minute of big_push_duration lasts, in ms (60,000; tests shrink it). */
  minuteMs: number;
  /** How often due slices are released, in ms. */
  tickMs: number;
}

/** Where a paced push stands, for the Report API. */
export interface PacingReport {
  /** big_push_duration, in minutes. */
  duration: number;
  target: number;
  released: number;
  finished: boolean;
}

interface Plan {
  push: AcceptedPush;
  targets: Bitmap;
  total: number;
  durationMs: number;
  released: number;
  lastNum: number;
  /** The release rate is measured from here: at `anchorAt`, `anchorReleased` were out. */
  anchorAt: number;
  anchorReleased: number;
}

/**
 * Fixed-speed pushes (`big_push_duration`): releases a push's targets in device-number order,
 * evenly over its duration, in slices handed to delivery. Each slice is recorded in the store
 * before it is released, so after a restart the push resumes from the next device: a device
 * released before the crash is owed the push (and gets it on reconnecting), none is released
 * twice. After a restart the rest goes out at the same rate, so the push ends later by the time
 * the server was down rather than catching up in a burst.
 *
 * Several nodes may pace one push (every node holding it takes it up): every slice is claimed in
 * the store, moving the stored progress on from where this node believes it stands, so only one
 * node releases each slice. A node that loses a claim takes over the stored progress (and sends
 * that slice to its own connections, in case the other node's announcement never came) and
 * carries on from there, so the push goes on if the other node stops.
 */
export class Pacer {
  private readonly plans = new Map<string, Plan>();
  /** Paced pushes whose end this node saw: not taken up again while delivery still holds them. */
  private readonly ended = new Set<string>();
  private ticks = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PacingStore,
    private readonly delivery: PacedDelivery,
    private readonly logger: Logger,
    private readonly options: PacerOptions,
  ) {}

  /** Restores the progress of paced pushes delivery reloaded, then starts releasing. */
  async start(): Promise<void> {
    await this.takeUp();
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  /**
   * Paces the paced pushes delivery holds that no plan here covers: those reloaded at start,
   * and (checked about once a second) those accepted on other nodes, so that a push goes on
   * when the node pacing it stops. Each resumes from its stored progress at the push's rate.
   */
  private async takeUp(): Promise<void> {
    const now = Date.now();
    const held = new Set<string>();
    for (const lp of this.delivery.pacedPushes()) {
      const msgId = lp.push.msgId;
      held.add(msgId);
      if (this.plans.has(msgId) || this.ended.has(msgId)) continue;
      const saved = await this.store.get(msgId);
      if (this.plans.has(msgId)) continue; // accepted here meanwhile
      if (saved?.finishedAt != null) {
        lp.releasedThrough = Infinity;
        this.ended.add(msgId);
        continue;
      }
      const plan = this.plan(lp.push, lp.targets, now);
      if (saved) {
        plan.released = plan.anchorReleased = saved.released;
        plan.lastNum = saved.lastNum;
        lp.releasedThrough = Math.max(lp.releasedThrough, saved.lastNum);
      }
      this.plans.set(msgId, plan);
    }
    for (const msgId of this.ended) if (!held.has(msgId)) this.ended.delete(msgId);
  }

  private end(msgId: string): void {
    this.plans.delete(msgId);
    this.ended.add(msgId);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** AcceptService listener (after delivery's): a paced push starts its clock. */
  accepted(push: AcceptedPush, targets: PlannedTargets): void {
    if (push.options.bigPushDuration <= 0) return;
    this.plans.set(push.msgId, this.plan(push, targets.bitmap, push.createdAt));
  }

  private plan(push: AcceptedPush, targets: Bitmap, anchorAt: number): Plan {
    return {
      push,
      targets,
      total: targets.size,
      durationMs: push.options.bigPushDuration * this.options.minuteMs,
      released: 0,
      lastNum: -1,
      anchorAt,
      anchorReleased: 0,
    };
  }

  /** Progress of a paced push of this app; undefined for pushes that are not paced. */
  async progress(appKey: string, push: AcceptedPush, targetCount: number): Promise<PacingReport | undefined> {
    if (push.appKey !== appKey || push.options.bigPushDuration <= 0) return undefined;
    const plan = this.plans.get(push.msgId);
    if (plan) return { duration: push.options.bigPushDuration, target: plan.total, released: plan.released, finished: false };
    const saved = await this.store.get(push.msgId);
    return {
      duration: push.options.bigPushDuration,
      target: targetCount,
      released: saved?.released ?? 0,
      finished: saved?.finishedAt != null,
    };
  }

  /** Releases every slice now due; ticks never overlap. */
  tick(): Promise<void> {
    this.ticking = this.ticking.then(async () => {
      if (++this.ticks % Math.max(1, Math.round(1000 / this.options.tickMs)) === 0) {
        await this.takeUp().catch((err: unknown) => this.logger.error({ err }, 'taking up paced pushes failed; will retry'));
      }
      const now = Date.now();
      for (const plan of [...this.plans.values()]) {
        try {
          await this.advance(plan, now);
        } catch (err) {
          this.logger.error({ err, msgId: plan.push.msgId }, 'releasing a paced slice failed; will retry');
        }
      }
    });
    return this.ticking;
  }

  private async advance(plan: Plan, now: number): Promise<void> {
    const { push } = plan;
    const elapsed = Math.max(0, now - plan.anchorAt);
    const due = Math.min(plan.total, plan.anchorReleased + Math.floor((elapsed * plan.total) / plan.durationMs));
    if (due <= plan.released) return;
    const count = due - plan.released;
    const nums = plan.targets.rangeUint32Array(new Uint32Array(count), plan.released, count);
    const progress: PacingProgress = {
      msgId: push.msgId,
      appKey: push.appKey,
      released: due,
      lastNum: nums[nums.length - 1]!,
      updatedAt: now,
      finishedAt: due === plan.total ? now : null,
    };
    // durable first: a crash from here on leaves these devices owed the push, never released twice
    if (!(await this.store.claim(progress, plan.released))) {
      await this.takeOver(plan, now);
      return;
    }
    plan.released = due;
    plan.lastNum = progress.lastNum;
    const live = this.delivery.release(push.appKey, push.msgId, nums);
    if (due === plan.total) this.end(push.msgId);
    else if (!live) {
      // expired, revoked or overridden: nothing more goes out
      this.end(push.msgId);
      await this.store.save({ ...progress, finishedAt: now });
    }
  }

  /** Another node released further (or finished): continue from the stored progress. */
  private async takeOver(plan: Plan, now: number): Promise<void> {
    const { push } = plan;
    const saved = await this.store.get(push.msgId);
    if (!saved) return;
    if (saved.lastNum > plan.lastNum) this.delivery.releasedElsewhere(push.appKey, push.msgId, plan.lastNum, saved.lastNum);
    if (saved.finishedAt != null) {
      this.end(push.msgId);
      return;
    }
    plan.released = plan.anchorReleased = saved.released;
    plan.lastNum = saved.lastNum;
    plan.anchorAt = now;
  }
}
