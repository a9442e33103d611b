import { createECDH, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ChannelCredentials } from '../types.js';

/**
 * VAPID (RFC 8292): the application server proves to a push service which key it is, with an
 * ES256 JWT whose audience is the push service's origin. Keys are raw P-256 values in
 * base64url, as browsers take them (`applicationServerKey`): the public key as the 65-byte
 * uncompressed point, the private key as the 32-byte scalar.
 */

/** JWTs are valid 12 hours (the RFC allows 24) and reused until 1 hour before they expire. */
const JWT_SECONDS = 12 * 3600;
const REUSE_MARGIN_SECONDS = 3600;
const MAX_CACHED_JWTS = 1000;

export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = privateKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return {
    publicKey: Buffer.concat([Buffer.from([4]), x, y]).toString('base64url'),
    privateKey: Buffer.from(jwk.d!, 'base64url').toString('base64url'),
  };
}

export interface VapidKeys {
  publicKey: string;
  subject: string;
  signingKey: KeyObject;
}

/** Checks the `{ publicKey, privateKey, subject }` credentials; a string says what is wrong. */
export function parseVapidCredentials(raw: ChannelCredentials): VapidKeys | string {
  const { publicKey, privateKey, subject } = raw;
  if (typeof publicKey !== 'string' || typeof privateKey !== 'string') return 'publicKey and privateKey are required (base64url)';
  if (typeof subject !== 'string' || !/^(mailto:|https:\/\/)\S+$/.test(subject)) return 'subject must be a mailto: or https: URL';
  const pub = Buffer.from(publicKey, 'base64url');
  const d = Buffer.from(privateKey, 'base64url');
  if (pub.length !== 65 || pub[0] !== 4) return 'publicKey must be a 65-byte uncompressed P-256 point';
  if (d.length !== 32) return 'privateKey must be a 32-byte P-256 scalar';
  try {
    // the pair must match, else every push service refuses every request
    const derived = createECDH('prime256v1');
    derived.setPrivateKey(d);
    if (!derived.getPublicKey().equals(pub)) return 'publicKey does not belong to privateKey';
    const signingKey = createPrivateKey({
      format: 'jwk',
      key: { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') },
    });
    return { publicKey: pub.toString('base64url'), subject, signingKey };
  } catch {
    return 'privateKey is not a valid P-256 key';
  }
}

/** Signs and caches the `Authorization: vapid` header per (key, push service origin). */
export class VapidSigner {
  private readonly cache = new Map<string, { header: string; reuseUntil: number }>();

  async authorization(keys: VapidKeys, audience: string): Promise<string> {
    const id = `${keys.publicKey}\0${keys.subject}\0${audience}`;
    const now = Math.floor(Date.now() / 1000);
    const hit = this.cache.get(id);
    if (hit && now < hit.reuseUntil) return hit.header;
    const jwt = await new SignJWT({ sub: keys.subject })
      .setProtectedHeader({ typ: 'JWT', alg: 'ES256' })
      .setAudience(audience)
      .setExpirationTime(now + JWT_SECONDS)
      .sign(keys.signingKey);
    const header = `vapid t=${jwt}, k=${keys.publicKey}`;
    if (this.cache.size >= MAX_CACHED_JWTS) this.cache.clear();
    this.cache.set(id, { header, reuseUntil: now + JWT_SECONDS - REUSE_MARGIN_SECONDS });
    return header;
  }
}
