import type { Logger } from 'pino';
import { RoaringBitmap32, type Bitmap } from '../audience/audience-index.js';
import type { DeviceRegistry } from '../devices/registry.js';
import { errors } from '../domain/errors.js';
import type { AcceptedPush } from '../domain/push.js';
import type { DeviceSession, DeviceUpdate, GatewayHooks } from '../gateway/types.js';
import type { ReceiptRow, Store } from '../store/types.js';
import { receiptsFromStore } from '../receipts/report.js';
import type { ReceiptSink, ReceiptStatus } from '../receipts/types.js';
import { AppLivePushes, LivePush, NARROW_TARGETS } from './live-pushes.js';
import type { PlannedTargets } from './planner.js';
import { encodeWithdrawFrame } from './render.js';

/** Everything known about what happened to one push, as bitmaps of device numbers. */
export interface PushReceipts {
  msgId: string;
  appKey: string;
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
  targets: Bitmap;
  sent: Bitmap;
  received: Bitmap;
  clicked: Bitmap;
}

/** Where this node's device connections are (the gateway). */
export interface Presence {
  sessions(appKey: string): ReadonlyMap<number, DeviceSession> | undefined;
}

export interface DeliveryOptions {
  /** How often acknowledgements are saved, in ms. */
  ackFlushMs: number;
  /** How often expired pushes are dropped from memory, in ms. */
  expirySweepMs: number;
  /** Pushes with at most this many targets are indexed per device; wider ones are found by bitmap. */
  narrowTargets: number;
  /**
   * A reconnecting device is sent its backlog in windows of this many bytes; the next window
   * goes when the device acknowledges, so a long backlog never piles up in the socket (where
   * the gateway would drop the device as a slow consumer before its acks got through). Keep
   * it well under the gateway's slow-consumer limit.
   */
  backlogWindowBytes: number;
}

/**
 * Expired pushes stay in memory this much longer, so acks and clicks that arrive just after
 * the expiry still count (later ones are applied to the stored receipts).
 */
const RECEIPT_GRACE_MS = 5 * 60_000;
/** Receipts for pushes no longer in memory wait for the next save; beyond this many they are dropped. */
const MAX_LATE_RECEIPTS = 20_000;
/** At most this many distinct pushes are looked up per save for late receipts (the rest wait). */
const MAX_LATE_PUSHES_PER_SAVE = 500;

interface LateReceipt {
  msgId: string;
  session: Pick<DeviceSession, 'appKey' | 'num' | 'registrationId' | 'platform'>;
  status: 'received' | 'clicked';
}

/** Connections written per event-loop turn during a fan-out. */
const FANOUT_SLICE = 1000;

const DEFAULTS: DeliveryOptions = {
  ackFlushMs: 200,
  expirySweepMs: 30_000,
  narrowTargets: NARROW_TARGETS,
  backlogWindowBytes: 128 * 1024,
};

