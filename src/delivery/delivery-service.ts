import type { Logger } from 'pino';
import { RoaringBitmap32, type Bitmap } from '../audience/audience-index.js';
import type { DeviceRegistry } from '../devices/registry.js';
import { errors } from '../domain/errors.js';
import type { AcceptedPush } from '../domain/push.js';
import type { DeviceSession, DeviceState, DeviceUpdate, GatewayHooks } from '../gateway/types.js';
import type { InboxEntry, LivePushRow, ReceiptRow, Store } from '../store/types.js';
import { receiptsFromStore } from '../receipts/report.js';
import type { PushReceipts, ReceiptSink, ReceiptStatus } from '../receipts/types.js';
import { AppLivePushes, LivePush, NARROW_TARGETS } from './live-pushes.js';
import type { PlannedTargets } from './planner.js';
import { Backlog } from './backlog.js';
import { SaveConfirmations } from './confirmations.js';
import { FanOutPace, ONE_SLICE } from './fanout-pace.js';
import { encodeWithdrawFrame } from './render.js';

export type { PushReceipts };

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
  /**
   * An inboxed push (narrow, with a time to live) stays in memory this long after it was sent
   * to connected devices or loaded for a reconnecting one, so their acks land in memory; then
   * it waits in the store only. Inboxed pushes no connected device is sent are never held.
   */
  residentMs: number;
  /**
   * Other nodes save receipts of the same pushes (a cluster): reports of a push held here add
   * the stored bitmaps to this node's.
   */
  mergeStoredReceipts: boolean;
}

/** Hears what this node did that other nodes must repeat for their own connections (the bus). */
export interface DeliveryAnnouncements {
  revoked(appKey: string, msgId: string): void;
  /** A paced push released its targets numbered (after, through]. */
  released(appKey: string, msgId: string, after: number, through: number): void;
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

/** What receipts need to know of a device. */
type DeviceRef = Pick<DeviceSession, 'appKey' | 'num' | 'registrationId' | 'platform'>;

interface LateReceipt {
  msgId: string;
  session: DeviceRef;
  status: 'received' | 'clicked';
  /** The connection that sent it, told once it is saved (none for a vendor's receipt). */
  from?: DeviceSession;
  /** The channel it came through: the own connection ('jpush') or a vendor's receipt. */
  channel: string;
}

/** Expired inbox entries handled per sweep (a full batch brings another after the next save). */
const EXPIRED_INBOX_BATCH = 10_000;

/** Inbox entries read per page when a device reconnects. */
const INBOX_PAGE = 256;

/** Connections written per event-loop turn during a fan-out. */
const FANOUT_SLICE = ONE_SLICE;

/** A push frame (a JSON object) with `ack_delay` added. */
function withAckDelay(frame: Buffer, ms: number): Buffer {
  return Buffer.concat([frame.subarray(0, frame.length - 1), Buffer.from(`,"ack_delay":${ms}}`)]);
}

/** One fan-out's frames, by platform: the push's own, or with the fan-out's ack delay. */
class FanOutFrames {
  private readonly frames = new Map<DeviceSession['platform'], Buffer>();

  constructor(
    private readonly lp: LivePush,
    private readonly ackDelayMs: number,
  ) {}

