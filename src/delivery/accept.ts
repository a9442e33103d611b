import { errors } from '../domain/errors.js';
import { isBroadcast, type AcceptedPush, type Push } from '../domain/push.js';
import type { MsgIdGenerator } from '../ids/msg-id.js';
import type { AppRecord, NonceClaim, Store } from '../store/types.js';
import { checkCid } from './cid-service.js';
import type { PlannedTargets, Planner } from './planner.js';
import { effectivePlatforms } from './render.js';

export interface AcceptResult {
  sendno: string;
  msgId: string;
  /** True when a cid replay answered with an earlier push's result. */
  replayed: boolean;
}

export interface AcceptLimits {
  broadcastsPerDay: number;
  /**
   * Pushes with a time to live and at most this many targets go to their devices' inboxes in
   * the store (delivery then keeps them in memory only while needed); wider ones stay in memory.
   */
  inboxTargets: number;
  /** Milliseconds one minute of big_push_duration lasts (60,000 but in tests). */
  pacingMinuteMs?: number;
  /**
   * Other nodes accept pushes into the same store: the daily broadcast allowance is counted
   * from the store at every broadcast (plus this node's own not yet committed), not cached.
   */
  sharedStore?: boolean;
}

export interface AcceptChecks {
  /** Whether the app registered this callback URL; a push naming any other is refused (1018). */
  callbackCheck?: (appKey: string, url: string) => Promise<boolean>;
  /**
   * Relay work for vendor channels, stored in the push's own transaction: the target set's
   * slices as device-number ranges, or undefined when no vendor channel is concerned.
   */
  relaySlices?: (push: AcceptedPush, targets: PlannedTargets) => [number, number][] | undefined;
  /** Refuses a push the app is not set up for (JPush 1036: HarmonyOS only, without HarmonyOS credentials); throws. */
  platformCheck?: (appKey: string, push: Push) => void;
}

/** How a push was stored: in its targets' inboxes, and with relay work queued for vendor channels. */
export interface AcceptedHow {
  inboxed: boolean;
  relayed: boolean;
  /** The push has content for the own connection (effective platforms; not a Live Activity alone). */
  deliverable: boolean;
}

/** Listeners hear of every push after it is durable (delivery fans out from here). */
export type AcceptedListener = (push: AcceptedPush, targets: PlannedTargets, how: AcceptedHow) => void;

const DAY_MS = 24 * 3600 * 1000;
/** override_msg_id may name a push of the last day only. */
export const OVERRIDE_WINDOW_MS = DAY_MS;

function utcDayStart(ms: number): number {
  return ms - (ms % DAY_MS);
}

/**
 * Accepts normalized pushes: enforces what needs state (cid, daily broadcast allowance,
 * override target), numbers the push and stores it durably before answering.
 */
export class AcceptService {
  private readonly inflightCids = new Map<string, Promise<AcceptResult>>();
  private readonly broadcastDays = new Map<string, { day: number; used: number }>();
  /** Shared store: broadcasts counted against the allowance and not yet committed, per app. */
  private readonly uncommittedBroadcasts = new Map<string, number>();
  private readonly listeners: AcceptedListener[] = [];

  constructor(
    private readonly store: Store,
    private readonly ids: MsgIdGenerator,
    private readonly planner: Planner,
    private readonly defaults: AcceptLimits,
    private readonly checks: AcceptChecks = {},
  ) {}

  onAccepted(listener: AcceptedListener): void {
    this.listeners.push(listener);
  }

  /** Checks everything a real push would, stores and sends nothing. */
  async validate(app: AppRecord, push: Push): Promise<AcceptResult> {
    this.checks.platformCheck?.(app.appKey, push);
    if (push.cid !== undefined) await checkCid(this.store, app.appKey, push.cid, 'push');
    // each check awaited only when the push has something to check: no promise otherwise
    if (push.callback?.url !== undefined) await this.checkCallback(app, push);
    if (push.options.overrideMsgId !== undefined) await this.checkOverride(app, push);
    if (isBroadcast(push.audience)) await this.broadcastAllowance(app, false);
    await this.planner.plan(push);
    return { sendno: push.sendno, msgId: this.ids.next(), replayed: false };
  }

  /**
   * A msg_id issued ahead of its push, for pushes answered before they are accepted (EMAS's
   * scheduled pushes): `accept` later stores the push under it.
   */
  reserveMsgId(): string {
    return this.ids.next();
  }

  /**
   * `opts.msgId` stores the push under a number reserved for it; `opts.nonce` (a signed EMAS
   * request's SignatureNonce) is used up in the push's own commit, and the push is refused
   * with NonceUsedError, nothing stored, when it was taken.
   */
  accept(app: AppRecord, push: Push, opts?: { msgId?: string; nonce?: NonceClaim }): Promise<AcceptResult> {
    const cid = push.cid;
    // acceptNew's own promise: an async wrapper around it would cost microtask turns per push
    if (cid === undefined) return this.acceptNew(app, push, opts?.msgId, opts?.nonce);
    return this.acceptOnce(app, push, cid, opts?.nonce);
  }

