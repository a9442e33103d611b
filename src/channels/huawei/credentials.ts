import type { ChannelCredentials } from '../types.js';

/**
 * An app's credentials for the Huawei family: what each channel needs, checked when they are
 * stored (a string says what is wrong) and described without secrets for `--show`.
 */

const ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The channels whose credentials are described here (HarmonyOS's are checked in its own folder). */
export const HUAWEI_FAMILY_CHANNELS = ['huawei', 'hmos', 'honor'] as const;

function text(raw: Record<string, unknown>, name: string, max: number): string {
  const v = raw[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new Error(`${name} must be a non-empty string`);
  return v;
}

/** The optional receipt callback user and key (AppGallery Connect / Honor console receipt settings). */
function callback(raw: Record<string, unknown>): Record<string, string> {
  const user = raw.callbackUser;
  const key = raw.callbackKey;
  if (user === undefined && key === undefined) return {};
  if (typeof user !== 'string' || user === '' || user.length > 256 || typeof key !== 'string' || key === '' || key.length > 512) {
    throw new Error('callbackUser and callbackKey go together, as non-empty strings');
  }
  return { callbackUser: user, callbackKey: key };
}

export interface HmsCredentials {
  appId: string;
  appSecret: string;
}

export function parseHmsCredentials(raw: ChannelCredentials): HmsCredentials | string {
  const { appId, appSecret } = raw;
  if (typeof appId !== 'string' || !ID.test(appId)) return 'appId is missing or malformed';
  if (typeof appSecret !== 'string' || appSecret.length === 0 || appSecret.length > 512) return 'appSecret is missing';
  return { appId, appSecret };
}

export function checkHmsCredentials(raw: Record<string, unknown>): ChannelCredentials {
  const out = { appId: text(raw, 'appId', 128), appSecret: text(raw, 'appSecret', 512), ...callback(raw) };
  const parsed = parseHmsCredentials(out);
  if (typeof parsed === 'string') throw new Error(parsed);
  return out;
}

export interface HonorCredentials {
  appId: string;
  clientId: string;
  clientSecret: string;
}

export function parseHonorCredentials(raw: ChannelCredentials): HonorCredentials | string {
  const { appId, clientId, clientSecret } = raw;
  if (typeof appId !== 'string' || !ID.test(appId)) return 'appId is missing or malformed';
  if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 256) return 'clientId is missing';
  if (typeof clientSecret !== 'string' || clientSecret.length === 0 || clientSecret.length > 512) return 'clientSecret is missing';
  return { appId, clientId, clientSecret };
}

export function checkHonorCredentials(raw: Record<string, unknown>): ChannelCredentials {
  const out = { appId: text(raw, 'appId', 128), clientId: text(raw, 'clientId', 256), clientSecret: text(raw, 'clientSecret', 512), ...callback(raw) };
  const parsed = parseHonorCredentials(out);
  if (typeof parsed === 'string') throw new Error(parsed);
  return out;
}

export function checkHuaweiFamilyCredentials(channel: 'huawei' | 'honor', raw: Record<string, unknown>): ChannelCredentials {
  return channel === 'huawei' ? checkHmsCredentials(raw) : checkHonorCredentials(raw);
}

/** What `--show` prints: identifiers and whether receipts are set up, never a secret. */
export function describeHuaweiFamilyCredentials(channel: string, c: ChannelCredentials): Record<string, string> {
  const receipts = typeof c.callbackUser === 'string' ? `signed, callback user ${c.callbackUser}` : 'not configured';
  if (channel === 'huawei') return { appId: String(c.appId), receipts };
  if (channel === 'honor') return { appId: String(c.appId), clientId: String(c.clientId), receipts };
  if (channel === 'hmos') return { project_id: String(c.project_id), key_id: String(c.key_id), sub_account: String(c.sub_account), receipts };
  return {};
}

export { callback as receiptCallbackFields };
