import { trimOldest } from '../util/bounded-map.js';

/** The store lookup behind the cache. */
type RidLookup = (appKey: string, registrationIds: readonly string[]) => Promise<Map<string, number>>;

/**
 * Remembers which device number a registration id has, so a push naming devices by
 * registration id does not query the store for ids it has seen before. The mapping never
 * changes once a device exists (devices are not renumbered or deleted), so entries need no
 * invalidation; unknown ids are not remembered, since they may register a moment later.
 * Bounded per app: past `maxPerApp` entries the oldest are dropped first, a sixteenth of the
 * bound at a time.
 */
export class RegistrationIdCache {
  private readonly apps = new Map<string, Map<string, number>>();

  constructor(
    private readonly lookup: RidLookup,
    private readonly maxPerApp = 100_000,
  ) {}

  async numsByRegistrationIds(appKey: string, registrationIds: readonly string[]): Promise<Map<string, number>> {
    let known = this.apps.get(appKey);
    const out = new Map<string, number>();
    let missing: string[] | undefined;
    for (const rid of registrationIds) {
      const num = known?.get(rid);
      if (num !== undefined) out.set(rid, num);
      else (missing ??= []).push(rid);
    }
    if (missing === undefined) return out;
    const found = await this.lookup(appKey, missing);
    if (found.size === 0) return out;
    known = this.apps.get(appKey);
    if (!known) this.apps.set(appKey, (known = new Map()));
    for (const [rid, num] of found) {
      out.set(rid, num);
      known.set(rid, num);
    }
    trimOldest(known, this.maxPerApp);
    return out;
  }

  /** Entries held for an app (for tests). */
  size(appKey: string): number {
    return this.apps.get(appKey)?.size ?? 0;
  }
}
