import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Channel credentials are sealed with AES-256-GCM before they reach the store. The app key and
 * channel are authenticated data, so a sealed blob copied to another app's row does not open:
 * one app can never use another's credentials, even through a tampered database.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 1;

export class SealingError extends Error {}

export function parseKey(raw: string, where: string): Buffer {
  const text = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new SealingError(`${where} must be 32 bytes: 64 hex digits or base64`);
  return key;
}

/**
 * The sealing key: `channels.credentialsKey`, else BOREALIS_CREDENTIALS_KEY, else the file
 * `credentials.key` in the data directory, created (mode 0600) with a random key when missing.
 * Losing that file makes stored credentials unreadable: back it up with the database.
 */
export function loadSealingKey(configured: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (configured) return parseKey(configured, 'channels.credentialsKey');
  if (env.BOREALIS_CREDENTIALS_KEY) return parseKey(env.BOREALIS_CREDENTIALS_KEY, 'BOREALIS_CREDENTIALS_KEY');
  const file = join(dataDir, 'credentials.key');
  if (existsSync(file)) return parseKey(readFileSync(file, 'utf8'), file);
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx': two processes starting at once cannot both write a different key
  try {
    writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseKey(readFileSync(file, 'utf8'), file);
    throw err;
  }
  chmodSync(file, 0o600);
  return key;
}

function aad(appKey: string, channel: string): Buffer {
  return Buffer.from(`borealis-credentials\0${appKey}\0${channel}`);
}

export function seal(key: Buffer, appKey: string, channel: string, value: unknown): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(appKey, channel));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

export function unseal(key: Buffer, appKey: string, channel: string, sealed: Buffer): unknown {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw new SealingError('sealed credentials are malformed');
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad(appKey, channel));
  decipher.setAuthTag(tag);
  try {
    const text = Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as unknown;
  } catch {
    throw new SealingError('sealed credentials do not open with this key (wrong key, or not this app and channel)');
  }
}
