import { RoaringBitmap32, type Bitmap } from '../audience/audience-index.js';
import type { DevicePlatform } from '../domain/device.js';
import { PLATFORMS, type Platform } from '../domain/push.js';
import type { PushHead, ReceiptRow } from '../store/types.js';
import type { PushReceipts } from './types.js';

/**
 * Report figures of one push, counted from its receipt bitmaps. Every delivery today goes over
 * Borealis's own device connection, which carries JPush's name for its own channel, `jpush`.
 * Vendor channels (apns, fcm, huawei, xiaomi, hmpns, ...) do not exist yet, so they have no
 * figures at all rather than zeros that would claim they were tried.
 */
export const OWN_CHANNEL = 'jpush';

/** How often a running server saves receipts, in ms: the most a stored figure can lag. */
export const RECEIPT_SAVE_MS = 200;

export interface Figures {
  /** Devices the push was meant for. */
  target: number;
  /** Targets whose connection was handed the push. */
  sent: number;
  /** Targets that acknowledged it. */
  received: number;
  /** Targets that reported a click (a click also counts as received). */
  click: number;
}

export interface PushFigures {
  msgId: string;
  /** Every target, web devices included. */
  total: Figures;
  /** The four push platforms; web devices appear only in `total` and `web`. */
  platforms: Record<Platform, Figures>;
  web: Figures;
  /** Per channel; only the own connection exists. */
  channels: { [OWN_CHANNEL]: Figures };
}

/** The app's devices of one platform (an AudienceIndex answers this). */
export type PlatformSets = (platform: DevicePlatform) => Bitmap;

function within(receipts: PushReceipts, set: Bitmap): Figures {
  // Targets first: receipts of a device are only ever recorded for targets, but the
  // intersection keeps the figures nested (click <= received <= target) whatever the input.
  const targets = RoaringBitmap32.and(receipts.targets, set);
  return {
    target: targets.size,
    sent: targets.andCardinality(receipts.sent),
    received: targets.andCardinality(receipts.received),
    click: targets.andCardinality(receipts.clicked),
  };
}

function whole(receipts: PushReceipts): Figures {
  const t = receipts.targets;
  return {
    target: t.size,
    sent: t.andCardinality(receipts.sent),
    received: t.andCardinality(receipts.received),
    click: t.andCardinality(receipts.clicked),
  };
}

export function pushFigures(receipts: PushReceipts, platformSet: PlatformSets): PushFigures {
  const platforms = {} as Record<Platform, Figures>;
  for (const p of PLATFORMS) platforms[p] = within(receipts, platformSet(p));
  const total = whole(receipts);
  return { msgId: receipts.msgId, total, platforms, web: within(receipts, platformSet('web')), channels: { jpush: total } };
}

/** JPush's per-device delivery status codes (POST /v3/status/message). */
export const DeviceStatusCode = {
  delivered: 0,
  notDelivered: 1,
  notInApp: 2,
  notTarget: 3,
  systemError: 4,
} as const;

/** JPush's status of one of the app's devices: delivered means acknowledged by the device. */
export function statusCode(receipts: PushReceipts, num: number): number {
  if (!receipts.targets.has(num)) return DeviceStatusCode.notTarget;
  return receipts.received.has(num) ? DeviceStatusCode.delivered : DeviceStatusCode.notDelivered;
}

export type DeviceState = 'received' | 'clicked' | 'sent' | 'pending' | 'expired' | 'revoked' | 'not_target';

export interface DeviceTrace {
  targeted: boolean;
  sent: boolean;
  received: boolean;
  clicked: boolean;
  state: DeviceState;
}

/**
 * What happened to a push on one device, and the furthest it got. A receipt outranks revoke and
 * expiry (the device has the push whatever happened after); without one, a revoked push stays
 * revoked, then time_to_live decides between expired and still on its way.
 */
export function deviceTrace(receipts: PushReceipts, num: number, now: number): DeviceTrace {
  const targeted = receipts.targets.has(num);
  const sent = targeted && receipts.sent.has(num);
  const received = targeted && receipts.received.has(num);
  const clicked = targeted && receipts.clicked.has(num);
  let state: DeviceState;
  if (!targeted) state = 'not_target';
  else if (clicked) state = 'clicked';
  else if (received) state = 'received';
  else if (receipts.revoked) state = 'revoked';
  else if (now >= receipts.expiresAt) state = 'expired';
  else if (sent) state = 'sent';
  else state = 'pending';
  return { targeted, sent, received, clicked, state };
}

/** Receipts as the store holds them (for readers without a running delivery service). */
export function receiptsFromStore(stored: { head: PushHead; targets: Buffer; receipts: ReceiptRow | null }): PushReceipts {
  const read = (b: Buffer | undefined) => (b ? RoaringBitmap32.deserialize(b, 'portable') : new RoaringBitmap32());
  const r = stored.receipts ?? undefined;
  return {
    msgId: stored.head.msgId,
    appKey: stored.head.appKey,
    createdAt: stored.head.createdAt,
    expiresAt: stored.head.expiresAt,
    revoked: stored.head.revokedAt !== null,
    targets: read(stored.targets),
    sent: read(r?.sent),
    received: read(r?.acked),
    clicked: read(r?.clicked),
  };
}

/** A share as a percentage with one decimal, or null when there is nothing to share. */
export function rate(part: number, of: number): number | null {
  return of === 0 ? null : Math.round((part / of) * 1000) / 10;
}