  get(platform: DeviceSession['platform']): Buffer {
    if (this.ackDelayMs === 0) return this.lp.frame(platform);
    let f = this.frames.get(platform);
    if (!f) this.frames.set(platform, (f = withAckDelay(this.lp.frame(platform), this.ackDelayMs)));
    return f;
  }
}

const DEFAULTS: DeliveryOptions = {
  ackFlushMs: 200,
  expirySweepMs: 30_000,
  narrowTargets: NARROW_TARGETS,
  backlogWindowBytes: 128 * 1024,
  residentMs: 60_000,
  mergeStoredReceipts: false,
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
  private readonly backlogs = new WeakMap<DeviceSession, Backlog>();
  private readonly options: DeliveryOptions;
  private presence: Presence | null = null;
  private sink: ReceiptSink | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private late: LateReceipt[] = [];
  /** Inbox entries of acknowledged pushes, dropped from the store at the next save. */
  private inboxDone: InboxEntry[] = [];
  /** An expired-inbox read is under way; the last one filled its batch. */
  private expiring = false;
  private moreExpired = false;
  private readonly seenListeners: ((appKey: string, num: number) => void)[] = [];
  /** Acks and clicks recorded for the next save, by the connection that sent them (told once saved). */
  private readonly confirmations = new SaveConfirmations();
  private announcements: DeliveryAnnouncements | null = null;
  private readonly pace = new FanOutPace();

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
    // wide and revoked pushes; inboxed ones wait in the store until their devices connect
    for (const row of await this.store.pushes.live(now)) this.app(row.push.appKey).add(this.fromRow(row));
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

  /** Tells the bus what other nodes must repeat for their connections. */
  announceTo(announcements: DeliveryAnnouncements): void {
    this.announcements = announcements;
  }

  /** Whether the push is held in memory here. */
  holds(appKey: string, msgId: string): boolean {
    return this.apps.get(appKey)?.byId.has(msgId) ?? false;
  }

  /**
   * A push another node accepted (from the bus, or found when catching up): held and sent to
   * this node's connections among its targets, as if accepted here. Nothing when already held.
   */
  acceptedElsewhere(row: LivePushRow, inboxed: boolean): void {
    const app = this.app(row.push.appKey);
    if (app.byId.has(row.push.msgId)) return;
    if (row.revokedAt !== null || row.overriddenBy !== null) {
      app.add(this.fromRow(row)); // holders that reconnect here are told to withdraw it
      return;
    }
    const bitmap = RoaringBitmap32.deserialize(row.targets, 'portable');
    this.accepted(row.push, { bitmap, serialized: row.targets, count: bitmap.size }, { inboxed });
  }

  /** A push another node revoked: this node's holders are told to withdraw it. */
  async revokedElsewhere(appKey: string, msgId: string): Promise<void> {
    let lp = this.apps.get(appKey)?.byId.get(msgId);
    if (lp?.revoked) return;
    if (lp) {
      this.app(appKey).revoked(lp);
    } else {
      const row = await this.store.pushes.liveOne(msgId);
      if (!row || row.push.appKey !== appKey || row.push.expiresAt <= Date.now()) return;
      if (this.holds(appKey, msgId)) return; // loaded meanwhile: the event that loaded it handles it
      lp = this.adopt(row);
      if (!lp.revoked) this.app(appKey).revoked(lp);
      lp.withdrawn ??= new RoaringBitmap32();
    }
    this.withdrawFromHolders(appKey, lp);
    this.changed.add(lp);
  }

  /**
   * A paced push another node released further: sent to this node's connections among the
   * slice, except for the part released here already (heard twice: on the bus and from the store).
   */
  releasedElsewhere(appKey: string, msgId: string, after: number, through: number): void {
    const lp = this.apps.get(appKey)?.byId.get(msgId);
    if (!lp) return;
    after = Math.max(after, lp.releasedThrough);
    if (!(through > after)) return;
    const slice = RoaringBitmap32.and(lp.targets, new RoaringBitmap32().addRange(after + 1, through + 1)).toArray();
    this.release(appKey, msgId, slice, false);
  }

  private fromRow(row: LivePushRow): LivePush {
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
    // paced: nothing is released until the pacer restores its progress
    if (row.push.options.bigPushDuration > 0) lp.releasedThrough = -1;
    return lp;
  }

  /**
   * An inboxed push back in memory (from the store if need be), held for `residentMs`.
   * Undefined when unknown or another app's.
   */
  private async resident(appKey: string, msgId: string): Promise<LivePush | undefined> {
    const held = this.apps.get(appKey)?.byId.get(msgId);
    if (held) return held;
    const row = await this.store.pushes.liveOne(msgId);
    if (!row || row.push.appKey !== appKey) return undefined;
    return this.adopt(row);
  }

  /** A stored push in memory: the one already held (loaded meanwhile), or this row, held for `residentMs`. */
  private adopt(row: LivePushRow): LivePush {
    const app = this.app(row.push.appKey);
    const held = app.byId.get(row.push.msgId);
    if (held) return held;
    const lp = this.fromRow(row);
    lp.inboxed = true;
    lp.residentUntil = Date.now() + this.options.residentMs;
    app.add(lp);
    return lp;
  }

  private app(appKey: string): AppLivePushes {
    let a = this.apps.get(appKey);
    if (!a) this.apps.set(appKey, (a = new AppLivePushes()));
    return a;
  }

  /** AcceptService listener: the push is durable; keep it live and send it to whoever is connected. */
  accepted(push: AcceptedPush, targets: PlannedTargets, how: { inboxed: boolean } = { inboxed: false }): void {
    const app = this.app(push.appKey);
    const replaced = push.options.overrideMsgId === undefined ? undefined : app.byId.get(push.options.overrideMsgId);
    if (replaced) replaced.overridden = true;
    if (push.options.bigPushDuration > 0) {
      // paced: held with no target released; the pacer hands out slices through release()
      const paced = new LivePush(push, targets.bitmap, {}, this.options.narrowTargets);
      paced.releasedThrough = -1;
      app.add(paced);
      return;
    }

    const sessions = this.presence?.sessions(push.appKey);
    // Walk whichever side is smaller: the targets or this node's connections.
    const recipients: DeviceSession[] = [];
    if (sessions && sessions.size > 0) {
      if (targets.count <= sessions.size) {
        // a listed target set is walked without building its bitmap
        for (const num of targets.nums ?? targets.bitmap) {
          const s = sessions.get(num);
          if (s) recipients.push(s);
        }
      } else {
        for (const [num, s] of sessions) if (targets.bitmap.has(num)) recipients.push(s);
      }
    }
    // An inboxed push nobody connected is sent waits in the store alone: memory holds nothing
    // for pushes to offline devices, however many arrive.
    if (how.inboxed && recipients.length === 0) return;
    const lp = new LivePush(push, targets.bitmap, {}, this.options.narrowTargets);
    if (how.inboxed) {
      lp.inboxed = true;
      lp.residentUntil = Date.now() + this.options.residentMs;
    }
    // Kept even with time_to_live 0 (then only for its receipts): add() indexes deliverable pushes only.
    app.add(lp);
    // After the HTTP answer, and in slices, so a big fan-out never holds the event loop for long.
    if (recipients.length > 0) setImmediate(() => this.fanOut(lp, recipients));
  }

  /** Paced pushes held in memory (the pacer restores its progress on them at start). */
  pacedPushes(): LivePush[] {
    const out: LivePush[] = [];
    for (const app of this.apps.values()) for (const lp of app.byId.values()) if (lp.push.options.bigPushDuration > 0) out.push(lp);
    return out;
  }

  /**
   * Releases the next slice of a paced push: targets numbered up to the last of `nums` are owed
   * it from now on, and those of `nums` connected here are sent it. False when the push is no
   * longer held or deliverable (expired, revoked, overridden): nothing more to release.
   */
  release(appKey: string, msgId: string, nums: ArrayLike<number>, announce = true): boolean {
    const lp = this.apps.get(appKey)?.byId.get(msgId);
    if (!lp || !lp.deliverable(Date.now())) return false;
    if (nums.length === 0) return true;
    const before = lp.releasedThrough;
    lp.releasedThrough = Math.max(lp.releasedThrough, nums[nums.length - 1]!);
    if (announce && lp.releasedThrough > before) this.announcements?.released(appKey, msgId, before, lp.releasedThrough);
    const sessions = this.presence?.sessions(appKey);
    if (!sessions || sessions.size === 0) return true;
    const recipients: DeviceSession[] = [];
    for (let i = 0; i < nums.length; i++) {
      const s = sessions.get(nums[i]!);
      if (s && !lp.hasAcked(s.num)) recipients.push(s);
    }
    if (recipients.length > 0) this.fanOut(lp, recipients);
    return true;
  }

  private fanOut(lp: LivePush, recipients: DeviceSession[]): void {
    if (recipients.length <= FANOUT_SLICE) {
      if (!lp.revoked) for (const s of recipients) if (s.open) this.deliver(lp, s);
      return;
    }
    this.pace.started();
    const frames = new FanOutFrames(lp, this.pace.ackDelayFor(recipients.length));
    const began = performance.now();
    // Which connections of a slice took the push: their bookkeeping is done once per slice.
    const took = new Uint32Array(FANOUT_SLICE);
    const slice = (from: number) => {
      const end = lp.revoked ? recipients.length : Math.min(recipients.length, from + FANOUT_SLICE);
      let count = 0;
      for (let i = from; i < end && !lp.revoked; i++) {
        const s = recipients[i]!;
        if (s.open && s.send(frames.get(s.platform))) took[count++] = i;
      }
      if (count > 0) this.sentMany(lp, recipients, took.subarray(0, count));
      if (end < recipients.length) setImmediate(slice, end);
      else this.pace.finished(recipients.length, performance.now() - began);
    };
    slice(0);
  }

  /** Records a slice of a fan-out as sent: one bitmap update, receipts for the devices new to it. */
  private sentMany(lp: LivePush, recipients: DeviceSession[], took: Uint32Array): void {
    const nums = new Uint32Array(took.length);
    for (let i = 0; i < took.length; i++) nums[i] = recipients[took[i]!]!.num;
    const sent = lp.sent;
    const before = sent.size;
    // a fresh push (the common case) has sent nothing to these devices: no per-device lookups
    const fresh = before === 0 ? null : RoaringBitmap32.andNot(new RoaringBitmap32(nums), sent);
    sent.addMany(nums);
    if (sent.size === before) return;
    this.changed.add(lp);
    if (!this.sink || this.sink.wants?.(lp.msgId, 'sent') === false) return;
    const time = Date.now();
    // one receipt per device, even if a device were listed twice
    const once = fresh === null && sent.size - before < took.length ? new Set<number>() : null;
    for (let i = 0; i < took.length; i++) {
      const s = recipients[took[i]!]!;
      if (fresh !== null && !fresh.has(s.num)) continue;
      if (once) {
        if (once.has(s.num)) continue;
        once.add(s.num);
      }
      this.receipt(lp, s, 'sent', 'jpush', time);
    }
  }

  /** Hands a push to one connection and records it as sent. */
  private deliver(lp: LivePush, session: DeviceSession, frame = lp.frame(session.platform)): boolean {
    if (!session.send(frame)) return false;
    if (!lp.hasSent(session.num)) {
      lp.sent.add(session.num);
      this.changed.add(lp);
      this.receipt(lp, session, 'sent');
    }
    return true;
  }

  private receipt(lp: LivePush, session: DeviceRef, status: ReceiptStatus, channel = 'jpush', time = Date.now()): void {
    this.sink?.record({
      msgId: lp.msgId,
      appKey: lp.push.appKey,
      registrationId: session.registrationId,
      platform: session.platform,
      channel,
      status,
      time,
    });
  }

  /** DELETE /v3/push/{msgid}: undelivered copies are dropped, holders are told to withdraw. */
  async revoke(appKey: string, msgId: string): Promise<void> {
    const head = await this.store.pushes.head(msgId);
    if (!head || head.appKey !== appKey) throw errors.invalid("msgid doesn't exist");
    if (head.revokedAt !== null) return;
    // Revoked pushes stay in memory until they expire (never evicted), so holders that
    // reconnect are told; an inboxed push is loaded back for that.
    const lp = head.expiresAt > Date.now() ? await this.resident(appKey, msgId) : this.apps.get(appKey)?.byId.get(msgId);
    if (lp?.revoked) return; // a concurrent revoke got here first
    await this.store.pushes.markRevoked(msgId, Date.now());
    this.announcements?.revoked(appKey, msgId);
    const app = this.apps.get(appKey);
    if (!app || !lp) return;
    app.revoked(lp);
    this.withdrawFromHolders(appKey, lp);
    this.changed.add(lp);
  }

  /** Tells this node's connected holders of a revoked push to withdraw it. */
  private withdrawFromHolders(appKey: string, lp: LivePush): void {
    const sessions = this.presence?.sessions(appKey);
    if (!sessions) return;
    const frame = encodeWithdrawFrame(lp.msgId);
    for (const num of lp.acked) {
      const s = sessions.get(num);
      if (s && s.send(frame)) lp.withdrawn!.add(num);
    }
  }

  /**
   * What happened to a push of this app: from memory while it is live (the freshest figures),
   * else from the store. Undefined for an unknown msg_id or one of another app.
   */
  async receiptsOf(appKey: string, msgId: string): Promise<PushReceipts | undefined> {
    const lp = this.apps.get(appKey)?.byId.get(msgId);
    if (lp && this.options.mergeStoredReceipts) {
      // other nodes' receipts are in the store, this node's latest in memory: both count
      const stored = await this.store.pushes.receipts(msgId);
      const from = (b: Buffer | undefined, mine: Bitmap) => (b ? RoaringBitmap32.or(mine, RoaringBitmap32.deserialize(b, 'portable')) : mine);
      return {
        msgId,
        appKey,
        createdAt: lp.push.createdAt,
        expiresAt: lp.push.expiresAt,
        revoked: lp.revoked || (stored?.head.revokedAt ?? null) !== null,
        targets: lp.targets,
        sent: from(stored?.receipts?.sent, lp.sent),
        received: from(stored?.receipts?.acked, lp.acked),
        clicked: from(stored?.receipts?.clicked, lp.clicked),
      };
    }
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
    this.sendOwed(session).catch((err: unknown) => {
      this.logger.error({ err, registrationId: session.registrationId }, 'loading a device backlog failed');
    });
  }

  /** Withdrawals first, then the backlog: pushes held in memory and those in the device's inbox, oldest first. */
  private async sendOwed(session: DeviceSession): Promise<void> {
    const app = this.apps.get(session.appKey);
    if (app) {
      for (const lp of app.withdrawalsOwed(session.num)) {
        if (session.send(encodeWithdrawFrame(lp.msgId))) {
          lp.withdrawn!.add(session.num);
          this.changed.add(lp);
        }
      }
    }
    const backlog = new Backlog(app ? app.owed(session.num, Date.now()) : []);
    this.backlogs.set(session, backlog);
    await this.loadInboxPage(session, backlog);
  }

  /**
   * Reads the next page of a device's inbox into its backlog, then goes on sending. Pushes
   * read are held in memory for `residentMs` (so the device's acks land there); entries with
   * nothing left to send are dropped from the store.
   */
  private async loadInboxPage(session: DeviceSession, backlog: Backlog): Promise<void> {
    if (backlog.loading || !backlog.inboxMore) return;
    backlog.loading = true;
    try {
      const now = Date.now();
      const entries = await this.store.pushes.inboxPage(session.appKey, session.num, now, backlog.cursor, INBOX_PAGE);
      const owed: LivePush[] = [];
      for (const { msgId, row } of entries) {
        if (backlog.inMemory.has(msgId)) continue;
        const lp = row && row.push.appKey === session.appKey ? this.adopt(row) : undefined;
        if (lp && lp.deliverable(now) && lp.targets.has(session.num) && !lp.hasAcked(session.num)) owed.push(lp);
        // acknowledged, revoked, overridden or gone: nothing left to send
        else this.inboxDone.push({ appKey: session.appKey, num: session.num, msgId });
      }
      backlog.addPage(owed, entries.at(-1)?.msgId ?? null, entries.length === INBOX_PAGE);
    } finally {
      backlog.loading = false;
    }
    if (session.open && this.backlogs.get(session) === backlog) this.sendBacklogWindow(session);
  }

  /** Sends the next window of a device's backlog; skips pushes acked or revoked meanwhile. */
  private sendBacklogWindow(session: DeviceSession): void {
    const backlog = this.backlogs.get(session);
    if (!backlog || backlog.loading) return;
    const now = Date.now();
    let bytes = 0;
    // one socket write for the whole window, not one per push
    session.batch(() => {
      while (bytes < this.options.backlogWindowBytes) {
        const lp = backlog.next();
        if (!lp) return;
        if (!lp.deliverable(now) || lp.hasAcked(session.num)) continue;
        if (!this.deliver(lp, session)) {
          backlog.abandon(); // closed: the rest waits for the next connection
          return;
        }
        bytes += lp.frame(session.platform).length;
      }
    });
    if (backlog.done) this.backlogs.delete(session);
    else if (backlog.needsPage) {
      this.loadInboxPage(session, backlog).catch((err: unknown) => {
        this.backlogs.delete(session);
        this.logger.error({ err, registrationId: session.registrationId }, 'loading a device backlog failed');
      });
    }
  }

  offline(session: DeviceSession): void {
    this.seen(session);
    this.backlogs.delete(session);
  }

  ack(session: DeviceSession, msgIds: string[]): void {
    const app = this.app(session.appKey);
    for (const id of msgIds) {
      const lp = app.byId.get(id);
      if (lp) {
        this.received(app, lp, session);
        // the push's own msg_id string: every device's confirmation shares it
        this.confirmations.add(session, 'acks', lp.msgId);
      } else {
        // confirmed when applied, at a later save
        this.lateReceipt(session, id, 'received');
      }
    }
    this.sendBacklogWindow(session);
  }

  click(session: DeviceSession, msgId: string): void {
    const app = this.app(session.appKey);
    const lp = app.byId.get(msgId);
    if (lp) {
      this.clicked(app, lp, session);
      this.confirmations.add(session, 'clicks', msgId);
    } else {
      // confirmed when applied, at a later save
      this.lateReceipt(session, msgId, 'clicked');
    }
    this.sendBacklogWindow(session);
  }

  /**
   * A vendor's own receipt for a target: it received or clicked the push through that vendor.
   * Counted in the push's figures like an own-connection receipt (once per device, whichever
   * channel reports first), with the vendor as the callback's channel; a received push is no
   * longer owed over the own connection.
   */
  vendorReceipt(device: DeviceRef, msgId: string, status: 'received' | 'clicked', channel: string): void {
    const app = this.app(device.appKey);
    const lp = app.byId.get(msgId);
    if (lp) {
      if (status === 'clicked') this.clicked(app, lp, device, channel);
      else this.received(app, lp, device, channel);
    } else if (this.late.length < MAX_LATE_RECEIPTS) {
      const { appKey, num, registrationId, platform } = device;
      this.late.push({ msgId, session: { appKey, num, registrationId, platform }, status, channel });
    }
  }

  /** Records that a target received a push held in memory (once). */
  private received(app: AppLivePushes, lp: LivePush, who: DeviceRef, channel = 'jpush'): void {
    // tryAdd: one native call both checks and records
    if (!lp.targets.has(who.num) || !lp.acked.tryAdd(who.num)) return;
    this.changed.add(lp);
    app.acked(lp, who.num);
    if (lp.inboxed) this.inboxDone.push({ appKey: who.appKey, num: who.num, msgId: lp.msgId });
    this.receipt(lp, who, 'received', channel);
  }

  /** Only a target may click, and only once; a click implies the push was received. */
  private clicked(app: AppLivePushes, lp: LivePush, who: DeviceRef, channel = 'jpush'): void {
    if (!lp.targets.has(who.num) || lp.hasClicked(who.num)) return;
    lp.clicked.add(who.num);
    this.changed.add(lp);
    this.receipt(lp, who, 'clicked', channel);
    this.received(app, lp, who, channel);
  }

  /** A receipt for a push no longer in memory (expired, or from before a restart): applied at the next save. */
  private lateReceipt(session: DeviceSession, msgId: string, status: LateReceipt['status']): void {
    if (this.late.length >= MAX_LATE_RECEIPTS) return;
    const { appKey, num, registrationId, platform } = session;
    this.late.push({ msgId, session: { appKey, num, registrationId, platform }, status, from: session, channel: 'jpush' });
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
      // Back in memory since (an inboxed push loaded for a reconnecting device): apply there,
      // or its next save would overwrite what is written here.
      const appKey = receipts[0]!.session.appKey;
      const app = this.apps.get(appKey);
      const held = app?.byId.get(msgId);
      // every receipt taken here is in this save (or needs none): its device may forget it after
      for (const r of receipts) if (r.from) this.confirmations.add(r.from, r.status === 'clicked' ? 'clicks' : 'acks', msgId);
      if (app && held) {
        for (const r of receipts) {
          if (r.session.appKey !== appKey) continue;
          if (r.status === 'clicked') this.clicked(app, held, r.session, r.channel);
          else this.received(app, held, r.session, r.channel);
        }
        continue;
      }
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
        this.inboxDone.push({ appKey: r.session.appKey, num: r.session.num, msgId });
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
          channel: r.channel,
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

  async update(session: DeviceSession, update: DeviceUpdate): Promise<DeviceState> {
    const device = await this.registry.get(session.appKey, session.registrationId);
    if (!device) throw errors.deviceInvalid('device no longer exists');
    let tags = device.tags;
    if (update.tags) tags = await this.registry.changeTags(device, update.tags.add ?? [], update.tags.remove ?? []);
    let alias = device.alias;
    if (update.alias !== undefined) {
      await this.registry.setAlias(device, update.alias);
      alias = update.alias;
    }
    let account = device.account;
    if (update.account !== undefined) {
      await this.registry.setAccount(device, update.account);
      account = update.account;
    }
    return { tags, alias, account };
  }

  // ---- persistence -------------------------------------------------------------------------

  /** Hears of every device that connects or disconnects (activity statistics). */
  onSeen(listener: (appKey: string, num: number) => void): void {
    this.seenListeners.push(listener);
  }

  private seen(session: DeviceSession): void {
    for (const listener of this.seenListeners) listener(session.appKey, session.num);
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
      const done = this.inboxDone;
      this.inboxDone = [];
      const confirms = this.confirmations.take();
      const seen = [...this.onlineSeen];
      this.onlineSeen.clear();
      try {
        await this.store.pushes.saveReceipts(rows, callbacks, done);
        // not between the slices of a send loop: they would slow it down, and can wait
        this.pace.whenIdle(() => SaveConfirmations.send(confirms));
        // settled inboxed pushes leave memory now that their receipts and inbox rows are saved
        for (const lp of changed) if (lp.settled() && !this.changed.has(lp)) this.apps.get(lp.push.appKey)?.evict(lp);
        if (this.moreExpired && done.length > 0) {
          this.moreExpired = false;
          this.expireInboxes(Date.now());
        }
        const now = Date.now();
        for (const [appKey, nums] of seen) await this.store.devices.markOnline(appKey, [...nums], now);
      } catch (err) {
        this.logger.error({ err }, 'saving receipts failed; will retry');
        for (const lp of changed) this.changed.add(lp);
        this.sink?.restore(callbacks);
        this.inboxDone = done.concat(this.inboxDone);
        this.confirmations.restore(confirms);
      }
    });
    return this.flushing;
  }

