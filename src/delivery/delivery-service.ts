import type { Logger } from 'pino';
import { RoaringBitmap32, type Bitmap } from '../audience/audience-index.js';
import type { DeviceRegistry } from '../devices/registry.js';
import { errors } from '../domain/errors.js';
import type { AcceptedPush } from '../domain/push.js';
import type { DeviceSession, DeviceState, DeviceUpdate, GatewayHooks } from '../gateway/types.js';
import type { InboxEntry, LivePushRow, ReceiptRow, Store } from '../store/types.js';
import { receiptsFromStore } from '../receipts/report.js';
import type { ReceiptSink, ReceiptStatus } from '../receipts/types.js';
import { AppLivePushes, LivePush, NARROW_TARGETS } from './live-pushes.js';
import type { PlannedTargets } from './planner.js';
import { encodeSavedFrame, encodeWithdrawFrame } from './render.js';

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
  /**
   * An inboxed push (narrow, with a time to live) stays in memory this long after it was sent
   * to connected devices or loaded for a reconnecting one, so their acks land in memory; then
   * it waits in the store only. Inboxed pushes no connected device is sent are never held.
   */
  residentMs: number;
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
  /** The connection that sent a click, told once the click is saved. */
  from?: DeviceSession;
}

/** Expired inbox entries handled per sweep (a full batch brings another after the next save). */
const EXPIRED_INBOX_BATCH = 10_000;

/** At most this many msg_ids in one `saved` frame. */
const SAVED_FRAME_IDS = 100;

/** Connections written per event-loop turn during a fan-out. */
const FANOUT_SLICE = 1000;

