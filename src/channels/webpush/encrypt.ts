import { createCipheriv, createECDH, hkdfSync, randomBytes, type ECDH } from 'node:crypto';

/**
 * Web Push message encryption (RFC 8291) in the aes128gcm content coding (RFC 8188), on
 * node:crypto alone: ECDH P-256 with the browser's `p256dh` key, HKDF-SHA-256 keyed by its
 * `auth` secret, AES-128-GCM, one record. Written here rather than taken from `web-push`
 * because it is a few dozen lines of built-in primitives, while that package brings its own
 * HTTP client, proxy agent and older ASN.1/JWS code paths this server does not use.
 */

/** Record size written in the header; one record holds the whole message. */
const RECORD_SIZE = 4096;
/** salt(16) + rs(4) + idlen(1) + sender public key(65). */
export const HEADER_BYTES = 86;
const TAG_BYTES = 16;
/** Largest plaintext in a 4096-byte body: 4096 - header - tag - padding delimiter. */
export const MAX_PLAINTEXT_BYTES = RECORD_SIZE - HEADER_BYTES - TAG_BYTES - 1;

export class SubscriptionKeyError extends Error {}

export interface EncryptOptions {
  /** Fixed salt and sender key, only for reproducing the RFC's worked example in tests. */
  salt?: Buffer;
  senderKey?: ECDH;
}

export function decodeSubscriptionKeys(p256dh: string, auth: string): { uaPublic: Buffer; authSecret: Buffer } {
  const uaPublic = Buffer.from(p256dh, 'base64url');
  const authSecret = Buffer.from(auth, 'base64url');
  if (uaPublic.length !== 65 || uaPublic[0] !== 4) throw new SubscriptionKeyError('p256dh is not a 65-byte uncompressed P-256 point');
  if (authSecret.length !== 16) throw new SubscriptionKeyError('auth is not 16 bytes');
  return { uaPublic, authSecret };
}

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** The content key and nonce both sides derive (exported for the test fake's decryption). */
export function deriveKeys(ecdhSecret: Buffer, authSecret: Buffer, uaPublic: Buffer, asPublic: Buffer, salt: Buffer): { cek: Buffer; nonce: Buffer } {
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = hkdf(ecdhSecret, authSecret, keyInfo, 32);
  return {
    cek: hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16),
    nonce: hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12),
  };
}

/** Encrypts `plaintext` for one subscription; the result is the whole request body. */
export function encryptPayload(plaintext: Buffer, p256dh: string, auth: string, options: EncryptOptions = {}): Buffer {
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new RangeError(`payload is ${plaintext.length} bytes, at most ${MAX_PLAINTEXT_BYTES} fit`);
  const { uaPublic, authSecret } = decodeSubscriptionKeys(p256dh, auth);
  const sender = options.senderKey ?? createECDH('prime256v1');
  if (!options.senderKey) sender.generateKeys();
  const asPublic = sender.getPublicKey();
  let ecdhSecret: Buffer;
  try {
    ecdhSecret = sender.computeSecret(uaPublic);
  } catch {
    throw new SubscriptionKeyError('p256dh is not a point on P-256');
  }
  const salt = options.salt ?? randomBytes(16);
  const { cek, nonce } = deriveKeys(ecdhSecret, authSecret, uaPublic, asPublic, salt);
  const cipher = createCipheriv('aes-128-gcm', cek, nonce);
  // 0x02 marks the last (only) record; no further padding
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.update(Buffer.from([2])), cipher.final(), cipher.getAuthTag()]);
  const header = Buffer.alloc(HEADER_BYTES);
  salt.copy(header, 0);
  header.writeUInt32BE(RECORD_SIZE, 16);
  header.writeUInt8(65, 20);
  asPublic.copy(header, 21);
  return Buffer.concat([header, sealed]);
}
