import type { Logger } from 'pino';
import type { AudienceIndex } from '../audience/audience-index.js';
import type { Bus, BusEnvelope, BusEvent } from '../bus/types.js';
import type { DeliveryService } from '../delivery/delivery-service.js';
import { effectivePlatforms } from '../delivery/render.js';
import type { DeviceChange, DeviceRegistry } from '../devices/registry.js';
import { DEVICE_PLATFORMS, type DevicePlatform } from '../domain/device.js';
import type { AcceptedPush } from '../domain/push.js';
import { firstMsgIdAt } from '../ids/msg-id.js';
import type { Store } from '../store/types.js';

/** Catching up reaches this far before the moment the bus was lost (clock skew between nodes, events in flight). */
const CATCH_UP_MARGIN_MS = 10_000;
const CATCH_UP_PAGE = 1000;

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128;
const isNum = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPlatform = (v: unknown): v is DevicePlatform => (DEVICE_PLATFORMS as readonly unknown[]).includes(v);
const isTags = (v: unknown): v is string[] => Array.isArray(v) && v.every((t) => typeof t === 'string');

export interface BridgeParts {
  store: Store;
  delivery: DeliveryService;
  index: AudienceIndex;
  registry: DeviceRegistry;
  logger: Logger;
}

/**
 * Joins this node's delivery and audience index to the bus: what happens here (pushes
 * accepted, revoked and released, devices registered and tagged) is announced, and what other
 * nodes announce is repeated for this node's connections and index. After a gap on the bus the
 * node catches up from the store (index brought up to date, live pushes and those accepted since the gap
 * reloaded), so no event is needed for correctness, only for speed.
 */
export class BusBridge {
  private readonly log: Logger;
  /** Device changes go out in order, several per message, once per event-loop turn. */
  private outbox: BusEvent[] = [];
  private flushScheduled = false;
  private catchingUp: Promise<void> | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly parts: BridgeParts,
  ) {
    this.log = parts.logger.child({ component: 'bus-bridge' });
  }

  start(): void {
    this.bus.subscribe((e) => this.receive(e));
    this.bus.onGap((since) => void this.catchUp(since));
    this.parts.registry.onChange((change) => this.deviceChanged(change));
    this.parts.delivery.announceTo({
      revoked: (appKey, msgId) => this.bus.publish({ type: 'push.revoked', appKey, msgId }),
      released: (appKey, msgId, after, through) => this.bus.publish({ type: 'push.released', appKey, msgId, after, through }),
    });
  }

  /** AcceptService listener: the push is durable; every other node fans it out to its own connections. */
  accepted(push: AcceptedPush, how: { inboxed: boolean }): void {
    if (!this.bus.clustered) return;
    this.flush(); // device changes made before the push go first
    this.bus.publish({ type: 'push.accepted', appKey: push.appKey, msgId: push.msgId, inboxed: how.inboxed });
  }

  private deviceChanged(change: DeviceChange): void {
    if (!this.bus.clustered) return;
    const last = this.outbox.at(-1);
    if (change.kind === 'registered') {
      if (last?.type === 'device.registered' && last.appKey === change.appKey) last.devices.push([change.num, change.platform]);
      else this.outbox.push({ type: 'device.registered', appKey: change.appKey, devices: [[change.num, change.platform]] });
    } else if (last?.type === 'device.tags' && last.appKey === change.appKey) {
      last.changes.push(...change.changes);
    } else {
      this.outbox.push({ type: 'device.tags', appKey: change.appKey, changes: [...change.changes] });
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const events = this.outbox;
    this.outbox = [];
    for (const e of events) this.bus.publish(e);
  }

  private receive({ event }: BusEnvelope): void {
    const { delivery, index } = this.parts;
    switch (event.type) {
      case 'push.accepted':
        if (isString(event.appKey) && isString(event.msgId)) void this.loadAccepted(event.appKey, event.msgId, event.inboxed === true);
        break;
      case 'push.revoked':
        if (isString(event.appKey) && isString(event.msgId)) {
          delivery.revokedElsewhere(event.appKey, event.msgId).catch((err: unknown) => this.log.error({ err, msgId: event.msgId }, 'applying a revoke failed'));
        }
        break;
      case 'push.released':
        if (isString(event.appKey) && isString(event.msgId) && Number.isSafeInteger(event.after) && isNum(event.through)) {
          delivery.releasedElsewhere(event.appKey, event.msgId, event.after, event.through);
        }
        break;
      case 'device.registered':
        if (!isString(event.appKey) || !Array.isArray(event.devices)) break;
        for (const [num, platform] of event.devices) if (isNum(num) && isPlatform(platform)) index.addDevice(event.appKey, num, platform);
        break;
      case 'device.tags':
        if (!isString(event.appKey) || !Array.isArray(event.changes)) break;
        for (const [num, add, remove] of event.changes) if (isNum(num) && isTags(add) && isTags(remove)) index.changeTags(event.appKey, num, add, remove);
        break;
      default:
        break;
    }
  }

  private async loadAccepted(appKey: string, msgId: string, inboxed: boolean): Promise<void> {
    try {
      const row = await this.parts.store.pushes.liveOne(msgId);
      if (!row || row.push.appKey !== appKey || effectivePlatforms(row.push).length === 0) return;
      this.parts.delivery.acceptedElsewhere(row, inboxed);
    } catch (err) {
      this.log.error({ err, msgId }, 'loading a push accepted on another node failed');
    }
  }

  /**
   * After a gap (events from `since` on may be lost): bring the audience index up to date, reload the
   * live pushes (revokes included) and every push accepted since shortly before the gap.
   */
  catchUp(since: number): Promise<void> {
    this.catchingUp ??= this.runCatchUp(since).finally(() => {
      this.catchingUp = null;
    });
    return this.catchingUp;
  }

  private async runCatchUp(since: number): Promise<void> {
    const { store, delivery, index } = this.parts;
    const started = Date.now();
    try {
      await index.catchUp(store.devices);
      const live = new Set<string>();
      for (const row of await store.pushes.live(started)) {
        live.add(row.push.msgId);
        if (effectivePlatforms(row.push).length === 0) continue;
        if (!delivery.holds(row.push.appKey, row.push.msgId)) delivery.acceptedElsewhere(row, false);
        else if (row.revokedAt !== null) await delivery.revokedElsewhere(row.push.appKey, row.push.msgId);
      }
      let after = firstMsgIdAt(since - CATCH_UP_MARGIN_MS);
      let found = 0;
      for (;;) {
        const ids = await store.cluster.pushIdsAfter(after, CATCH_UP_PAGE);
        for (const msgId of ids) {
          if (live.has(msgId)) continue;
          const row = await store.pushes.liveOne(msgId);
          if (!row || row.push.expiresAt <= Date.now() || effectivePlatforms(row.push).length === 0) continue;
          if (delivery.holds(row.push.appKey, msgId)) continue;
          delivery.acceptedElsewhere(row, true); // not among the live ones: its targets have inbox entries
          found++;
        }
        if (ids.length < CATCH_UP_PAGE) break;
        after = ids.at(-1)!;
      }
      this.log.info({ ms: Date.now() - started, inboxedPushes: found }, 'caught up from the store after a bus gap');
    } catch (err) {
      this.log.error({ err }, 'catching up from the store failed');
    }
  }
}
