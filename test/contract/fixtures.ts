import roaring from 'roaring';
import type { DevicePlatform } from '../../src/domain/device.js';
import type { AcceptedPush } from '../../src/domain/push.js';
import type { NewDevice } from '../../src/store/types.js';

const { RoaringBitmap32 } = roaring;

export function bitmap(nums: number[]): Buffer {
  const u = new RoaringBitmap32(nums).serialize('portable');
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

export function members(b: Buffer | null | undefined): number[] {
  return b ? RoaringBitmap32.deserialize(b, 'portable').toArray() : [];
}

export function orBitmaps(a: Buffer, b: Buffer): Buffer {
  const u = RoaringBitmap32.or(RoaringBitmap32.deserialize(a, 'portable'), RoaringBitmap32.deserialize(b, 'portable')).serialize('portable');
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

let serial = 0;
export function newDevice(appKey: string, platform: DevicePlatform = 'ios', extra: Partial<NewDevice> = {}): NewDevice {
  serial++;
  return {
    appKey,
    registrationId: `rid-${appKey}-${serial}-${Math.random().toString(36).slice(2, 8)}`,
    platform,
    secretHash: Buffer.from(`secret-${serial}`),
    alias: null,
    mobile: null,
    tokens: {},
    createdAt: 1000 + serial,
    ...extra,
  };
}

export function newPush(msgId: string, appKey: string, extra: Partial<AcceptedPush> = {}): AcceptedPush {
  return {
    msgId,
    appKey,
    source: 'jpush',
    sendno: `s${msgId}`,
    platforms: ['ios'],
    audience: { all: true },
    notification: { alert: `hello ${msgId}` },
    options: { timeToLive: 60, apnsProduction: false, bigPushDuration: 0, raw: {} },
    createdAt: 1_000,
    expiresAt: 61_000,
    ...extra,
  };
}
