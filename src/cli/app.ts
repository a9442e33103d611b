import { createApp, rotateSecret } from '../apps/app-directory.js';
import { openCredentials, openStore } from '../node.js';
import { ALL_RECEIPT_TYPES, normalizeCallbackUrl } from '../receipts/callbacks.js';
import type { Store } from '../store/types.js';
import type { AppLimitsPatch } from '../store/types.js';
import { ACCESSKEY_USAGE, accessKeyCommand } from './accesskey.js';
import { APP_SMS_OPTIONS, APP_SMS_USAGE, appSmsCommand } from './app-sms.js';
import { UsageError, configFrom, parse, stringFlag } from './args.js';
import { CHANNEL_USAGE, channelCommand } from './app-channel.js';

export const APP_USAGE = `borealis app create --name NAME [--json]
borealis app list [--json]
borealis app rotate-secret APP_KEY [--json]
borealis app limits APP_KEY [--rate-limit N] [--rate-window SECONDS] [--broadcasts-per-day N]
borealis app callback APP_KEY --add URL [--default] [--types N] | --remove URL | --list [--json]
  (receipt callback URLs: a push may only name a registered one; the default gets the receipts
   of pushes that name none; --types is a bit mask, 1 received, 2 clicked, 4 not delivered,
   8 sent, used when a push gives no callback.type; default 15)
${CHANNEL_USAGE}
${ACCESSKEY_USAGE}
${APP_SMS_USAGE}
  (each also takes --data DIR and --config FILE; 'default' resets a limit to the server default,
   0 means unlimited)`;

export async function appCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'channel') return channelCommand(rest);
  const { values, positionals } = parse(rest, {
    name: { type: 'string' },
    json: { type: 'boolean' },
    'rate-limit': { type: 'string' },
    'rate-window': { type: 'string' },
    'broadcasts-per-day': { type: 'string' },
    add: { type: 'string' },
    remove: { type: 'string' },
    list: { type: 'boolean' },
    default: { type: 'boolean' },
    types: { type: 'string' },
    ...APP_SMS_OPTIONS,
  });
  if (values.help || sub === undefined || sub === 'help') {
    console.log(APP_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const config = configFrom(values);
  const store = openStore(config);
  try {
    switch (sub) {
      case 'create': {
        const name = stringFlag(values, 'name');
        if (!name || name.length > 128) throw new UsageError('app create needs --name NAME (at most 128 characters)');
        const creds = await createApp(store, name);
        if (values.json) console.log(JSON.stringify(creds));
        else console.log(`appKey:       ${creds.appKey}\nmasterSecret: ${creds.masterSecret}`);
        return 0;
      }
      case 'list': {
        const apps = await store.apps.list();
        const rows = apps.map((a) => ({
          appKey: a.appKey,
          name: a.name,
          createdAt: new Date(a.createdAt).toISOString(),
          rateLimit: a.rateLimit,
          rateWindow: a.rateWindow,
          broadcastsPerDay: a.broadcastPerDay,
        }));
        if (values.json) console.log(JSON.stringify(rows));
        else if (rows.length === 0) console.log('no apps');
        else for (const r of rows) console.log(`${r.appKey}  ${r.createdAt}  ${r.name}`);
        return 0;
      }
      case 'rotate-secret': {
        const appKey = positionals[0];
        if (!appKey) throw new UsageError('app rotate-secret needs APP_KEY');
        const creds = await rotateSecret(store, appKey);
        if (!creds) {
          console.error(`no app ${appKey}`);
          return 1;
        }
        if (values.json) console.log(JSON.stringify(creds));
        else console.log(`appKey:       ${creds.appKey}\nmasterSecret: ${creds.masterSecret}`);
        return 0;
      }
      case 'limits': {
        const appKey = positionals[0];
        if (!appKey) throw new UsageError('app limits needs APP_KEY');
        const patch: AppLimitsPatch = {
          rateLimit: limitValue('--rate-limit', stringFlag(values, 'rate-limit')),
          rateWindow: limitValue('--rate-window', stringFlag(values, 'rate-window')),
          broadcastPerDay: limitValue('--broadcasts-per-day', stringFlag(values, 'broadcasts-per-day')),
        };
        if (patch.rateWindow === 0) throw new UsageError('--rate-window must be at least 1');
        if (!(await store.apps.updateLimits(appKey, patch))) {
          console.error(`no app ${appKey}`);
          return 1;
        }
        const app = await store.apps.get(appKey);
        console.log(JSON.stringify({ appKey, rateLimit: app?.rateLimit, rateWindow: app?.rateWindow, broadcastsPerDay: app?.broadcastPerDay }));
        return 0;
      }
      case 'callback':
        return await callbackCommand(store, positionals[0], values);
      case 'accesskey':
        return await accessKeyCommand(store, () => openCredentials(config, store), positionals, values.json === true);
      case 'sms':
        return await appSmsCommand(store, config, positionals[0], values);
      default:
        throw new UsageError(`unknown app command: ${sub}\n${APP_USAGE}`);
    }
  } finally {
    await store.close();
  }
}

function limitValue(flag: string, raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'default') return null;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} takes a non-negative integer or 'default'`);
  return n;
}

async function callbackCommand(store: Store, appKey: string | undefined, values: Record<string, string | boolean | undefined>): Promise<number> {
  if (!appKey) throw new UsageError('app callback needs APP_KEY');
  const add = stringFlag(values, 'add');
  const remove = stringFlag(values, 'remove');
  const list = values.list === true;
  if ([add !== undefined, remove !== undefined, list].filter(Boolean).length !== 1) {
    throw new UsageError('app callback takes one of --add URL, --remove URL, --list');
  }
  if (add === undefined && (values.default || values.types !== undefined)) {
    throw new UsageError('--default and --types go with --add');
  }
  if (!(await store.apps.get(appKey))) {
    console.error(`no app ${appKey}`);
    return 1;
  }
  const show = (u: { url: string; isDefault: boolean; types: number; createdAt: number }) => ({
    url: u.url,
    default: u.isDefault,
    types: u.types,
    createdAt: new Date(u.createdAt).toISOString(),
  });
  if (add !== undefined) {
    const url = normalizeCallbackUrl(add);
    if (!url) throw new UsageError('--add needs an http(s) URL with a host and no credentials');
    const types = typesValue(stringFlag(values, 'types'));
    const saved = await store.callbacks.addUrl(appKey, url, { isDefault: values.default === true, types }, Date.now());
    console.log(JSON.stringify(show(saved)));
    return 0;
  }
  if (remove !== undefined) {
    const url = normalizeCallbackUrl(remove) ?? remove;
    if (!(await store.callbacks.removeUrl(appKey, url))) {
      console.error(`${remove} is not registered for ${appKey}`);
      return 1;
    }
    console.log(JSON.stringify({ removed: url }));
    return 0;
  }
  const urls = (await store.callbacks.listUrls(appKey)).map(show);
  if (values.json) console.log(JSON.stringify(urls));
  else if (urls.length === 0) console.log('no callback URLs');
  else for (const u of urls) console.log(`${u.url}  types=${u.types}${u.default ? '  (default)' : ''}`);
  return 0;
}

function typesValue(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || n < 1 || n > ALL_RECEIPT_TYPES) throw new UsageError(`--types takes a bit mask 1..${ALL_RECEIPT_TYPES}`);
  return n;
}
