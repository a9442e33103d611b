import { randomInt } from 'node:crypto';
import type { AccessKeyRecord, Store } from '../store/types.js';

/**
 * AccessKey pairs for the EMAS OpenAPI. A pair acts for one app. The first pair of an app also
 * gives the app its numeric EMAS AppKey (Alibaba's SDKs send AppKey as an integer), which
 * requests must name: a pair can never reach another app's devices.
 */

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** Shaped like Alibaba's (LTAI + 20 characters), so tools that check the shape accept them. */
export const ACCESS_KEY_ID_PATTERN = /^LTAI[A-Za-z0-9]{20}$/;

export interface IssuedAccessKey {
  accessKeyId: string;
  /** 30 random alphanumerics (about 178 bits); shown once. */
  accessKeySecret: string;
  appKey: string;
  emasAppKey: number;
}

/** Seals secrets for storage (the channel credentials service does, with the credentials key). */
export interface SecretSealer {
  sealSecret(appKey: string, purpose: string, secret: string): string;
  openSecret(appKey: string, purpose: string, stored: string): string;
}

/** The sealing purpose of one AccessKey's secret: a sealed secret opens only for its own key id and app. */
const purposeOf = (accessKeyId: string) => `emas-accesskey:${accessKeyId}`;

/** Creates a pair; the secret is stored sealed (AES-256-GCM with the credentials key) and shown only here. */
export async function createAccessKey(store: Store, sealer: SecretSealer, appKey: string): Promise<IssuedAccessKey | undefined> {
  if (!(await store.apps.get(appKey))) return undefined;
  const emasAppKey = (await store.emas.emasAppKey(appKey, true))!;
  const accessKeyId = 'LTAI' + randomText(20);
  const secret = randomText(30);
  const key: AccessKeyRecord = {
    accessKeyId,
    appKey,
    secret: sealer.sealSecret(appKey, purposeOf(accessKeyId), secret),
    createdAt: Date.now(),
    disabledAt: null,
  };
  await store.emas.createAccessKey(key);
  return { accessKeyId, accessKeySecret: secret, appKey, emasAppKey };
}

/** The secret of a stored pair, for checking signatures (pairs created before sealing are plain text). */
export function accessKeySecret(sealer: SecretSealer, key: AccessKeyRecord): string {
  return sealer.openSecret(key.appKey, purposeOf(key.accessKeyId), key.secret);
}

export interface AccessKeyInfo {
  accessKeyId: string;
  createdAt: number;
  disabledAt: number | null;
}

export async function listAccessKeys(store: Store, appKey: string): Promise<{ emasAppKey: number | undefined; keys: AccessKeyInfo[] }> {
  const keys = await store.emas.accessKeys(appKey);
  return {
    emasAppKey: await store.emas.emasAppKey(appKey, false),
    keys: keys.map((k) => ({ accessKeyId: k.accessKeyId, createdAt: k.createdAt, disabledAt: k.disabledAt })),
  };
}

export async function disableAccessKey(store: Store, appKey: string, accessKeyId: string): Promise<boolean> {
  return store.emas.disableAccessKey(appKey, accessKeyId, Date.now());
}
