import type { Config } from '../config.js';
import type { Store } from '../store/types.js';
import { UsageError, stringFlag } from './args.js';

export const APP_SMS_USAGE = `borealis app sms APP_KEY --key K --secret S [--endpoint URL] [--sign-id N] | --show [--json] | --off
  (the app's SMS gateway account for sms_message: JSMS protocol, Basic K:S, endpoint default
   the config's sms.endpoint; --sign-id is the signature used when a push names none)`;

export const APP_SMS_OPTIONS = {
  endpoint: { type: 'string' },
  key: { type: 'string' },
  secret: { type: 'string' },
  'sign-id': { type: 'string' },
  show: { type: 'boolean' },
  off: { type: 'boolean' },
} as const;

/** `borealis app sms APP_KEY ...`: sets, shows or removes an app's SMS gateway account. */
export async function appSmsCommand(store: Store, config: Config, appKey: string | undefined, values: Record<string, string | boolean | undefined>): Promise<number> {
  if (!appKey) throw new UsageError('app sms needs APP_KEY');
  if (!(await store.apps.get(appKey))) {
    console.error(`no app ${appKey}`);
    return 1;
  }
  const key = stringFlag(values, 'key');
  const secret = stringFlag(values, 'secret');
  const setting = key !== undefined || secret !== undefined || values.endpoint !== undefined || values['sign-id'] !== undefined;
  if ([setting, values.show === true, values.off === true].filter(Boolean).length !== 1) {
    throw new UsageError(`app sms takes --key and --secret (to set), --show or --off\n${APP_SMS_USAGE}`);
  }
  if (values.off) {
    const removed = await store.sms.removeAccount(appKey);
    console.log(JSON.stringify({ appKey, sms: removed ? 'removed' : 'none' }));
    return 0;
  }
  if (values.show) {
    const a = await store.sms.getAccount(appKey);
    // the secret is never printed
    const shown = a ? { appKey, endpoint: a.endpoint, key: a.key, signId: a.signId, updatedAt: new Date(a.updatedAt).toISOString() } : { appKey, sms: 'none' };
    console.log(JSON.stringify(shown));
    return 0;
  }
  if (!key || !secret || key.length > 128 || secret.length > 256) throw new UsageError('app sms needs --key and --secret (at most 128 and 256 characters)');
  const endpoint = stringFlag(values, 'endpoint') ?? config.sms.endpoint;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError('--endpoint must be an http(s) URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw new UsageError('--endpoint must be an http(s) URL without credentials');
  }
  const rawSign = stringFlag(values, 'sign-id');
  if (rawSign !== undefined && !/^[0-9]{1,12}$/.test(rawSign)) throw new UsageError('--sign-id takes a non-negative integer');
  const signId = rawSign === undefined ? null : Number(rawSign);
  await store.sms.setAccount({ appKey, endpoint: url.href.replace(/\/+$/, ''), key, secret, signId, updatedAt: Date.now() });
  console.log(JSON.stringify({ appKey, endpoint: url.href.replace(/\/+$/, ''), key, signId }));
  return 0;
}
