import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** Shortest password an operator may set. */
export const MIN_PASSWORD_LENGTH = 10;

/** argon2id with the library's defaults (19 MiB, 2 passes: OWASP's minimum), as a PHC string. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** False also for a stored hash that cannot be read. */
export async function passwordMatches(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A password to print once: 18 random bytes, URL-safe base64 (24 characters). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A hash to verify against when the name is unknown, so both cases take as long. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hash(randomBytes(16).toString('hex'));
  return decoy;
}
