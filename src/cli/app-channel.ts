import { readFileSync } from 'node:fs';
import { cnVendorCredentialFlags, CN_VENDOR_FLAGS, isCnVendorChannel } from '../channels/cn-vendors/credentials.js';
import { CREDENTIAL_CHANNELS, CredentialError } from '../channels/credential-shapes.js';
import { SealingError } from '../channels/sealing.js';
import { generateVapidKeys } from '../channels/webpush/vapid.js';
import { openCredentials, openStore } from '../node.js';
import { HUAWEI_FAMILY_FLAGS, HUAWEI_FAMILY_USAGE, huaweiFamilyCredentials, isHuaweiFamily } from './app-channel-huawei.js';
import { UsageError, configFrom, parse, stringFlag } from './args.js';

export const CHANNEL_USAGE = `borealis app channel APP_KEY apns --p8 FILE --key-id ID --team-id ID --topic BUNDLE_ID [--production|--sandbox]
borealis app channel APP_KEY apns --cert FILE --key FILE --topic BUNDLE_ID [--production|--sandbox]
borealis app channel APP_KEY apns --p12 FILE [--passphrase P] --topic BUNDLE_ID [--production|--sandbox]
borealis app channel APP_KEY fcm --service-account FILE
borealis app channel APP_KEY webpush --generate [--subject mailto:you@example.com] | --public KEY --private KEY [--subject S]
${HUAWEI_FAMILY_USAGE}
borealis app channel APP_KEY xiaomi --app-secret S --package P
borealis app channel APP_KEY oppo --app-key K --master-secret S
borealis app channel APP_KEY vivo --app-id I --app-key K --app-secret S
borealis app channel APP_KEY meizu --app-id I --app-secret S
borealis app channel APP_KEY CHANNEL --show [--json] | --remove
  (credentials are stored encrypted; --show prints identifiers only, never keys.
   APNs follows each push's apns_production unless --production or --sandbox pins one endpoint)`;

function readFlagFile(values: Record<string, string | boolean | undefined>, flag: string): string {
  const file = stringFlag(values, flag);
  if (!file) throw new UsageError(`--${flag} FILE is required`);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function apnsCredentials(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  if (values.production && values.sandbox) throw new UsageError('--production and --sandbox exclude each other');
  const environment = values.production ? 'production' : values.sandbox ? 'sandbox' : 'push';
  const topic = stringFlag(values, 'topic');
  if (!topic) throw new UsageError('apns needs --topic BUNDLE_ID');
  if (stringFlag(values, 'p8')) {
    return { auth: 'token', key: readFlagFile(values, 'p8'), keyId: stringFlag(values, 'key-id'), teamId: stringFlag(values, 'team-id'), topic, environment };
  }
  if (stringFlag(values, 'p12')) {
    const file = stringFlag(values, 'p12')!;
    let pfx: Buffer;
    try {
      pfx = readFileSync(file);
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    return { auth: 'certificate', pfx: pfx.toString('base64'), passphrase: stringFlag(values, 'passphrase'), topic, environment };
  }
  if (stringFlag(values, 'cert')) {
    return { auth: 'certificate', cert: readFlagFile(values, 'cert'), key: readFlagFile(values, 'key'), topic, environment };
  }
  throw new UsageError('apns needs --p8 FILE --key-id --team-id, or --cert FILE --key FILE, or --p12 FILE');
}

/** Xiaomi / OPPO / vivo / Meizu: each flag is one credential field (checked when stored). */
function cnVendorCredentials(channel: Parameters<typeof cnVendorCredentialFlags>[0], values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const { flag, field } of cnVendorCredentialFlags(channel)) {
    const v = stringFlag(values, flag);
    if (!v) throw new UsageError(`${channel} needs ${cnVendorCredentialFlags(channel).map((f) => `--${f.flag}`).join(' ')}`);
    raw[field] = v;
  }
  return raw;
}

export async function channelCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    p8: { type: 'string' },
    'key-id': { type: 'string' },
    'team-id': { type: 'string' },
    topic: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    p12: { type: 'string' },
    passphrase: { type: 'string' },
    production: { type: 'boolean' },
    sandbox: { type: 'boolean' },
    'service-account': { type: 'string' },
    generate: { type: 'boolean' },
    subject: { type: 'string' },
    public: { type: 'string' },
    private: { type: 'string' },
    show: { type: 'boolean' },
    remove: { type: 'boolean' },
    json: { type: 'boolean' },
    ...HUAWEI_FAMILY_FLAGS,
    ...CN_VENDOR_FLAGS,
  });
  const [appKey, channel] = positionals;
  if (values.help || !appKey || !channel) {
    console.log(CHANNEL_USAGE);
    return values.help ? 0 : 2;
  }
  if (!(CREDENTIAL_CHANNELS as readonly string[]).includes(channel)) throw new UsageError(`unknown channel ${channel}: ${CREDENTIAL_CHANNELS.join(', ')}`);
  const config = configFrom(values);
  const store = openStore(config);
  try {
    if (!(await store.apps.get(appKey))) {
      console.error(`no app ${appKey}`);
      return 1;
    }
    const credentials = openCredentials(config, store);
    if (values.show) {
      const shown = await credentials.show(appKey, channel);
      if (!shown) {
        console.error(`${appKey} has no ${channel} credentials`);
        return 1;
      }
      const out = { appKey, channel, updatedAt: new Date(shown.updatedAt).toISOString(), ...shown.fields };
      if (values.json) console.log(JSON.stringify(out));
      else for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(12)} ${v}`);
      return 0;
    }
    if (values.remove) {
      if (!(await credentials.remove(appKey, channel))) {
        console.error(`${appKey} has no ${channel} credentials`);
        return 1;
      }
      console.log(JSON.stringify({ removed: channel, appKey }));
      return 0;
    }
    let raw: Record<string, unknown>;
    if (isHuaweiFamily(channel)) raw = huaweiFamilyCredentials(channel, values, (flag) => readFlagFile(values, flag));
    else if (isCnVendorChannel(channel)) raw = cnVendorCredentials(channel, values);
    else if (channel === 'apns') raw = apnsCredentials(values);
    else if (channel === 'fcm') {
      try {
        raw = JSON.parse(readFlagFile(values, 'service-account')) as Record<string, unknown>;
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError('--service-account must be the service account JSON file');
      }
    } else {
      const subject = stringFlag(values, 'subject') ?? 'mailto:admin@localhost';
      const keys = values.generate ? generateVapidKeys() : { publicKey: stringFlag(values, 'public'), privateKey: stringFlag(values, 'private') };
      if (!keys.publicKey || !keys.privateKey) throw new UsageError('webpush needs --generate, or --public KEY --private KEY');
      raw = { ...keys, subject };
    }
    await credentials.set(appKey, channel, raw);
    const shown = await credentials.show(appKey, channel);
    console.log(JSON.stringify({ appKey, channel, ...shown?.fields }));
    return 0;
  } catch (err) {
    if (err instanceof CredentialError || err instanceof SealingError) {
      console.error(`${channel} credentials refused: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
