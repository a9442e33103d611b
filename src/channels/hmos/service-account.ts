import { createHash, createPrivateKey } from 'node:crypto';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import { receiptCallbackFields } from '../huawei/credentials.js';
import type { ChannelCredentials } from '../types.js';

/**
 * HarmonyOS Push Kit authenticates every request with a JWT the sender signs itself from its
 * service-account key (PS256, no token exchange): header `{kid: key_id, typ, alg: PS256}`,
 * claims `{iss: sub_account, aud: Huawei's token URL, iat, exp}`. Push Kit refuses JWTs that
 * live longer than a day, so they are made for an hour and re-signed 5 minutes before expiry.
 */

/** The audience Push Kit expects, whatever endpoint the requests go to. */
export const HMOS_JWT_AUDIENCE = 'https://oauth-login.cloud.huawei.com/oauth2/v3/token';
const DEFAULT_LIFETIME_S = 3600;
const RENEW_EARLY_MS = 5 * 60_000;

export interface HmosServiceAccount {
  projectId: string;
  keyId: string;
  subAccount: string;
  privateKeyPem: string;
}

export function parseHmosServiceAccount(raw: ChannelCredentials): HmosServiceAccount | string {
  const { project_id: projectId, key_id: keyId, sub_account: subAccount, private_key: key } = raw;
  if (typeof projectId !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(projectId)) return 'project_id is missing or malformed';
  if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 256) return 'key_id is missing';
  if (typeof subAccount !== 'string' || subAccount.length === 0 || subAccount.length > 256) return 'sub_account is missing';
  if (typeof key !== 'string' || !key.includes('PRIVATE KEY')) return 'private_key is missing or not PEM';
  return { projectId, keyId, subAccount, privateKeyPem: key };
}

/** Checks a service-account JSON (plus optional receipt callback settings) before it is stored. */
export function checkHmosCredentials(raw: Record<string, unknown>): ChannelCredentials {
  const parsed = parseHmosServiceAccount(raw);
  if (typeof parsed === 'string') throw new Error(parsed);
  let key;
  try {
    key = createPrivateKey(parsed.privateKeyPem);
  } catch {
    throw new Error('private_key is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') throw new Error('private_key must be an RSA key (PS256)');
  return {
    project_id: parsed.projectId,
    key_id: parsed.keyId,
    sub_account: parsed.subAccount,
    private_key: parsed.privateKeyPem,
    ...receiptCallbackFields(raw),
  };
}

export class HmosJwtSigner {
  private readonly jwts = new Map<string, { jwt: string; renewAt: number }>();
  private readonly keys = new Map<string, Promise<CryptoKey>>();
  /** JWTs signed (for tests and metrics). */
  signed = 0;

  constructor(private readonly lifetimeSeconds = DEFAULT_LIFETIME_S) {}

  async get(account: HmosServiceAccount): Promise<string> {
    const id = this.cacheKey(account);
    const cached = this.jwts.get(id);
    if (cached && Date.now() < cached.renewAt) return cached.jwt;
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({})
      .setProtectedHeader({ kid: account.keyId, typ: 'JWT', alg: 'PS256' })
      .setIssuer(account.subAccount)
      .setAudience(HMOS_JWT_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.lifetimeSeconds)
      .sign(await this.signingKey(account));
    this.signed++;
    const lifetimeMs = this.lifetimeSeconds * 1000;
    this.jwts.set(id, { jwt, renewAt: now * 1000 + lifetimeMs - Math.min(RENEW_EARLY_MS, lifetimeMs / 2) });
    return jwt;
  }

  /** Forgets `jwt` (Push Kit called it expired) unless a newer one replaced it. */
  invalidate(account: HmosServiceAccount, jwt: string): void {
    const id = this.cacheKey(account);
    if (this.jwts.get(id)?.jwt === jwt) this.jwts.delete(id);
  }

  private cacheKey(account: HmosServiceAccount): string {
    return createHash('sha256').update(`${account.keyId}\0${account.subAccount}\0${account.privateKeyPem}`).digest('base64url');
  }

  private signingKey(account: HmosServiceAccount): Promise<CryptoKey> {
    const id = createHash('sha256').update(account.privateKeyPem).digest('base64url');
    let key = this.keys.get(id);
    if (!key) {
      key = importPKCS8(account.privateKeyPem, 'PS256');
      key.catch(() => this.keys.delete(id));
      this.keys.set(id, key);
    }
    return key;
  }
}