const DEFAULTS: DeliveryOptions = {
  ackFlushMs: 200,
  expirySweepMs: 30_000,
  narrowTargets: NARROW_TARGETS,
  backlogWindowBytes: 128 * 1024,
  residentMs: 60_000,
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
  /** Inbox entries of acknowledged pushes, dropped from the store at the next save. */
  private inboxDone: InboxEntry[] = [];
  /** An expired-inbox read is under way; the last one filled its batch. */
  private expiring = false;
  private moreExpired = false;
  /** Clicks recorded for the next save, by the connection that sent them (told once saved). */
  private clicksToConfirm = new Map<DeviceSession, string[]>();

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

  private fromRow(row: LivePushRow): LivePush {
    const r = row.receipts;
    return new LivePush(
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
    const app = this.app(appKey);
    // another caller may have loaded it while this one waited
    const again = app.byId.get(msgId);
    if (again) return again;
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

    const sessions = this.presence?.sessions(push.appKey);
    // Walk whichever side is smaller: the targets or this node's connections.
    const recipients: DeviceSession[] = [];
    if (sessions && sessions.size > 0) {
      if (targets.count <= sessions.size) {
        for (const num of targets.bitmap) {
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
    if (recipients.length > 0) setImmediate(() => this.fanOut(lp, recipients, 0));
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

  private receipt(lp: LivePush, session: DeviceRef, status: ReceiptStatus): void {
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
    // Revoked pushes stay in memory until they expire (never evicted), so holders that
    // reconnect are told; an inboxed push is loaded back for that.
    const lp = head.expiresAt > Date.now() ? await this.resident(appKey, msgId) : this.apps.get(appKey)?.byId.get(msgId);
    if (lp?.revoked) return; // a concurrent revoke got here first
    await this.store.pushes.markRevoked(msgId, Date.now());
    const app = this.apps.get(appKey);
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
    const now = Date.now();
    const owed = app ? app.owed(session.num, now) : [];
    const inbox = await this.store.pushes.inbox(session.appKey, session.num, now);
    if (inbox.length > 0) {
      const have = new Set(owed.map((lp) => lp.msgId));
      for (const msgId of inbox) {
        if (have.has(msgId)) continue;
        const lp = await this.resident(session.appKey, msgId);
        if (!session.open) return;
        if (lp && lp.deliverable(now) && lp.targets.has(session.num) && !lp.hasAcked(session.num)) {
          owed.push(lp);
          have.add(msgId);
        } else {
          // acknowledged, revoked, overridden or gone: nothing left to send
          this.inboxDone.push({ appKey: session.appKey, num: session.num, msgId });
        }
      }
      owed.sort((a, b) => Number(a.msgId) - Number(b.msgId));
    }
    if (owed.length > 0 && session.open) {
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
    // one socket write for the whole window, not one per push
    session.batch(() => {
      while (backlog.next < backlog.pushes.length && bytes < this.options.backlogWindowBytes) {
        const lp = backlog.pushes[backlog.next++]!;
        if (!lp.deliverable(now) || lp.hasAcked(session.num)) continue;
        if (!this.deliver(lp, session)) {
          backlog.next = backlog.pushes.length; // closed: the rest waits for the next connection
          return;
        }
        bytes += lp.frame(session.platform).length;
      }
    });
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
      if (lp) this.received(app, lp, session);
      else this.lateReceipt(session, id, 'received');
    }
    this.sendBacklogWindow(session);
  }

  click(session: DeviceSession, msgId: string): void {
    const app = this.app(session.appKey);
    const lp = app.byId.get(msgId);
    if (lp) {
      this.clicked(app, lp, session);
      this.confirmAfterSave(session, msgId);
    } else {
      // confirmed when applied, at a later save
      this.lateReceipt(session, msgId, 'clicked');
    }
    this.sendBacklogWindow(session);
  }

  /** The device keeps a click until told it is saved, and sends it again after a reconnect. */
  private confirmAfterSave(session: DeviceSession, msgId: string): void {
    const list = this.clicksToConfirm.get(session);
    if (list) list.push(msgId);
    else this.clicksToConfirm.set(session, [msgId]);
  }

  /** Records that a target received a push held in memory (once). */
  private received(app: AppLivePushes, lp: LivePush, who: DeviceRef): void {
    if (!lp.targets.has(who.num) || lp.hasAcked(who.num)) return;
    lp.acked.add(who.num);
    this.changed.add(lp);
    app.acked(lp, who.num);
    if (lp.inboxed) this.inboxDone.push({ appKey: who.appKey, num: who.num, msgId: lp.msgId });
    this.receipt(lp, who, 'received');
  }

  /** Only a target may click, and only once; a click implies the push was received. */
  private clicked(app: AppLivePushes, lp: LivePush, who: DeviceRef): void {
    if (!lp.targets.has(who.num) || lp.hasClicked(who.num)) return;
    lp.clicked.add(who.num);
    this.changed.add(lp);
    this.receipt(lp, who, 'clicked');
    this.received(app, lp, who);
  }

  /** A receipt for a push no longer in memory (expired, or from before a restart): applied at the next save. */
  private lateReceipt(session: DeviceSession, msgId: string, status: LateReceipt['status']): void {
    if (this.late.length >= MAX_LATE_RECEIPTS) return;
    const { appKey, num, registrationId, platform } = session;
    this.late.push({ msgId, session: { appKey, num, registrationId, platform }, status, from: status === 'clicked' ? session : undefined });
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
      // every click taken here is in this save (or needs none): its device may forget it after
      for (const r of receipts) if (r.from) this.confirmAfterSave(r.from, msgId);
      if (app && held) {
        for (const r of receipts) {
          if (r.session.appKey !== appKey) continue;
          if (r.status === 'clicked') this.clicked(app, held, r.session);
          else this.received(app, held, r.session);
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
      const done = this.inboxDone;
      this.inboxDone = [];
      const confirms = this.clicksToConfirm;
      this.clicksToConfirm = new Map();
      const seen = [...this.onlineSeen];
      this.onlineSeen.clear();
      try {
        await this.store.pushes.saveReceipts(rows, callbacks, done);
        for (const [session, ids] of confirms) {
          if (!session.open) continue; // it sends them again after reconnecting
          for (let i = 0; i < ids.length; i += SAVED_FRAME_IDS) session.send(encodeSavedFrame(ids.slice(i, i + SAVED_FRAME_IDS)));
        }
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
        for (const [session, ids] of confirms) for (const id of ids) this.confirmAfterSave(session, id);
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
