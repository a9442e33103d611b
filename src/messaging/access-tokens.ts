import { createHash } from 'node:crypto';

/**
 * Access tokens of the token-based messaging vendors (WeChat, DingTalk, WeCom): fetched once
 * per credential, shared by concurrent sends, kept until shortly before they expire, and
 * dropped when the vendor calls one invalid. Vendors cap how often a token may be fetched
 * (WeChat: 2,000 a day), so a token is never fetched per message.
 */

/** Why no token could be had; `retry` for outages and rate limits, not for refused credentials. */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface IssuedToken {
  token: string;
  /** Lifetime the vendor gave, in seconds (7200 for all three). */
  expiresInSeconds: number;
}

interface CachedToken {
  token: string;
  renewAt: number;
  expiresAt: number;
}

/** Renew this long before expiry (5 min), or at half-life for short-lived tokens. */
const RENEW_EARLY_MS = 5 * 60_000;
/** Lifetime assumed when the vendor gives none or nonsense. */
const DEFAULT_LIFETIME_S = 7200;
/** Longest lifetime believed; a hostile answer cannot pin a token for years. */
const MAX_LIFETIME_S = 86_400;

export class AccessTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  /** A cache key for one credential at one endpoint; the secret enters only as a digest. */
  static keyOf(...parts: string[]): string {
    return createHash('sha256').update(parts.join('\0')).digest('base64url');
  }

  /** The cached token for `key`, or a fresh one from `issue` (one request for concurrent callers). */
  async get(key: string, issue: () => Promise<IssuedToken>): Promise<string> {
    return (await this.entry(key, issue)).token;
  }

  /** Like `get`, with the seconds the token has left (for handing tokens out). */
  async getWithExpiry(key: string, issue: () => Promise<IssuedToken>): Promise<{ token: string; expiresIn: number }> {
    const entry = await this.entry(key, issue);
    return { token: entry.token, expiresIn: Math.max(0, Math.floor((entry.expiresAt - Date.now()) / 1000)) };
  }

  /** Forgets `token` (the vendor refused it) unless a newer one already replaced it. */
  invalidate(key: string, token: string): void {
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }

  clear(): void {
    this.tokens.clear();
  }

  private entry(key: string, issue: () => Promise<IssuedToken>): Promise<CachedToken> {
    const cached = this.tokens.get(key);
    if (cached && Date.now() < cached.renewAt) return Promise.resolve(cached);
    let request = this.pending.get(key);
    if (!request) {
      request = issue()
        .then((issued) => {
          const lifetimeS = Number.isFinite(issued.expiresInSeconds) && issued.expiresInSeconds > 0 ? Math.min(issued.expiresInSeconds, MAX_LIFETIME_S) : DEFAULT_LIFETIME_S;
          const lifetimeMs = lifetimeS * 1000;
          const now = Date.now();
          const entry = { token: issued.token, renewAt: now + lifetimeMs - Math.min(RENEW_EARLY_MS, lifetimeMs / 2), expiresAt: now + lifetimeMs };
          this.tokens.set(key, entry);
          return entry;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, request);
    }
    return request;
  }
}

/**
 * A channel whose vendor works with access tokens and that can hand out its current one (the
 * UMS `GET /v1/token` answer: Borealis acts as the token pool, so an application calling the
 * vendor itself does not invalidate the token Borealis sends with).
 */
export interface IssuesAccessTokens {
  /** The credential's current token and its seconds left; rejects with the reason when none can be had. */
  accessToken(credentials: Record<string, unknown>): Promise<{ token: string; expiresIn: number }>;
}

export function issuesAccessTokens(channel: object): channel is IssuesAccessTokens {
  return typeof (channel as Partial<IssuesAccessTokens>).accessToken === 'function';
}
