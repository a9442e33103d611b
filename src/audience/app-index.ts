import roaring from 'roaring';
import type { DevicePlatform } from '../domain/device.js';
import type { ChangedDevice } from '../store/audience-snapshot-types.js';
import type { DeviceStore } from '../store/types.js';
import type { AppBitmaps } from './index-snapshot.js';

const { RoaringBitmap32 } = roaring;
type Bitmap = InstanceType<typeof RoaringBitmap32>;

function bitmapOf<K>(map: Map<K, Bitmap>, key: K): Bitmap {
  let b = map.get(key);
  if (!b) map.set(key, (b = new RoaringBitmap32()));
  return b;
}

/** One app's bitmaps over its dense device numbers. */
export class AppIndex implements AppBitmaps {
  constructor(
    readonly all: Bitmap = new RoaringBitmap32(),
    readonly platforms = new Map<DevicePlatform, Bitmap>(),
    readonly tags = new Map<string, Bitmap>(),
  ) {}

  static from(parts: AppBitmaps): AppIndex {
    return new AppIndex(parts.all, parts.platforms, parts.tags);
  }

  addDevice(num: number, platform: DevicePlatform): void {
    this.all.add(num);
    bitmapOf(this.platforms, platform).add(num);
  }

  /** Many devices of one platform at once (the index rebuild). */
  addDevices(nums: readonly number[], platform: DevicePlatform): void {
    this.all.addMany(nums);
    bitmapOf(this.platforms, platform).addMany(nums);
  }

  addTag(tag: string, num: number): void {
    bitmapOf(this.tags, tag).add(num);
  }

  /** Many members of one tag at once (the index rebuild). */
  addTagged(tag: string, nums: readonly number[]): void {
    bitmapOf(this.tags, tag).addMany(nums);
  }

  removeTag(tag: string, num: number): void {
    const t = this.tags.get(tag);
    if (!t) return;
    t.remove(num);
    if (t.isEmpty) this.tags.delete(tag);
  }

  /** Sets one device's entries to what the store holds now (a change logged after a snapshot). */
  applyChange(d: ChangedDevice): void {
    for (const [p, b] of this.platforms) if (p !== d.platform) b.remove(d.num);
    if (d.platform === undefined) this.all.remove(d.num);
    else this.addDevice(d.num, d.platform);
    const now = new Set(d.tags);
    for (const t of d.touched) if (!now.has(t)) this.removeTag(t, d.num);
    for (const t of d.tags) this.addTag(t, d.num);
  }
}

export type AppIndexes = Map<string, AppIndex>;

function appOf(apps: AppIndexes, appKey: string): AppIndex {
  let a = apps.get(appKey);
  if (!a) apps.set(appKey, (a = new AppIndex()));
  return a;
}

/** Every app's bitmaps, built from a full scan of the store. */
export async function scanApps(store: DeviceStore): Promise<AppIndexes> {
  const apps: AppIndexes = new Map();
  await store.scanIndex({
    devices: (appKey, platform, nums) => appOf(apps, appKey).addDevices(nums, platform),
    tagged: (appKey, tag, nums) => appOf(apps, appKey).addTagged(tag, nums),
  });
  for (const a of apps.values()) {
    a.all.runOptimize();
    for (const b of a.platforms.values()) b.runOptimize();
    for (const b of a.tags.values()) b.runOptimize();
  }
  return apps;
}

/** Applies devices changed after a snapshot, as the store holds them now. */
export function applyChanges(apps: AppIndexes, changes: readonly ChangedDevice[]): void {
  for (const d of changes) appOf(apps, d.appKey).applyChange(d);
}