  /** A push with a cid: a replay answers with the earlier push's result. */
  private async acceptOnce(app: AppRecord, push: Push, cid: string, nonce: NonceClaim | undefined): Promise<AcceptResult> {
    // Two requests with one cid at the same moment: the second waits for the first's answer.
    const pending = this.inflightCids.get(cid);
    if (pending) {
      const first = await pending.catch(() => undefined);
      if (first) return { ...first, replayed: true };
    }
    const run = (async () => {
      const check = await checkCid(this.store, app.appKey, cid, 'push');
      if (check.kind === 'replay') return { sendno: check.sendno, msgId: check.msgId, replayed: true };
      return this.acceptNew(app, push, undefined, nonce);
    })();
    this.inflightCids.set(cid, run);
    try {
      return await run;
    } finally {
      if (this.inflightCids.get(cid) === run) this.inflightCids.delete(cid);
    }
  }

  private async acceptNew(app: AppRecord, push: Push, msgId?: string, nonce?: NonceClaim): Promise<AcceptResult> {
    this.checks.platformCheck?.(app.appKey, push);
    if (push.callback?.url !== undefined) await this.checkCallback(app, push);
    if (push.options.overrideMsgId !== undefined) await this.checkOverride(app, push);
    const targets = await this.planner.plan(push);
    const broadcast = isBroadcast(push.audience);
    if (broadcast) await this.broadcastAllowance(app, true);
    const createdAt = Date.now();
    // A paced push's time to live counts from the end of its pacing: the last slice gets the
    // same offline allowance as the first.
    const pacingMs = push.options.bigPushDuration * (this.defaults.pacingMinuteMs ?? 60_000);
    // A copy of the push with its number and times. Not `{ ...push, msgId, ... }`: in V8 (Node 20)
    // each such object gets a hidden class of its own, microseconds to build, and every later
    // reader of accepted pushes (the store's JSON, the listeners) then sees a new shape per push.
    const accepted = Object.assign({}, push) as AcceptedPush;
    accepted.msgId = msgId ?? this.ids.next();
    accepted.createdAt = createdAt;
    accepted.expiresAt = createdAt + pacingMs + push.options.timeToLive * 1000;
    // A push with nothing for the own connection (a Live Activity) waits in no inbox.
    // Paced pushes stay in memory (released by device number), never in per-device inboxes.
    const deliverable = effectivePlatforms(push).length > 0;
    const inboxed = pacingMs === 0 && push.options.timeToLive > 0 && targets.count <= this.defaults.inboxTargets && deliverable;
    const inbox = inboxed ? (targets.nums ?? targets.bitmap.toArray()) : undefined;
    const relay = this.checks.relaySlices?.(accepted, targets);
    try {
      await this.store.pushes.insert(accepted, { bitmap: targets.serialized, count: targets.count, inbox, relay }, nonce);
    } catch (err) {
      if (broadcast) this.releaseBroadcast(app.appKey);
      throw err;
    } finally {
      if (broadcast && this.defaults.sharedStore) this.uncommittedBroadcasts.set(app.appKey, Math.max(0, (this.uncommittedBroadcasts.get(app.appKey) ?? 0) - 1));
    }
    const how: AcceptedHow = { inboxed, relayed: relay !== undefined, deliverable };
    for (const listener of this.listeners) listener(accepted, targets, how);
    return { sendno: push.sendno, msgId: accepted.msgId, replayed: false };
  }

  private async checkCallback(app: AppRecord, push: Push): Promise<void> {
    const url = push.callback?.url;
    if (url === undefined || !this.checks.callbackCheck) return;
    if (!(await this.checks.callbackCheck(app.appKey, url))) {
      throw errors.callbackUrl('callback.url is not a callback URL registered for this app');
    }
  }

  private async checkOverride(app: AppRecord, push: Push): Promise<void> {
    const target = push.options.overrideMsgId;
    if (target === undefined) return;
    const head = await this.store.pushes.head(target);
    if (!head || head.appKey !== app.appKey) throw errors.invalid('override_msg_id does not exist');
    if (head.revokedAt !== null) throw errors.invalid('override_msg_id was revoked');
    if (Date.now() - head.createdAt > OVERRIDE_WINDOW_MS) throw errors.invalid('override_msg_id is older than one day');
  }

  /** Counts a broadcast against today's allowance (or only checks it, for validate). */
  private async broadcastAllowance(app: AppRecord, take: boolean): Promise<void> {
    const limit = app.broadcastPerDay ?? this.defaults.broadcastsPerDay;
    if (limit === 0) return;
    const day = utcDayStart(Date.now());
    if (this.defaults.sharedStore) {
      const pending = this.uncommittedBroadcasts.get(app.appKey) ?? 0;
      const used = (await this.store.pushes.countBroadcastsSince(app.appKey, day)) + pending;
      if (used >= limit) throw errors.broadcastLimited(`Broadcast push exceeds the limit of ${limit} per day`);
      if (take) this.uncommittedBroadcasts.set(app.appKey, (this.uncommittedBroadcasts.get(app.appKey) ?? 0) + 1);
      return;
    }
    let entry = this.broadcastDays.get(app.appKey);
    if (!entry || entry.day !== day) {
      const used = await this.store.pushes.countBroadcastsSince(app.appKey, day);
      entry = this.broadcastDays.get(app.appKey);
      if (!entry || entry.day !== day) {
        entry = { day, used };
        this.broadcastDays.set(app.appKey, entry);
      }
    }
    if (entry.used >= limit) throw errors.broadcastLimited(`Broadcast push exceeds the limit of ${limit} per day`);
    if (take) entry.used++;
  }

  private releaseBroadcast(appKey: string): void {
    const entry = this.broadcastDays.get(appKey);
    if (entry && entry.used > 0) entry.used--;
  }
}
