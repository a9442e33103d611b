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

export async function createAccessKey(store: Store, appKey: string): Promise<IssuedAccessKey | undefined> {
  if (!(await store.apps.get(appKey))) return undefined;
  const emasAppKey = (await store.emas.emasAppKey(appKey, true))!;
  const key: AccessKeyRecord = {
    accessKeyId: 'LTAI' + randomText(20),
    appKey,
    secret: randomText(30),
    createdAt: Date.now(),
    disabledAt: null,
  };
  await store.emas.createAccessKey(key);
  return { accessKeyId: key.accessKeyId, accessKeySecret: key.secret, appKey, emasAppKey };
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
