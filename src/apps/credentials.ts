import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** An appKey as JPush issues them: 24 lowercase hex characters. */
export const APP_KEY_PATTERN = /^[0-9a-f]{24}$/;

export interface Credentials {
  appKey: string;
  masterSecret: string;
}

export function newAppKey(): string {
  return randomBytes(12).toString('hex');
}

/** 96 random bits, shown once; only its digest is stored. */
export function newMasterSecret(): string {
  return randomBytes(12).toString('hex');
}

/**
 * The secret is random, not chosen by a person, so a plain SHA-256 digest already makes a
 * stolen database useless for authentication; a slow password hash would only tax every request.
 */
export function hashSecret(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** Compared against when there is no stored digest (unknown app or device), so the miss costs the same work. */
export const EMPTY_SECRET_HASH = hashSecret('');

/** Constant-time check of a presented secret against a stored digest. */
export function secretMatches(presented: string, storedHash: Buffer): boolean {
  const digest = hashSecret(presented);
  return digest.length === storedHash.length && timingSafeEqual(digest, storedHash);
}
