import { createHash } from 'node:crypto';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import type { ApnsTokenCredentials } from '../credential-shapes.js';

/** Apple accepts a provider token for an hour; a fresh one is made well before. */
export const TOKEN_REFRESH_MS = 50 * 60_000;

interface Cached {
  jwt: string;
  issuedAt: number;
}

/** ES256 provider tokens (JWT) per signing key, cached and refreshed before they expire. */
export class ProviderTokens {
  private readonly keys = new Map<string, Promise<CryptoKey>>();
  private readonly tokens = new Map<string, Promise<Cached>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A current token for these credentials. */
  async get(c: ApnsTokenCredentials): Promise<string> {
    const id = credentialId(c);
    const current = this.tokens.get(id);
    if (current) {
      const cached = await current.catch(() => undefined);
      if (cached && this.now() - cached.issuedAt < TOKEN_REFRESH_MS) return cached.jwt;
      if (this.tokens.get(id) !== current) return this.get(c);
    }
    return (await this.make(id, c)).jwt;
  }

  /** APNs called `jwt` expired: the next `get` makes a new one (once, however many requests saw it). */
  async expired(c: ApnsTokenCredentials, jwt: string): Promise<void> {
    const id = credentialId(c);
    const cached = await this.tokens.get(id)?.catch(() => undefined);
    if (cached && cached.jwt === jwt) this.tokens.delete(id);
  }

  private make(id: string, c: ApnsTokenCredentials): Promise<Cached> {
    const made = (async () => {
      let key = this.keys.get(id);
      if (!key) {
        key = importPKCS8(c.key, 'ES256');
        this.keys.set(id, key);
      }
      const issuedAt = this.now();
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: c.keyId })
        .setIssuer(c.teamId)
        .setIssuedAt(Math.floor(issuedAt / 1000))
        .sign(await key);
      return { jwt, issuedAt };
    })();
    this.tokens.set(id, made);
    made.catch(() => this.tokens.delete(id));
    return made;
  }
}

/** Identifies one credential without keeping its secret as a map key. */
export function credentialId(c: object): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('base64url');
}