function bytes(b: Bitmap): Buffer {
  const u = b.serialize('portable');
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * Delivery to the gateway's own connections: fans each accepted push out to the connected
 * targets, gives a connecting device what it is owed (oldest first, while time_to_live lasts),
 * records acknowledgements as bitmaps, and carries out override and revoke. Delivery is at
 * least once; devices drop duplicates by msg_id.
 */
export class DeliveryService implements GatewayHooks {
  private readonly apps = new Map<string, AppLivePushes>();
  private readonly onlineSeen = new Map<string, Set<number>>();
  /** Live pushes whose receipts changed since the last save (a set, so a save never scans every live push). */
  private changed = new Set<LivePush>();
  /** What is left of each connecting device's backlog, sent window by window. */
  private readonly backlogs = new WeakMap<DeviceSession, { pushes: LivePush[]; next: number }>();
  private readonly options: DeliveryOptions;
  private presence: Presence | null = null;
  private sink: ReceiptSink | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private late: LateReceipt[] = [];

  constructor(
    private readonly store: Store,
    private readonly registry: DeviceRegistry,
    private readonly logger: Logger,
    options: Partial<DeliveryOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Loads what is still live from the store and starts the timers. */
  async start(presence: Presence, sink: ReceiptSink | null = null): Promise<void> {
    this.presence = presence;
    this.sink = sink;
    const now = Date.now();
    for (const row of await this.store.pushes.live(now)) {
      const r = row.receipts;
      const lp = new LivePush(
        row.push,
        RoaringBitmap32.deserialize(row.targets, 'portable'),
        {
          sent: r ? RoaringBitmap32.deserialize(r.sent, 'portable') : undefined,
          acked: r ? RoaringBitmap32.deserialize(r.acked, 'portable') : undefined,
          clicked: r ? RoaringBitmap32.deserialize(r.clicked, 'portable') : undefined,
          withdrawn: r?.withdrawn ? RoaringBitmap32.deserialize(r.withdrawn, 'portable') : null,
          revoked: row.revokedAt !== null,
          overridden: row.overriddenBy !== null,
        },
        this.options.narrowTargets,
      );
      this.app(row.push.appKey).add(lp);
    }
    this.flushTimer = setInterval(() => void this.flush(), this.options.ackFlushMs);
    this.sweepTimer = setInterval(() => this.sweep(), this.options.expirySweepMs);
    this.flushTimer.unref();
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.flush();
  }

  private app(appKey: string): AppLivePushes {
    let a = this.apps.get(appKey);
    if (!a) this.apps.set(appKey, (a = new AppLivePushes()));
    return a;
  }

  /** AcceptService listener: the push is durable; keep it live and send it to whoever is connected. */
  accepted(push: AcceptedPush, targets: PlannedTargets): void {
    const lp = new LivePush(push, targets.bitmap, {}, this.options.narrowTargets);
    const app = this.app(push.appKey);
    const replaced = push.options.overrideMsgId === undefined ? undefined : app.byId.get(push.options.overrideMsgId);
    if (replaced) replaced.overridden = true;
    // Kept even with time_to_live 0 (then only for its receipts): add() indexes deliverable pushes only.
    app.add(lp);

    const sessions = this.presence?.sessions(push.appKey);
    if (!sessions || sessions.size === 0) return;
    // Walk whichever side is smaller: the targets or this node's connections.
    const recipients: DeviceSession[] = [];
    if (targets.count <= sessions.size) {
      for (const num of targets.bitmap) {
        const s = sessions.get(num);
        if (s) recipients.push(s);
      }
    } else {
      for (const [num, s] of sessions) if (targets.bitmap.has(num)) recipients.push(s);
    }
    // After the HTTP answer, and in slices, so a big fan-out never holds the event loop for long.
    setImmediate(() => this.fanOut(lp, recipients, 0));
  }

  private fanOut(lp: LivePush, recipients: DeviceSession[], from: number): void {
    if (lp.revoked) return;
    const end = Math.min(recipients.length, from + FANOUT_SLICE);
    for (let i = from; i < end; i++) {
      const s = recipients[i]!;
      if (s.open) this.deliver(lp, s);
    }
    if (end < recipients.length) setImmediate(() => this.fanOut(lp, recipients, end));
  }

  /** Hands a push to one connection and records it as sent. */
  private deliver(lp: LivePush, session: DeviceSession): boolean {
    if (!session.send(lp.frame(session.platform))) return false;
    if (!lp.hasSent(session.num)) {
      lp.sent.add(session.num);
      this.changed.add(lp);
      this.receipt(lp, session, 'sent');
    }
    return true;
  }

  private receipt(lp: LivePush, session: DeviceSession, status: ReceiptStatus): void {
    this.sink?.record({
      msgId: lp.msgId,
      appKey: lp.push.appKey,
      registrationId: session.registrationId,
      platform: session.platform,
      channel: 'jpush',
      status,
      time: Date.now(),
    });
  }

  /** DELETE /v3/push/{msgid}: undelivered copies are dropped, holders are told to withdraw. */
  async revoke(appKey: string, msgId: string): Promise<void> {
    const head = await this.store.pushes.head(msgId);
    if (!head || head.appKey !== appKey) throw errors.invalid("msgid doesn't exist");
    if (head.revokedAt !== null) return;
    await this.store.pushes.markRevoked(msgId, Date.now());
    const app = this.apps.get(appKey);
    const lp = app?.byId.get(msgId);
    if (!app || !lp) return;
    app.revoked(lp);
    const sessions = this.presence?.sessions(appKey);
    if (sessions) {
      const frame = encodeWithdrawFrame(msgId);
      for (const num of lp.acked) {
        const s = sessions.get(num);
        if (s && s.send(frame)) lp.withdrawn!.add(num);
      }
    }
    this.changed.add(lp);
  }

  /**
   * What happened to a push of this app: from memory while it is live (the freshest figures),
   * else from the store. Undefined for an unknown msg_id or one of another app.
   */
  async receiptsOf(appKey: string, msgId: string): Promise<PushReceipts | undefined> {
    const lp = this.apps.get(appKey)?.byId.get(msgId);
    if (lp) {
      return {
        msgId,
        appKey,
        createdAt: lp.push.createdAt,
        expiresAt: lp.push.expiresAt,
        revoked: lp.revoked,
        targets: lp.targets,
        sent: lp.sent,
        received: lp.acked,
        clicked: lp.clicked,
      };
    }
    const stored = await this.store.pushes.receipts(msgId);
    if (!stored || stored.head.appKey !== appKey) return undefined;
    return receiptsFromStore(stored);
  }

  // ---- GatewayHooks ------------------------------------------------------------------------

  online(session: DeviceSession): void {
    this.seen(session);
    const app = this.apps.get(session.appKey);
    if (!app) return;
    for (const lp of app.withdrawalsOwed(session.num)) {
      if (session.send(encodeWithdrawFrame(lp.msgId))) {
        lp.withdrawn!.add(session.num);
        this.changed.add(lp);
      }
    }
    const owed = app.owed(session.num, Date.now());
    if (owed.length > 0) {
      this.backlogs.set(session, { pushes: owed, next: 0 });
      this.sendBacklogWindow(session);
    }
  }

  /** Sends the next window of a device's backlog; skips pushes acked or revoked meanwhile. */
  private sendBacklogWindow(session: DeviceSession): void {
    const backlog = this.backlogs.get(session);
    if (!backlog) return;
    const now = Date.now();
    let bytes = 0;
    while (backlog.next < backlog.pushes.length && bytes < this.options.backlogWindowBytes) {
      const lp = backlog.pushes[backlog.next++]!;
      if (!lp.deliverable(now) || lp.hasAcked(session.num)) continue;
      if (!this.deliver(lp, session)) {
        this.backlogs.delete(session);
        return;
      }
      bytes += lp.frame(session.platform).length;
    }
    if (backlog.next >= backlog.pushes.length) this.backlogs.delete(session);
  }

  offline(session: DeviceSession): void {
    this.seen(session);
    this.backlogs.delete(session);
  }

  ack(session: DeviceSession, msgIds: string[]): void {
    const app = this.app(session.appKey);
    for (const id of msgIds) {
      const lp = app.byId.get(id);
      if (!lp) {
        this.lateReceipt(session, id, 'received');
        continue;
      }
      if (!lp.targets.has(session.num) || lp.hasAcked(session.num)) continue;
      lp.acked.add(session.num);
      this.changed.add(lp);
      app.acked(lp, session.num);
      this.receipt(lp, session, 'received');
    }
    this.sendBacklogWindow(session);
  }

  click(session: DeviceSession, msgId: string): void {
    const lp = this.apps.get(session.appKey)?.byId.get(msgId);
    if (!lp) return this.lateReceipt(session, msgId, 'clicked');
    // Only a target may click, and only once; a click implies the push was received.
    if (!lp.targets.has(session.num) || lp.hasClicked(session.num)) return;
    lp.clicked.add(session.num);
    this.changed.add(lp);
    this.receipt(lp, session, 'clicked');
    if (!lp.hasAcked(session.num)) this.ack(session, [msgId]);
  }

  /** A receipt for a push no longer in memory (expired, or from before a restart): applied at the next save. */
  private lateReceipt(session: DeviceSession, msgId: string, status: LateReceipt['status']): void {
    if (this.late.length >= MAX_LATE_RECEIPTS) return;
    const { appKey, num, registrationId, platform } = session;
    this.late.push({ msgId, session: { appKey, num, registrationId, platform }, status });
  }

  /** Applies late receipts to the stored bitmaps; returns the rows to save. */
  private async applyLateReceipts(): Promise<ReceiptRow[]> {
    const late = this.late;
    this.late = [];
    const byPush = new Map<string, LateReceipt[]>();
    for (const r of late) {
      const list = byPush.get(r.msgId);
      if (list) list.push(r);
      else if (byPush.size < MAX_LATE_PUSHES_PER_SAVE) byPush.set(r.msgId, [r]);
      else this.late.push(r);
    }
    const rows: ReceiptRow[] = [];
    for (const [msgId, receipts] of byPush) {
      const stored = await this.store.pushes.receipts(msgId);
      if (!stored) continue;
      const targets = RoaringBitmap32.deserialize(stored.targets, 'portable');
      const read = (b: Buffer | undefined) => (b ? RoaringBitmap32.deserialize(b, 'portable') : new RoaringBitmap32());
      const sent = read(stored.receipts?.sent);
      const acked = read(stored.receipts?.acked);
      const clicked = read(stored.receipts?.clicked);
      let changed = false;
      for (const r of receipts) {
        // Only a target of this app's push counts, and each receipt once.
        if (r.session.appKey !== stored.head.appKey || !targets.has(r.session.num)) continue;
        const set = r.status === 'clicked' ? clicked : acked;
        if (set.has(r.session.num)) continue;
        set.add(r.session.num);
        if (r.status === 'clicked' && !acked.has(r.session.num)) acked.add(r.session.num);
        changed = true;
        this.sink?.record({
          msgId,
          appKey: stored.head.appKey,
          registrationId: r.session.registrationId,
          platform: r.session.platform,
          channel: 'jpush',
          status: r.status,
          time: Date.now(),
        });
      }
      if (changed) {
        rows.push({
          msgId,
          sent: bytes(sent),
          acked: bytes(acked),
          clicked: bytes(clicked),
          withdrawn: stored.receipts?.withdrawn ?? null,
        });
      }
    }
    return rows;
  }

  async update(session: DeviceSession, update: DeviceUpdate): Promise<{ tags: string[]; alias: string | null }> {
    const device = await this.registry.get(session.appKey, session.registrationId);
    if (!device) throw errors.deviceInvalid('device no longer exists');
    let tags = device.tags;
    if (update.tags) tags = await this.registry.changeTags(device, update.tags.add ?? [], update.tags.remove ?? []);
    let alias = device.alias;
    if (update.alias !== undefined) {
      await this.registry.setAlias(device, update.alias);
      alias = update.alias;
    }
    return { tags, alias };
  }

  // ---- persistence -------------------------------------------------------------------------

  private seen(session: DeviceSession): void {
    let set = this.onlineSeen.get(session.appKey);
    if (!set) this.onlineSeen.set(session.appKey, (set = new Set()));
    set.add(session.num);
  }

  /** Saves changed ack bitmaps and last-online times; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const rows: ReceiptRow[] = await this.applyLateReceipts().catch((err: unknown) => {
        this.logger.error({ err }, 'applying late receipts failed');
        return [];
      });
      // events recorded just now must travel in this save, with the receipts they report
      await this.sink?.settled?.();
      const changed = this.changed;
      this.changed = new Set();
      for (const lp of changed) {
        rows.push({
          msgId: lp.msgId,
          sent: bytes(lp.sent),
          acked: bytes(lp.acked),
          clicked: bytes(lp.clicked),
          withdrawn: lp.withdrawn ? bytes(lp.withdrawn) : null,
        });
      }
      const callbacks = this.sink?.drain() ?? [];
      const seen = [...this.onlineSeen];
      this.onlineSeen.clear();
      try {
        await this.store.pushes.saveReceipts(rows, callbacks);
        const now = Date.now();
        for (const [appKey, nums] of seen) await this.store.devices.markOnline(appKey, [...nums], now);
      } catch (err) {
        this.logger.error({ err }, 'saving receipts failed; will retry');
        for (const lp of changed) this.changed.add(lp);
        this.sink?.restore(callbacks);
      }
    });
    return this.flushing;
  }

  private sweep(): void {
    const now = Date.now();
    let gone = 0;
    for (const app of this.apps.values()) gone += app.expire(now - RECEIPT_GRACE_MS);
    if (gone > 0) this.logger.debug({ gone }, 'expired pushes dropped');
  }

  /** Pushes held in memory (for metrics and tests). */
  liveCount(): number {
    let n = 0;
    for (const app of this.apps.values()) n += app.size;
    return n;
  }
}
