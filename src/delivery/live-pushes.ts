import { RoaringBitmap32, type Bitmap } from '../audience/audience-index.js';
import type { DevicePlatform } from '../domain/device.js';
import type { AcceptedPush } from '../domain/push.js';
import { encodePushFrame } from './render.js';

/** Default: pushes with at most this many targets are indexed by device; wider ones are scanned. */
export const NARROW_TARGETS = 1000;

/** A push that devices may still be owed (or may still have to be told to withdraw). */
export interface LivePushState {
  sent?: Bitmap;
  acked?: Bitmap;
  clicked?: Bitmap;
  withdrawn?: Bitmap | null;
  revoked?: boolean;
  overridden?: boolean;
}

export class LivePush {
  /**
   * Receipt bitmaps, created on first use: most pushes are never acked or clicked while in
   * memory (their devices are offline), and an empty native bitmap per push would cost memory
   * and collector time at push-accept rates.
   */
  private sentSet: Bitmap | null;
  private ackedSet: Bitmap | null;
  private clickedSet: Bitmap | null;
  withdrawn: Bitmap | null;
  revoked: boolean;
  overridden: boolean;
  /** Its targets have inbox entries in the store: memory may let go of it while it waits. */
  inboxed = false;
  /** For an inboxed push: when memory may let go of it (it is reloaded when needed). */
  residentUntil = Infinity;
  /** Few enough targets to index by device. */
  readonly narrow: boolean;
  /**
   * A paced push (big_push_duration) is owed only to targets numbered up to this one, raised
   * slice by slice by the pacer; every other push is released to all its targets at once.
   */
  releasedThrough = Infinity;
  private readonly frames = new Map<DevicePlatform, Buffer>();

  constructor(
    readonly push: AcceptedPush,
    readonly targets: Bitmap,
    state: LivePushState = {},
    narrowTargets = NARROW_TARGETS,
  ) {
    this.sentSet = state.sent ?? null;
    this.ackedSet = state.acked ?? null;
    this.clickedSet = state.clicked ?? null;
    this.revoked = state.revoked ?? false;
    this.overridden = state.overridden ?? false;
    this.withdrawn = state.withdrawn ?? null;
    this.narrow = targets.size <= narrowTargets;
  }

  /** Devices whose connection was handed the push. */
  get sent(): Bitmap {
    return (this.sentSet ??= new RoaringBitmap32());
  }

  /** Devices that acknowledged it: received. */
  get acked(): Bitmap {
    return (this.ackedSet ??= new RoaringBitmap32());
  }

  get clicked(): Bitmap {
    return (this.clickedSet ??= new RoaringBitmap32());
  }

  hasSent(num: number): boolean {
    return this.sentSet?.has(num) ?? false;
  }

  hasAcked(num: number): boolean {
    return this.ackedSet?.has(num) ?? false;
  }

  hasClicked(num: number): boolean {
    return this.clickedSet?.has(num) ?? false;
  }

  get msgId(): string {
    return this.push.msgId;
  }

  /** Whether target `num` may be sent the push yet (paced pushes release targets in slices). */
  released(num: number): boolean {
    return num <= this.releasedThrough;
  }

  /**
   * An inboxed push every target acknowledged: nothing is owed from it any more, so once its
   * receipts are saved memory can let go of it at once rather than after its resident time
   * (a later click or a revocation finds it in the store, as after that time).
   */
  settled(): boolean {
    return this.inboxed && !this.revoked && this.ackedSet !== null && this.ackedSet.size >= this.targets.size;
  }

  deliverable(now: number): boolean {
    return !this.revoked && !this.overridden && this.push.expiresAt > now;
  }

  /** The frame for one platform, encoded once and shared by every device of that platform. */
  frame(platform: DevicePlatform): Buffer {
    let f = this.frames.get(platform);
    if (!f) this.frames.set(platform, (f = encodePushFrame(this.push, platform)));
    return f;
  }
}

/**
 * One app's live pushes, arranged so that a connecting device finds what it is owed without
 * scanning every device: wide pushes (broadcasts, big tags) are few and checked by bitmap
 * membership; narrow pushes are indexed by device number.
 */
export class AppLivePushes {
  readonly byId = new Map<string, LivePush>();
  private wide: LivePush[] = [];
  private readonly narrowByDevice = new Map<number, LivePush[]>();
  private revokedList: LivePush[] = [];

  add(lp: LivePush): void {
    this.byId.set(lp.msgId, lp);
    if (lp.revoked) this.revokedList.push(lp);
    if (!lp.deliverable(Date.now())) return;
    if (!lp.narrow) {
      this.wide.push(lp);
      return;
    }
    for (const num of lp.targets) {
      if (lp.hasAcked(num)) continue;
      const list = this.narrowByDevice.get(num);
      if (list) list.push(lp);
      else this.narrowByDevice.set(num, [lp]);
    }
  }

  /** Pushes owed to device `num`, oldest first. */
  owed(num: number, now: number): LivePush[] {
    const out: LivePush[] = [];
    for (const lp of this.wide) if (lp.deliverable(now) && lp.released(num) && lp.targets.has(num) && !lp.hasAcked(num)) out.push(lp);
    const narrow = this.narrowByDevice.get(num);
    if (narrow) for (const lp of narrow) if (lp.deliverable(now) && lp.released(num) && !lp.hasAcked(num)) out.push(lp);
    if (narrow && this.wide.length > 0) out.sort((a, b) => Number(a.msgId) - Number(b.msgId));
    return out;
  }

  /** Revoked pushes this device holds and has not yet been told to withdraw. */
  withdrawalsOwed(num: number): LivePush[] {
    return this.revokedList.filter((lp) => lp.hasAcked(num) && !lp.withdrawn?.has(num));
  }

  /** Device `num` is owed `lp` no more (it acknowledged it, or the push left memory). */
  acked(lp: LivePush, num: number): void {
    if (!lp.narrow) return;
    const list = this.narrowByDevice.get(num);
    if (!list) return;
    const rest = list.filter((x) => x !== lp);
    if (rest.length > 0) this.narrowByDevice.set(num, rest);
    else this.narrowByDevice.delete(num);
  }

  revoked(lp: LivePush): void {
    lp.revoked = true;
    lp.withdrawn ??= new RoaringBitmap32();
    this.revokedList.push(lp);
  }

  /** Lets go of one push (it waits in the store); false if it was not held. */
  evict(lp: LivePush): boolean {
    if (this.byId.get(lp.msgId) !== lp) return false;
    this.byId.delete(lp.msgId);
    if (!lp.narrow) {
      this.wide = this.wide.filter((x) => x !== lp);
      return true;
    }
    for (const num of lp.targets) this.acked(lp, num);
    return true;
  }

  /** Drops pushes past their time to live; returns how many went. */
  expire(now: number): number {
    let gone = 0;
    for (const [id, lp] of this.byId) {
      if (lp.push.expiresAt <= now) {
        this.byId.delete(id);
        gone++;
      }
    }
    if (gone === 0) return 0;
    this.wide = this.wide.filter((lp) => lp.push.expiresAt > now);
    this.revokedList = this.revokedList.filter((lp) => lp.push.expiresAt > now);
    for (const [num, list] of this.narrowByDevice) {
      const rest = list.filter((lp) => lp.push.expiresAt > now);
      if (rest.length === 0) this.narrowByDevice.delete(num);
      else if (rest.length !== list.length) this.narrowByDevice.set(num, rest);
    }
    return gone;
  }

  get size(): number {
    return this.byId.size;
  }
}
