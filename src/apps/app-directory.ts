import { timingSafeEqual } from 'node:crypto';
import type { AppRecord, Store } from '../store/types.js';
import { APP_KEY_PATTERN, EMPTY_SECRET_HASH, hashSecret, newAppKey, newMasterSecret, secretMatches, type Credentials } from './credentials.js';

function checkSecret(app: AppRecord | undefined, masterSecret: string): AppRecord | undefined {
  if (!app) {
    secretMatches(masterSecret, EMPTY_SECRET_HASH); // keep timing alike for unknown keys
    return undefined;
  }
  return secretMatches(masterSecret, app.secretHash) ? app : undefined;
}

interface CacheEntry {
  app: AppRecord | undefined;
  at: number;
  /**
   * The secret last found to match this record's digest. A request presenting it again is
   * compared with it in constant time instead of hashed. It lives as long as the entry, so a
   * reloaded record (after `ttlMs`, e.g. a rotated secret) or an invalidation needs a hash again.
   */
  verified: Buffer | undefined;
}

/**
 * Apps as the request path sees them: a short-lived cache in front of the store, so a
 * request does not hit the database for its app, while `borealis app rotate-secret` run
 * against the same database takes effect within `ttlMs`.
 */
export class AppDirectory {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 2000,
  ) {}

  async get(appKey: string): Promise<AppRecord | undefined> {
    if (!APP_KEY_PATTERN.test(appKey)) return undefined;
    return (await this.entry(appKey)).app;
  }

  /** As `get`, but synchronously while the app's cache entry is fresh (nearly every request). */
  lookup(appKey: string): AppRecord | undefined | Promise<AppRecord | undefined> {
    const hit = this.fresh(appKey); // only well-formed keys are ever cached
    return hit !== undefined ? hit.app : this.get(appKey);
  }

  /**
   * The app whose credentials these are, or undefined. Unknown keys still cost a hash.
   * Answers synchronously while the app's cache entry is fresh (nearly every request), so the
   * request path pays no promise for it.
   */
  authenticate(appKey: string, masterSecret: string): AppRecord | undefined | Promise<AppRecord | undefined> {
    const hit = this.fresh(appKey); // only well-formed keys are ever cached
    if (hit !== undefined) return verify(hit, masterSecret);
    if (!APP_KEY_PATTERN.test(appKey)) return checkSecret(undefined, masterSecret); // malformed keys are known not to exist
    return this.entry(appKey).then((entry) => verify(entry, masterSecret));
  }

  private fresh(appKey: string): CacheEntry | undefined {
    const hit = this.cache.get(appKey);
    return hit !== undefined && Date.now() - hit.at < this.ttlMs ? hit : undefined;
  }

  private async entry(appKey: string): Promise<CacheEntry> {
    const hit = this.fresh(appKey);
    if (hit !== undefined) return hit;
    const app = await this.store.apps.get(appKey);
    if (this.cache.size > 10_000) this.cache.clear();
    const entry: CacheEntry = { app, at: Date.now(), verified: undefined };
    this.cache.set(appKey, entry);
    return entry;
  }

  invalidate(appKey: string): void {
    this.cache.delete(appKey);
  }
}

/** checkSecret, skipping the hash when the entry already verified exactly this secret. */
function verify(entry: CacheEntry, masterSecret: string): AppRecord | undefined {
  const app = entry.app;
  const known = entry.verified;
  if (app !== undefined && known !== undefined) {
    const presented = Buffer.from(masterSecret, 'utf8');
    // Only the length can differ without a comparison; secrets have one published length.
    if (presented.length === known.length && timingSafeEqual(presented, known)) return app;
  }
  const found = checkSecret(app, masterSecret);
  if (found !== undefined) entry.verified = Buffer.from(masterSecret, 'utf8');
  return found;
}

function newApp(name: string): { creds: Credentials; record: AppRecord } {
  const creds = { appKey: newAppKey(), masterSecret: newMasterSecret() };
  const record: AppRecord = {
    appKey: creds.appKey,
    name,
    secretHash: hashSecret(creds.masterSecret),
    createdAt: Date.now(),
    rateLimit: null,
    rateWindow: null,
    broadcastPerDay: null,
  };
  return { creds, record };
}

export async function createApp(store: Store, name: string): Promise<Credentials> {
  const { creds, record } = newApp(name);
  await store.apps.create(record);
  return creds;
}

/** Creates an app when the store has none; of nodes starting together on one store, one does. */
export async function createFirstApp(store: Store, name: string): Promise<Credentials | undefined> {
  if ((await store.apps.count()) > 0) return undefined;
  const { creds, record } = newApp(name);
  return (await store.apps.createFirst(record)) ? creds : undefined;
}

export async function rotateSecret(store: Store, appKey: string): Promise<Credentials | undefined> {
  const masterSecret = newMasterSecret();
  const ok = await store.apps.updateSecret(appKey, hashSecret(masterSecret));
  return ok ? { appKey, masterSecret } : undefined;
}
