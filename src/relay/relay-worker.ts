import type { Logger } from 'pino';
import { RoaringBitmap32, type Bitmap } from '../audience/audience-index.js';
import { resolveBadge } from '../channels/apns/render.js';
import type { ChannelCredentialService } from '../channels/credentials.js';
import type { ChannelRegistry } from '../channels/registry.js';
import { relayChannels, type RelayChannelId } from '../channels/router.js';
import { vendorOptions } from '../channels/vendor-options.js';
import type { Channel, RelayTarget, TargetResult } from '../channels/types.js';
import type { Config } from '../config.js';
import type { VendorTokenKey } from '../domain/device.js';
import type { AcceptedPush } from '../domain/push.js';
import type { Store } from '../store/types.js';
import { trimOldest } from '../util/bounded-map.js';
import type { QuotaLedger } from './quota-ledger.js';
import { RateGate } from './rate-gate.js';
import type { RelayChannelResult, RelayDevice, RelayOutcome, RelayWork } from '../store/relay-types.js';

export type RelaySettings = Config['channels']['relay'];
/** Whether a device holds Borealis's own connection right now. */
export type PresenceCheck = (appKey: string, num: number) => boolean;

/**
 * What became of one device on one channel: final ('sent', 'dead', 'failed'), 'retry' (queued
 * again), or 'fallback': the vendor's quota is used up, so the device is left to Borealis's own
 * connection (which every target is owed anyway: its inbox or the push held in memory).
 */
export type RelayDisposition = 'sent' | 'dead' | 'failed' | 'retry' | 'fallback';

/** Hears of each device result (metrics, callbacks, traces). */
export type RelayListener = (push: AcceptedPush, device: RelayDevice, channel: VendorTokenKey, result: TargetResult, disposition: RelayDisposition) => void;

interface PushEntry {
  push: AcceptedPush;
  targets: Bitmap;
  revoked: boolean;
}

/**
 * Drains the relay queue: claims due slices under a lease (so nodes sharing the store never
 * relay one slice at once), routes each device (channels/router.ts), sends per channel in the
 * channel's batch size under its rate, and confirms the slice with its results in one store
 * transaction. Leases of slices in progress are renewed; failed work waits with exponential
 * backoff, visible to every node.
 */
export class RelayWorker {
  private readonly busy = new Set<number>();
  /** Outright failures (store or credential errors) per slice, for the backoff of the next. */
  private readonly failures = new Map<number, number>();
  private renewTimer: NodeJS.Timeout | undefined;
  private released = false;
  private readonly pushes = new Map<string, Promise<PushEntry | undefined>>();
  private readonly gates = new Map<string, RateGate>();
  private readonly listeners: RelayListener[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private again = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly channels: ChannelRegistry,
    private readonly credentials: ChannelCredentialService,
    private readonly online: PresenceCheck,
    private readonly settings: RelaySettings,
    private readonly logger: Logger,
    private readonly quotas?: QuotaLedger,
    /** This node's name in slice leases (unique per node sharing the store). */
    private readonly node = 'node0',
  ) {}

  onResult(listener: RelayListener): void {
    this.listeners.push(listener);
  }

  start(): void {
    // leases this node held before it stopped belong to no work in progress now
    void this.store.relay
      .releaseAll(this.node)
      .catch((err: unknown) => this.logger.warn({ err }, 'relay leases of the last run not released; they expire'))
      .finally(() => {
        // no claim before the release: it would release what it just claimed
        this.released = true;
        this.schedule(0);
      });
    const every = Math.max(50, Math.floor(this.settings.leaseMs / 3));
    this.renewTimer = setInterval(() => void this.renewLeases(), every);
    this.renewTimer.unref();
  }

  private async renewLeases(): Promise<void> {
    if (this.busy.size === 0) return;
    const ids = [...this.busy];
    try {
      const held = new Set(await this.store.relay.renew(ids, this.node, Date.now() + this.settings.leaseMs));
      const lost = ids.filter((id) => !held.has(id) && this.busy.has(id));
      if (lost.length > 0) this.logger.warn({ slices: lost }, 'relay slice leases passed to another node; their work may be sent twice');
    } catch (err) {
      this.logger.warn({ err }, 'relay lease renewal failed');
    }
  }

  /** New work was queued: look now rather than at the next poll. */
  kick(): void {
    if (!this.stopped) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    await Promise.allSettled([...this.running]);
  }

  private schedule(ms: number): void {
    if (this.stopped || !this.released) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    this.polling = true;
    this.again = false;
    try {
      const room = this.settings.concurrency - this.busy.size;
      if (room > 0) {
        const lease = { node: this.node, ms: this.settings.leaseMs };
        const due = await this.store.relay.claim(Date.now(), room, lease, this.busy);
        for (const work of due) this.run(work);
      }
    } catch (err) {
      this.logger.warn({ err }, 'relay queue poll failed');
    } finally {
      this.polling = false;
    }
    if (this.again) this.schedule(0);
    else this.schedule(this.settings.pollMs);
  }

