import { HUAWEI_FAMILY_CHANNELS } from '../channels/huawei/credentials.js';
import { UsageError, stringFlag, type ParsedArgs } from './args.js';

/**
 * `borealis app channel` for Huawei HMS, HarmonyOS and Honor: the flags, the usage lines and
 * how the flags become the credentials object that the channel checks.
 */

export const HUAWEI_FAMILY_FLAGS = {
  'app-id': { type: 'string' },
  'app-secret': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'callback-user': { type: 'string' },
  'callback-key': { type: 'string' },
} as const;

export const HUAWEI_FAMILY_USAGE = `borealis app channel APP_KEY huawei --app-id ID --app-secret SECRET [--callback-user U --callback-key K]
borealis app channel APP_KEY hmos --service-account FILE [--callback-user U --callback-key K]
borealis app channel APP_KEY honor --app-id ID --client-id ID --client-secret SECRET [--callback-user U --callback-key K]
  (--callback-user / --callback-key: the receipt callback user name and key set in the vendor's
   console; receipts are accepted only when they are stored)`;

export function isHuaweiFamily(channel: string): boolean {
  return (HUAWEI_FAMILY_CHANNELS as readonly string[]).includes(channel);
}

function required(values: ParsedArgs['values'], flag: string, channel: string): string {
  const v = stringFlag(values, flag);
  if (!v) throw new UsageError(`${channel} needs --${flag}`);
  return v;
}

/** The credentials object for `channel` from the flags; `readFile` reads --service-account. */
export function huaweiFamilyCredentials(channel: string, values: ParsedArgs['values'], readFile: (flag: string) => string): Record<string, unknown> {
  const callback: Record<string, string> = {};
  const user = stringFlag(values, 'callback-user');
  const key = stringFlag(values, 'callback-key');
  if ((user === undefined) !== (key === undefined)) throw new UsageError('--callback-user and --callback-key go together');
  if (user !== undefined && key !== undefined) Object.assign(callback, { callbackUser: user, callbackKey: key });
  if (channel === 'huawei') return { appId: required(values, 'app-id', channel), appSecret: required(values, 'app-secret', channel), ...callback };
  if (channel === 'honor') {
    return { appId: required(values, 'app-id', channel), clientId: required(values, 'client-id', channel), clientSecret: required(values, 'client-secret', channel), ...callback };
  }
  let account: unknown;
  try {
    account = JSON.parse(readFile('service-account'));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError('--service-account must be the HarmonyOS service account JSON file');
  }
  if (typeof account !== 'object' || account === null || Array.isArray(account)) throw new UsageError('--service-account must hold a JSON object');
  return { ...(account as Record<string, unknown>), ...callback };
}
