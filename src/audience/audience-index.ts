import roaring from 'roaring';
import type { DevicePlatform } from '../domain/device.js';
import { PLATFORMS, type Audience, type Platform, type TagExpression } from '../domain/push.js';
import type { DeviceStore } from '../store/types.js';
import type { IndexCursor } from '../store/audience-snapshot-types.js';
import { AppIndex, scanApps, applyChanges, type AppIndexes } from './app-index.js';
import type { IndexPersistence } from './index-persistence.js';
import { RegistrationIdCache } from './registration-id-cache.js';

const { RoaringBitmap32 } = roaring;
export type Bitmap = InstanceType<typeof RoaringBitmap32>;
export { RoaringBitmap32 };

/** Explicit device lookups the bitmaps do not hold (aliases and registration ids live in the store). */
export interface AudienceLookups {
  numsByAliases(appKey: string, aliases: readonly string[]): Promise<number[]>;
  numsByAccounts(appKey: string, accounts: readonly string[]): Promise<number[]>;
  numsByRegistrationIds(appKey: string, registrationIds: readonly string[]): Promise<Map<string, number>>;
}

/**
 * The in-memory audience index: per app, compressed bitmaps of all devices, of each platform
 * and of each tag. Audience kinds combine as bitmap operations (tag = union, tag_and =
 * intersection, tag_not = difference, kinds AND-ed), so a broadcast or a tag push over a
 * million devices resolves in milliseconds and is stored as one bitmap, not one row per device.
 * The store stays the source of truth; the index is rebuilt from it at start.
 */
export class AudienceIndex {
  private apps: AppIndexes = new Map();
  /** Where the bitmaps stand in the store's change log (with persistence only). */
  private cursor: IndexCursor | null = null;

  constructor(
    private readonly lookups: AudienceLookups,
    private readonly persistence?: IndexPersistence,
  ) {}

  /**
   * The index of the store's devices: from the stored snapshot and the changes after it when
   * `persistence` is given (a node), else from a full scan (a one-off command).
   */
  static async load(store: DeviceStore, persistence?: IndexPersistence): Promise<AudienceIndex> {
    const rids = new RegistrationIdCache((appKey, ids) => store.numsByRegistrationIds(appKey, ids));
    const index = new AudienceIndex(
      {
        numsByAliases: (appKey, aliases) => store.numsByAliases(appKey, aliases),
        numsByAccounts: (appKey, accounts) => store.numsByAccounts(appKey, accounts),
        numsByRegistrationIds: (appKey, ids) => rids.numsByRegistrationIds(appKey, ids),
      },
      persistence,
    );
    if (persistence) {
      const state = await persistence.load();
      index.apps = state.apps;
      index.cursor = state.cursor;
    } else {
      await index.reload(store);
    }
    return index;
  }

  /** Rebuilds every bitmap from a full scan of the store and then swaps them in at once. */
  async reload(store: DeviceStore): Promise<void> {
    this.apps = await scanApps(store);
    this.cursor = null;
  }

  /**
   * Brings the bitmaps up to the store (after start, and when a cluster node missed device
   * changes on the bus): the changes logged since the index's cursor, or a whole new index
   * when the log no longer reaches back that far; without persistence, a full scan.
   */
  async catchUp(store: DeviceStore): Promise<void> {
    if (!this.persistence) return this.reload(store);
    const update = await this.persistence.since(this.cursor);
    if (update.kind === 'changes') applyChanges(this.apps, update.changes);
    else this.apps = update.apps;
    this.cursor = update.cursor;
  }

  private app(appKey: string): AppIndex {
    let a = this.apps.get(appKey);
    if (!a) this.apps.set(appKey, (a = new AppIndex()));
    return a;
  }

  addDevice(appKey: string, num: number, platform: DevicePlatform): void {
    this.app(appKey).addDevice(num, platform);
  }

  changeTags(appKey: string, num: number, add: Iterable<string>, remove: Iterable<string>): void {
    const a = this.app(appKey);
    for (const t of remove) a.removeTag(t, num);
    for (const t of add) a.addTag(t, num);
  }

  /** Tag names of an app with at least one device. */
  tagNames(appKey: string): string[] {
    return [...(this.apps.get(appKey)?.tags.keys() ?? [])];
  }

  hasTag(appKey: string, tag: string, num: number): boolean {
    return this.apps.get(appKey)?.tags.get(tag)?.has(num) ?? false;
  }

  tagCount(appKey: string, tag: string): number {
    return this.apps.get(appKey)?.tags.get(tag)?.size ?? 0;
  }

  deviceCount(appKey: string): number {
    return this.apps.get(appKey)?.all.size ?? 0;
  }

  /** Devices of the app on any of `platforms`. */
  platformSet(appKey: string, platforms: readonly DevicePlatform[]): Bitmap {
    const a = this.apps.get(appKey);
    if (!a) return new RoaringBitmap32();
    return RoaringBitmap32.orMany(platforms.map((p) => a.platforms.get(p) ?? new RoaringBitmap32()));
  }

