import { createHash } from 'node:crypto';
import type { BearerSource } from './token-batches.js';
import type { TargetResult } from './types.js';
import { networkReason, parseJsonSafe, readCapped, retryAfterMs } from './vendor-http.js';

/**
 * The OAuth2 client-credentials grant (RFC 6749 §4.4) as the vendors that use it for push
 * (Huawei HMS, Honor) speak it: a form POST of client id and secret answered with an access
 * token and its lifetime. Tokens are cached per (endpoint, client) and renewed ahead of expiry;
 * concurrent sends of one client share a single token request, because the vendors throttle
 * clients that ask too often.
 */

/** Renew a token this long before it expires (5 min), or at half-life for short-lived ones. */
const RENEW_EARLY_MS = 5 * 60_000;
const DEFAULT_LIFETIME_S = 3600;
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

/** Why no access token could be had: `retryable` for outages, not for refused credentials. */
export class AccessTokenError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly afterMs?: number,
  ) {
    super(message);
  }
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

interface CachedToken {
  token: string;
  renewAt: number;
}

export class ClientCredentialsTokens {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();
  /** Token requests made (for operators' metrics and tests). */
  requests = 0;

  constructor(
    private readonly endpoint: string,
    private readonly timeoutMs = TOKEN_REQUEST_TIMEOUT_MS,
  ) {}

  async get(client: ClientCredentials): Promise<string> {
    const id = this.cacheKey(client);
    const cached = this.tokens.get(id);
    if (cached && Date.now() < cached.renewAt) return cached.token;
    let request = this.pending.get(id);
    if (!request) {
      request = this.fetchToken(client, id).finally(() => this.pending.delete(id));
      this.pending.set(id, request);
    }
    return request;
  }

  /** The bearer source of one client, for sendWithBearer (channels/token-batches.ts). */
  bearer(client: ClientCredentials): BearerSource {
    return { get: () => this.get(client), invalidate: (token) => this.invalidate(client, token), failure: tokenFailure };
  }

  /** Forgets `token` (the vendor called it expired or invalid) unless a newer one replaced it. */
  invalidate(client: ClientCredentials, token: string): void {
    const id = this.cacheKey(client);
    if (this.tokens.get(id)?.token === token) this.tokens.delete(id);
  }

  private cacheKey(client: ClientCredentials): string {
    return createHash('sha256').update(`${this.endpoint}\0${client.clientId}\0${client.clientSecret}`).digest('base64url');
  }

  private async fetchToken(client: ClientCredentials, id: string): Promise<string> {
    this.requests++;
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new AccessTokenError(`token endpoint: ${networkReason(err)}`, true);
    }
    const body = parseJsonSafe(await readCapped(res)) as
      | { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown }
      | undefined;
    if (!res.ok) {
      const code = body?.error !== undefined ? String(body.error).slice(0, 60) : `HTTP ${res.status}`;
      const detail = typeof body?.error_description === 'string' ? `: ${body.error_description.slice(0, 120)}` : '';
      // 4xx: the client id or secret was refused; asking again cannot help
      const retryable = res.status === 429 || res.status >= 500;
      throw new AccessTokenError(`token endpoint refused the client: ${code}${detail}`, retryable, retryAfterMs(res.headers.get('retry-after')));
    }
    const token = body?.access_token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
      throw new AccessTokenError('token endpoint answered without an access_token', true);
    }
    const lifetime = body?.expires_in;
    const seconds = typeof lifetime === 'number' && lifetime > 0 ? lifetime : typeof lifetime === 'string' && /^\d{1,9}$/.test(lifetime) ? Number(lifetime) : DEFAULT_LIFETIME_S;
    const lifetimeMs = seconds * 1000;
    this.tokens.set(id, { token, renewAt: Date.now() + lifetimeMs - Math.min(RENEW_EARLY_MS, lifetimeMs / 2) });
    return token;
  }
}

/** The result for every token when no access token could be had. */
export function tokenFailure(err: unknown): TargetResult {
  if (!(err instanceof AccessTokenError)) return { kind: 'retry', reason: `token endpoint: ${networkReason(err)}` };
  if (!err.retryable) return { kind: 'rejected', reason: err.message, code: 'auth' };
  return err.afterMs === undefined ? { kind: 'retry', reason: err.message } : { kind: 'retry', afterMs: err.afterMs, reason: err.message };
}