  /**
   * Drops expired pushes and, once their time is up, inboxed ones from memory; drops expired
   * inbox entries from the store. Runs every `expirySweepMs`.
   */
  sweep(): void {
    const now = Date.now();
    let gone = 0;
    let evicted = 0;
    for (const app of this.apps.values()) {
      gone += app.expire(now - RECEIPT_GRACE_MS);
      // Inboxed pushes wait in the store once their time in memory is up; revoked ones stay (their
      // holders are told when they reconnect), as do those with receipts not saved yet.
      for (const lp of app.byId.values()) {
        if (lp.inboxed && !lp.revoked && lp.residentUntil <= now && !this.changed.has(lp) && app.evict(lp)) evicted++;
      }
    }
    if (gone > 0 || evicted > 0) this.logger.debug({ gone, evicted }, 'pushes dropped from memory');
    this.expireInboxes(now);
  }

  /**
   * Inbox entries whose push expired before the device acknowledged it: reported as not
   * delivered (callback type 4) and dropped, both with the next save. A full batch asks for
   * another after that save.
   */
  private expireInboxes(now: number): void {
    if (this.expiring) return;
    this.expiring = true;
    this.store.pushes
      .expiredInbox(now, EXPIRED_INBOX_BATCH)
      .then((rows) => {
        for (const r of rows) {
          this.inboxDone.push({ appKey: r.appKey, num: r.num, msgId: r.msgId });
          if (r.withdrawn) continue;
          this.sink?.record({
            msgId: r.msgId,
            appKey: r.appKey,
            registrationId: r.registrationId,
            platform: r.platform,
            channel: 'jpush',
            status: 'not_delivered',
            time: now,
          });
        }
        this.moreExpired = rows.length === EXPIRED_INBOX_BATCH;
      })
      .catch((err: unknown) => this.logger.error({ err }, 'reading expired inbox entries failed'))
      .finally(() => {
        this.expiring = false;
      });
  }

  /** Pushes held in memory (for metrics and tests). */
  liveCount(): number {
    let n = 0;
    for (const app of this.apps.values()) n += app.size;
    return n;
  }
}
