import type { AppRecord, Store } from '../store/types.js';
import { APP_KEY_PATTERN, EMPTY_SECRET_HASH, hashSecret, newAppKey, newMasterSecret, secretMatches, type Credentials } from './credentials.js';

const NOT_CACHED = Symbol('not cached');

function checkSecret(app: AppRecord | undefined, masterSecret: string): AppRecord | undefined {
  if (!app) {
    secretMatches(masterSecret, EMPTY_SECRET_HASH); // keep timing alike for unknown keys
    return undefined;
  }
  return secretMatches(masterSecret, app.secretHash) ? app : undefined;
}

/**
 * Apps as the request path sees them: a short-lived cache in front of the store, so a
 * request does not hit the database for its app, while `borealis app rotate-secret` run
 * against the same database takes effect within `ttlMs`.
 */
export class AppDirectory {
  private readonly cache = new Map<string, { app: AppRecord | undefined; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 2000,
  ) {}

  async get(appKey: string): Promise<AppRecord | undefined> {
    const hit = this.cached(appKey);
    if (hit !== NOT_CACHED) return hit;
    const app = await this.store.apps.get(appKey);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(appKey, { app, at: Date.now() });
    return app;
  }

  /**
   * The app whose credentials these are, or undefined. Unknown keys still cost a hash.
   * Answers synchronously while the app's cache entry is fresh (nearly every request), so the
   * request path pays no promise for it.
   */
  authenticate(appKey: string, masterSecret: string): AppRecord | undefined | Promise<AppRecord | undefined> {
    const hit = this.cached(appKey);
    if (hit !== NOT_CACHED) return checkSecret(hit, masterSecret);
    return this.get(appKey).then((app) => checkSecret(app, masterSecret));
  }

  /** The cached answer for an app key while it is fresh; malformed keys are known not to exist. */
  private cached(appKey: string): AppRecord | undefined | typeof NOT_CACHED {
    if (!APP_KEY_PATTERN.test(appKey)) return undefined;
    const hit = this.cache.get(appKey);
    return hit && Date.now() - hit.at < this.ttlMs ? hit.app : NOT_CACHED;
  }

  invalidate(appKey: string): void {
    this.cache.delete(appKey);
  }
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