  /**
   * The devices a push targets. `platforms` as normalized by the API (all four push platforms
   * means `"platform":"all"`, which also reaches web devices). Returns a new bitmap the caller owns.
   */
  async resolve(appKey: string, platforms: readonly Platform[], audience: Audience): Promise<Bitmap> {
    const a = this.apps.get(appKey);
    if (!a) return new RoaringBitmap32();
    if (isExplicitOnly(audience)) return new RoaringBitmap32(await this.resolveExplicit(a, appKey, platforms, audience));
    const empty = new RoaringBitmap32();
    let set: Bitmap | null = null;
    const and = (b: Bitmap) => {
      set = set === null ? b.clone() : RoaringBitmap32.and(set, b);
    };

    if (audience.all === true) and(a.all);
    if (audience.tag) and(RoaringBitmap32.orMany(audience.tag.map((t) => a.tags.get(t) ?? empty)));
    if (audience.tagAnd) for (const t of audience.tagAnd) and(a.tags.get(t) ?? empty);
    if (audience.alias) and(new RoaringBitmap32(await this.lookups.numsByAliases(appKey, audience.alias)));
    if (audience.account) and(new RoaringBitmap32(await this.lookups.numsByAccounts(appKey, audience.account)));
    if (audience.tagExpr) and(evaluate(a, audience.tagExpr));
    if (audience.registrationId) {
      const found = await this.lookups.numsByRegistrationIds(appKey, audience.registrationId);
      and(new RoaringBitmap32(found.values()));
    }
    let result: Bitmap = set ?? a.all.clone();
    if (audience.tagNot) {
      result = RoaringBitmap32.andNot(result, RoaringBitmap32.orMany(audience.tagNot.map((t) => a.tags.get(t) ?? empty)));
    }
    if (!everyPlatform(platforms)) result = RoaringBitmap32.and(result, this.platformSet(appKey, platforms));
    return result;
  }

  /**
   * The devices of an audience of aliases, accounts and registration ids only (see `resolve`),
   * as device numbers in increasing order, each once; null for any other audience. A handful
   * of numbers needs no bitmap at all until something asks for one.
   */
  resolveExplicitNums(appKey: string, platforms: readonly Platform[], audience: Audience): Promise<number[]> | null {
    if (!isExplicitOnly(audience)) return null;
    const a = this.apps.get(appKey);
    if (!a) return Promise.resolve([]);
    // the promise itself, not one wrapping it (each wrapper costs the caller microtask turns)
    return this.resolveExplicit(a, appKey, platforms, audience);
  }

  /**
   * Aliases and registration ids only, the common shape of a transactional push: a handful of
   * numbers, filtered by membership tests, rather than a chain of bitmap operations that each
   * allocate native memory. In increasing order, each once.
   */
  private async resolveExplicit(a: AppIndex, appKey: string, platforms: readonly Platform[], audience: Audience): Promise<number[]> {
    let nums: number[] | undefined;
    let byAlias: number[] | undefined;
    let byAccount: number[] | undefined;
    if (audience.alias) nums = byAlias = await this.lookups.numsByAliases(appKey, audience.alias);
    if (audience.account) {
      byAccount = await this.lookups.numsByAccounts(appKey, audience.account);
      if (nums === undefined) nums = byAccount;
      else {
        const set = new Set(byAccount);
        nums = nums.filter((n) => set.has(n));
      }
    }
    if (audience.registrationId) {
      const found = await this.lookups.numsByRegistrationIds(appKey, audience.registrationId);
      if (nums === undefined) nums = [...found.values()];
      else {
        const byRid = new Set(found.values());
        nums = nums.filter((n) => byRid.has(n));
      }
    }
    if (nums === undefined) return [];
    if (!everyPlatform(platforms)) {
      const sets: Bitmap[] = [];
      for (const p of platforms) {
        const b = a.platforms.get(p);
        if (b !== undefined) sets.push(b);
      }
      const kept: number[] = [];
      for (const n of nums) {
        for (const b of sets) {
          if (b.has(n)) {
            kept.push(n);
            break;
          }
        }
      }
      nums = kept;
    }
    // sorted in place: never an array a lookup handed over as it is
    return sortedUnique(nums === byAlias || nums === byAccount ? nums.slice() : nums);
  }
}

/** `nums` (owned by the caller) sorted in increasing order, duplicates dropped. */
function sortedUnique(nums: number[]): number[] {
  if (nums.length < 2) return nums;
  if (nums.length <= 16) {
    // insertion sort: a handful of numbers, no comparator calls
    for (let i = 1; i < nums.length; i++) {
      const v = nums[i]!;
      let j = i - 1;
      for (; j >= 0 && nums[j]! > v; j--) nums[j + 1] = nums[j]!;
      nums[j + 1] = v;
    }
  } else {
    nums.sort((x, y) => x - y);
  }
  let w = 1;
  for (let i = 1; i < nums.length; i++) if (nums[i] !== nums[w - 1]) nums[w++] = nums[i]!;
  nums.length = w;
  return nums;
}

function everyPlatform(platforms: readonly Platform[]): boolean {
  return PLATFORMS.every((p) => platforms.includes(p));
}

/** A tag expression as a new bitmap: `not` is the complement within the app's devices. */
function evaluate(a: AppIndex, e: TagExpression): Bitmap {
  if ('tag' in e) return a.tags.get(e.tag)?.clone() ?? new RoaringBitmap32();
  if ('not' in e) return RoaringBitmap32.andNot(a.all, evaluate(a, e.not));
  if ('and' in e) {
    let acc: Bitmap | null = null;
    for (const part of e.and) acc = acc === null ? evaluate(a, part) : RoaringBitmap32.and(acc, evaluate(a, part));
    return acc ?? new RoaringBitmap32();
  }
  return RoaringBitmap32.orMany(e.or.map((part) => evaluate(a, part)));
}

function isExplicitOnly(audience: Audience): boolean {
  return (
    (audience.alias !== undefined || audience.registrationId !== undefined || audience.account !== undefined) &&
    audience.tagExpr === undefined &&
    audience.all !== true &&
    audience.tag === undefined &&
    audience.tagAnd === undefined &&
    audience.tagNot === undefined
  );
}