  private run(work: RelayWork): void {
    this.busy.add(work.id);
    const p = this.process(work)
      .then(() => void this.failures.delete(work.id))
      .catch(async (err: unknown) => {
        if (this.stopped) return;
        // held back with backoff, so a lasting failure does not spin
        const failures = (this.failures.get(work.id) ?? 0) + 1;
        const wait = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (failures - 1));
        this.failures.set(work.id, failures);
        trimOldest(this.failures, 10_000);
        this.logger.warn({ err, msgId: work.msgId, retryInMs: wait }, 'relay slice failed; it stays queued');
        // if even this fails the lease runs out and the slice is claimed again then
        await this.store.relay.postpone(work.id, this.node, Date.now() + wait).catch(() => undefined);
      })
      .finally(() => {
        this.running.delete(p);
        // a slice that failed outright is retried at the next poll; one done frees a place now
        this.busy.delete(work.id);
        this.schedule(0);
      });
    this.running.add(p);
  }

  private loadPush(msgId: string): Promise<PushEntry | undefined> {
    let entry = this.pushes.get(msgId);
    if (!entry) {
      entry = (async () => {
        const stored = await this.store.pushes.receipts(msgId);
        const push = await this.store.pushes.get(msgId);
        if (!stored || !push) return undefined;
        return { push, targets: RoaringBitmap32.deserialize(stored.targets, 'portable'), revoked: stored.head.revokedAt !== null };
      })();
      this.pushes.set(msgId, entry);
      // a few pushes at a time are being relayed; the cache only saves reloading big bitmaps
      if (this.pushes.size > 64) this.pushes.delete(this.pushes.keys().next().value as string);
      setTimeout(() => this.pushes.delete(msgId), 5000).unref();
    }
    return entry;
  }

  private async process(work: RelayWork): Promise<void> {
    const entry = await this.loadPush(work.msgId);
    const outcome: RelayOutcome = { work, results: [], deadTokens: [], badges: [] };
    const now = Date.now();
    // Gone, revoked or past its time to live: the slice is dropped, nothing sent.
    if (!entry || entry.revoked || (entry.push.options.timeToLive > 0 && now >= entry.push.expiresAt)) {
      await this.store.relay.complete(outcome);
      return;
    }
    const { push } = entry;
    const set = work.nums ? RoaringBitmap32.deserialize(work.nums, 'portable') : RoaringBitmap32.and(entry.targets, RoaringBitmap32.fromRange(work.lo, work.hi));
    const devices = await this.withActivityTokens(push, await this.store.relay.devices(work.appKey, set.toArray()));
    // channels this node relays through and the app has credentials for
    // and the push may use (EMAS SendChannels): a device whose vendor is left out is routed as
    // not holding that token
    const allowed = push.options.relayChannels;
    const available = new Set(
      [...this.credentials.channelsOf(work.appKey)].filter((c) => this.channels.has(c as RelayChannelId) && (!allowed || allowed.includes(c))),
    );
    const byChannel = new Map<VendorTokenKey, RelayDevice[]>();
    for (const d of devices) {
      for (const ch of relayChannels(push, d, this.online(work.appKey, d.num), available)) {
        let list = byChannel.get(ch);
        if (!list) byChannel.set(ch, (list = []));
        list.push(d);
      }
    }
    const badges = byChannel.has('apns') ? await this.store.relay.badges(work.appKey, byChannel.get('apns')!.map((d) => d.num)) : new Map<number, number>();
    const retry = new Set<number>();
    let retryAfter = 0;
    const results: RelayChannelResult[] = [];
    const dead: RelayOutcome['deadTokens'][number][] = [];
    const newBadges: { num: number; badge: number }[] = [];
    const quotaUse: NonNullable<RelayOutcome['quotaUse']>[number][] = [];
    const attempts = work.attempts + 1;
    await Promise.all(
      [...byChannel].map(async ([id, list]) => {
        const channel = this.channels.get(id);
        // credentials that do not open (the sealing key changed) fail the devices, not the slice
        const creds = channel ? await this.credentials.get(work.appKey, id).catch(() => undefined) : undefined;
        const r = { channel: id, sent: [] as number[], failed: [] as number[], dead: [] as number[], fallback: [] as number[] };
        results.push(r);
        if (!channel || !creds) {
          r.failed.push(...list.map((d) => d.num));
          const res: TargetResult = { kind: 'rejected', reason: channel ? 'the app has no credentials for this channel' : 'channel not available' };
          for (const d of list) for (const l of this.listeners) l(push, d, id, res, 'failed');
          return;
        }
        const options = vendorOptions(push, id);
        const counted = this.quotas !== undefined && !options.skipQuota;
        for (let i = 0; i < list.length; i += channel.maxBatch) {
          const batch = list.slice(i, i + channel.maxBatch);
          const picked = batch.flatMap((d) => this.target(channel, push, d, badges)).filter((t) => t !== undefined);
          // Over the daily quota: not sent, left to the own connection.
          const reserved = counted ? this.quotas!.reserve(work.appKey, id, options.category, picked.length) : undefined;
          const targets = reserved ? picked.slice(0, reserved.allowed) : picked;
          const over: TargetResult = { kind: 'quotaExceeded', reason: `daily ${id} quota (${options.category}) used up`, category: options.category };
          for (const t of picked.slice(targets.length)) {
            r.fallback.push(t.device.num);
            for (const l of this.listeners) l(push, t.device, id, over, 'fallback');
          }
          if (targets.length === 0) continue;
          await this.gate(id).take(targets.length, this.abort.signal);
          const answers = await channel.send(push, targets.map((t) => t.target), creds);
          let accepted = 0;
          let refused: string | undefined | null = null;
          targets.forEach((t, k) => {
            const res = answers[k] ?? { kind: 'retry', reason: 'no result' };
            const num = t.device.num;
            let disposition: RelayDisposition;
            if (res.kind === 'delivered' && res.quota && counted) this.quotas!.learn(work.appKey, id, res.quota, options.category);
            if (res.kind === 'quotaExceeded') {
              disposition = 'fallback';
              r.fallback.push(num);
              refused = res.category;
            } else if (res.kind === 'delivered') {
              accepted++;
              disposition = 'sent';
              r.sent.push(num);
              if (t.target.badge !== undefined) newBadges.push({ num, badge: t.target.badge });
            } else if (res.kind === 'tokenDead') {
              disposition = 'dead';
              r.dead.push(num);
              const token = typeof t.target.token === 'string' ? t.target.token : t.target.token.endpoint;
              dead.push({ num, channel: t.key as VendorTokenKey | 'apns_activity', token });
            } else if (res.kind === 'retry' && attempts < this.settings.maxAttempts) {
              disposition = 'retry';
              retry.add(num);
              retryAfter = Math.max(retryAfter, res.afterMs ?? 0);
            } else {
              disposition = 'failed';
              r.failed.push(num);
            }
            for (const l of this.listeners) l(push, t.device, id, res, disposition);
          });
          if (reserved) {
            this.quotas!.release(work.appKey, id, options.category, reserved.day, targets.length - accepted);
            if (accepted > 0) quotaUse.push({ channel: id, category: options.category, day: reserved.day, count: accepted });
            if (refused !== null) this.quotas!.exhausted(work.appKey, id, refused, options.category);
          }
        }
      }),
    );
    outcome.quotaUse = quotaUse;
    outcome.results = results;
    outcome.deadTokens = dead;
    outcome.badges = newBadges;
    if (retry.size > 0) {
      const backoff = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** work.attempts);
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      outcome.retry = { nums: [...retry], attempts, nextAt: Date.now() + Math.max(retryAfter, jittered) };
    }
    if (!(await this.confirm(outcome))) {
      this.logger.warn({ msgId: work.msgId, slice: work.id }, 'relay slice was confirmed by another node; its retries stay with that node');
    }
  }

  /**
   * Records what the vendors answered. The sends are done by now, so a store error is tried again
   * a few times before the slice falls back to being redone (which would send it twice).
   */
  private async confirm(outcome: RelayOutcome): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.relay.complete(outcome);
      } catch (err) {
        if (attempt >= CONFIRM_ATTEMPTS || this.stopped) throw err;
        this.logger.warn({ err, msgId: outcome.work.msgId, attempt }, 'relay results not recorded; trying again');
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }

  /**
   * A Live Activity update / end goes to the activity's own token, which lives apart from the
   * device's tokens: it is added (as `apns_activity`) for this push only. A device that removed
   * the activity since the push was accepted gets none, so nothing is sent to it.
   */
  private async withActivityTokens(push: AcceptedPush, devices: RelayDevice[]): Promise<RelayDevice[]> {
    const id = push.audience.liveActivityId;
    if (id === undefined || devices.length === 0) return devices;
    const tokens = await this.store.liveActivities.tokens(push.appKey, id, devices.map((d) => d.num));
    return devices.map((d) => {
      const { apns_activity: _ignored, ...own } = d.tokens;
      const token = tokens.get(d.num);
      return { ...d, tokens: token === undefined ? own : { ...own, apns_activity: token } };
    });
  }

  private target(channel: Channel, push: AcceptedPush, d: RelayDevice, badges: Map<number, number>) {
    const picked = channel.pickToken ? channel.pickToken(push, d.tokens) : defaultToken(channel.id, d);
    if (!picked) return undefined;
    const target: RelayTarget = {
      appKey: push.appKey,
      num: d.num,
      registrationId: d.registrationId,
      platform: d.platform,
      token: picked.token,
      tokens: d.tokens,
    };
    if (channel.id === 'apns') target.badge = resolveBadge(push, badges.get(d.num));
    return { device: d, key: picked.key, target };
  }

  private gate(id: string): RateGate {
    let g = this.gates.get(id);
    if (!g) this.gates.set(id, (g = new RateGate(this.settings.ratePerSecond)));
    return g;
  }
}

/** Tries at recording a slice's results before it is redone. */
const CONFIRM_ATTEMPTS = 3;

function defaultToken(id: string, d: RelayDevice) {
  const token = (d.tokens as Record<string, RelayTarget['token'] | undefined>)[id];
  return token === undefined ? undefined : { key: id, token };
}
