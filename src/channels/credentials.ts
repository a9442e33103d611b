import type { SealedCredentialStore } from '../store/types.js';
import { checkCredentials, describeCredentials } from './credential-shapes.js';
import { seal, SealingError, unseal } from './sealing.js';
import type { ChannelCredentials } from './types.js';

/** How long a credential lookup is cached: CLI changes on the same database show within this. */
const CACHE_MS = 2000;
/** Marks a stored secret as sealed (versus plain text written by earlier versions). */
const SEALED_PREFIX = 'sealed:';

/**
 * Per-app credentials of each vendor channel: checked, sealed and stored; opened on use and
 * cached briefly. Lookups are always by (app, channel), so a relay for one app can only ever
 * be handed that app's credentials.
 */
export class ChannelCredentialService {
  private readonly cache = new Map<string, { at: number; value: ChannelCredentials | undefined }>();
  private configured = new Map<string, Set<string>>();
  private refreshedAt = 0;
  private refreshing: Promise<void> | undefined;
  /**
   * Changes this node made while a snapshot was being read: the snapshot may predate them, so
   * they are applied over it (otherwise a channel just set could vanish until the next refresh).
   */
  private madeDuringRefresh: [appKey: string, channel: string, on: boolean][] | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: SealedCredentialStore,
    private readonly key: Buffer,
  ) {}

  async set(appKey: string, channel: string, raw: unknown): Promise<ChannelCredentials> {
    const value = checkCredentials(channel, raw);
    await this.store.put(appKey, channel, seal(this.key, appKey, channel, value), Date.now());
    this.cache.delete(`${appKey}\0${channel}`);
    this.mark(appKey, channel, true);
    return value;
  }

  /**
   * A secret other than channel credentials (an EMAS AccessKeySecret, ...) sealed for storage as
   * text, bound to the app and `purpose` like credentials are to their channel.
   */
  sealSecret(appKey: string, purpose: string, secret: string): string {
    return SEALED_PREFIX + seal(this.key, appKey, purpose, secret).toString('base64');
  }

  /** The secret `sealSecret` stored; text stored before secrets were sealed is returned as it is. */
  openSecret(appKey: string, purpose: string, stored: string): string {
    if (!stored.startsWith(SEALED_PREFIX)) return stored;
    const value = unseal(this.key, appKey, purpose, Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64'));
    if (typeof value !== 'string') throw new SealingError('sealed secret is not text');
    return value;
  }

  async remove(appKey: string, channel: string): Promise<boolean> {
    const removed = await this.store.remove(appKey, channel);
    this.cache.delete(`${appKey}\0${channel}`);
    this.mark(appKey, channel, false);
    return removed;
  }

  async get(appKey: string, channel: string): Promise<ChannelCredentials | undefined> {
    const id = `${appKey}\0${channel}`;
    const hit = this.cache.get(id);
    const now = Date.now();
    if (hit && now - hit.at < CACHE_MS) return hit.value;
    const row = await this.store.get(appKey, channel);
    const value = row ? (unseal(this.key, appKey, channel, row.sealed) as ChannelCredentials) : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, { at: now, value });
    return value;
  }

  /** Identifiers of the stored credentials (no secrets), or undefined. */
  async show(appKey: string, channel: string): Promise<{ updatedAt: number; fields: Record<string, string> } | undefined> {
    const row = await this.store.get(appKey, channel);
    if (!row) return undefined;
    const value = unseal(this.key, appKey, channel, row.sealed) as ChannelCredentials;
    return { updatedAt: row.updatedAt, fields: describeCredentials(channel, value) };
  }

  /**
   * Channels the app has credentials for, from a snapshot refreshed in the background every
   * second (`start`): the accept path asks this without touching the store, and credentials set
   * by the CLI on the same database count within about a second.
   */
  channelsOf(appKey: string): ReadonlySet<string> {
    if (!this.timer && Date.now() - this.refreshedAt > CACHE_MS) void this.refresh();
    return this.configured.get(appKey) ?? EMPTY;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.refresh(), SNAPSHOT_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      this.madeDuringRefresh = [];
      try {
        const next = new Map<string, Set<string>>();
        for (const r of await this.store.list()) {
          let set = next.get(r.appKey);
          if (!set) next.set(r.appKey, (set = new Set()));
          set.add(r.channel);
        }
        for (const [appKey, channel, on] of this.madeDuringRefresh) markIn(next, appKey, channel, on);
        this.configured = next;
        this.refreshedAt = Date.now();
      } catch {
        // store closing: keep the last snapshot
      } finally {
        this.madeDuringRefresh = undefined;
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private mark(appKey: string, channel: string, on: boolean): void {
    markIn(this.configured, appKey, channel, on);
    this.madeDuringRefresh?.push([appKey, channel, on]);
  }
}

function markIn(snapshot: Map<string, Set<string>>, appKey: string, channel: string, on: boolean): void {
  let set = snapshot.get(appKey);
  if (!set) snapshot.set(appKey, (set = new Set()));
  if (on) set.add(channel);
  else set.delete(channel);
}

const EMPTY: ReadonlySet<string> = new Set();
/** How often the running server re-reads which apps have which channels. */
const SNAPSHOT_MS = 1000;
