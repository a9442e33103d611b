import { createHash } from 'node:crypto';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import type { ChannelCredentials } from '../types.js';
import { networkReason, parseJsonSafe, readCapped, retryAfterMs } from '../vendor-http.js';

/**
 * Google's OAuth2 JWT-bearer grant for a service account (RFC 7523): a self-signed RS256
 * assertion is exchanged at the token endpoint for a short-lived access token, which is cached
 * per credential and renewed ahead of its expiry. Hand-rolled on `jose` rather than
 * google-auth-library, whose current major needs a newer Node and which hides the endpoint.
 */

export const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Assertions live an hour, Google's maximum. */
const ASSERTION_SECONDS = 3600;
/** Renew an access token this long before it expires (5 min). */
const RENEW_EARLY_MS = 5 * 60_000;
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

export interface ServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKeyPem: string;
  privateKeyId?: string;
  tokenUri?: string;
}

/** Reads the service-account JSON fields; a string says what is wrong. */
export function parseServiceAccount(raw: ChannelCredentials): ServiceAccount | string {
  const { project_id: projectId, client_email: clientEmail, private_key: key, private_key_id: keyId, token_uri: tokenUri } = raw;
  if (typeof projectId !== 'string' || !/^[a-z0-9][a-z0-9:.-]{0,99}$/i.test(projectId)) return 'project_id is missing or malformed';
  if (typeof clientEmail !== 'string' || clientEmail.length === 0 || clientEmail.length > 320) return 'client_email is missing';
  if (typeof key !== 'string' || !key.includes('PRIVATE KEY')) return 'private_key is missing or not PEM';
  if (tokenUri !== undefined && (typeof tokenUri !== 'string' || !/^https?:\/\//.test(tokenUri))) return 'token_uri must be an http(s) URL';
  return {
    projectId,
    clientEmail,
    privateKeyPem: key,
    privateKeyId: typeof keyId === 'string' ? keyId : undefined,
    tokenUri: tokenUri as string | undefined,
  };
}

/** Why no access token could be had: `retryable` for outages, not for refused credentials. */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly afterMs?: number,
  ) {
    super(message);
  }
}

interface CachedToken {
  token: string;
  renewAt: number;
}

export class AccessTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests in flight, so concurrent sends of one credential share a single request. */
  private readonly pending = new Map<string, Promise<string>>();
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  /** `endpoint` (deployment config) wins over the credential's own token_uri. */
  constructor(private readonly endpoint?: string) {}

  tokenUri(account: ServiceAccount): string {
    return this.endpoint ?? account.tokenUri ?? DEFAULT_TOKEN_URI;
  }

  async get(account: ServiceAccount): Promise<string> {
    const id = this.cacheKey(account);
    const cached = this.tokens.get(id);
    if (cached && Date.now() < cached.renewAt) return cached.token;
    let request = this.pending.get(id);
    if (!request) {
      request = this.fetchToken(account, id).finally(() => this.pending.delete(id));
      this.pending.set(id, request);
    }
    return request;
  }

  /** Forgets `token` (the vendor refused it) unless a newer one already replaced it. */
  invalidate(account: ServiceAccount, token: string): void {
    const id = this.cacheKey(account);
    if (this.tokens.get(id)?.token === token) this.tokens.delete(id);
  }

  private cacheKey(account: ServiceAccount): string {
    return createHash('sha256')
      .update(`${account.clientEmail}\0${this.tokenUri(account)}\0${account.privateKeyPem}`)
      .digest('base64url');
  }

  private signingKey(account: ServiceAccount): Promise<CryptoKey> {
    const id = createHash('sha256').update(account.privateKeyPem).digest('base64url');
    let key = this.keys.get(id);
    if (!key) {
      key = importPKCS8(account.privateKeyPem, 'RS256');
      key.catch(() => this.keys.delete(id));
      this.keys.set(id, key);
    }
    return key;
  }

  private async fetchToken(account: ServiceAccount, id: string): Promise<string> {
    const uri = this.tokenUri(account);
    let assertion: string;
    try {
      const now = Math.floor(Date.now() / 1000);
      const header = account.privateKeyId ? { alg: 'RS256', typ: 'JWT', kid: account.privateKeyId } : { alg: 'RS256', typ: 'JWT' };
      assertion = await new SignJWT({ scope: SCOPE })
        .setProtectedHeader(header)
        .setIssuer(account.clientEmail)
        .setAudience(uri)
        .setIssuedAt(now)
        .setExpirationTime(now + ASSERTION_SECONDS)
        .sign(await this.signingKey(account));
    } catch (err) {
      throw new TokenError(`private_key cannot sign: ${(err as Error).message}`, false);
    }
    let res: Response;
    try {
      res = await fetch(uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
        signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new TokenError(`token endpoint: ${networkReason(err)}`, true);
    }
    const body = parseJsonSafe(await readCapped(res)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    if (!res.ok) {
      const code = typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`;
      // 4xx: the grant itself was refused (bad key, unknown account): retrying cannot help
      const retryable = res.status === 429 || res.status >= 500;
      throw new TokenError(`token endpoint refused the grant: ${code}`, retryable, retryAfterMs(res.headers.get('retry-after')));
    }
    const token = body?.access_token;
    const lifetime = body?.expires_in;
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new TokenError('token endpoint answered without an access_token', true);
    }
    const lifetimeMs = typeof lifetime === 'number' && lifetime > 0 ? lifetime * 1000 : ASSERTION_SECONDS * 1000;
    // short-lived tokens are renewed at half-life instead of 5 minutes early
    const early = Math.min(RENEW_EARLY_MS, lifetimeMs / 2);
    this.tokens.set(id, { token, renewAt: Date.now() + lifetimeMs - early });
    return token;
  }
}
