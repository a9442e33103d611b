import type { ChannelCredentials } from '../types.js';

/**
 * Credentials of the Xiaomi, OPPO, vivo and Meizu channels: plain identifiers and secrets from
 * each vendor's developer console. Kept apart from the other channels' shapes so each vendor
 * family is added in one place.
 */

export const CN_VENDOR_CHANNELS = ['xiaomi', 'oppo', 'vivo', 'meizu'] as const;
export type CnVendorChannel = (typeof CN_VENDOR_CHANNELS)[number];

interface FieldSpec {
  /** The credential's field name. */
  field: string;
  /** The `borealis app channel` flag that sets it. */
  flag: string;
  /** Shown by `--show` (identifiers) or never (secrets). */
  secret: boolean;
  pattern: RegExp;
  hint: string;
}

const ID = /^[A-Za-z0-9._-]{1,128}$/;
const SECRET = /^[\x21-\x7e]{1,256}$/;

const FIELDS: Record<CnVendorChannel, FieldSpec[]> = {
  xiaomi: [
    { field: 'appSecret', flag: 'app-secret', secret: true, pattern: SECRET, hint: 'the AppSecret from the Xiaomi developer console' },
    // restricted_package_name: one package, or several separated by commas (Mi Push v3)
    { field: 'package', flag: 'package', secret: false, pattern: /^[A-Za-z][\w.]{0,254}(,[A-Za-z][\w.]{0,254}){0,9}$/, hint: 'the Android package name (com.example.app)' },
  ],
  oppo: [
    { field: 'appKey', flag: 'app-key', secret: false, pattern: ID, hint: 'the OPPO AppKey' },
    { field: 'masterSecret', flag: 'master-secret', secret: true, pattern: SECRET, hint: 'the OPPO MasterSecret' },
  ],
  vivo: [
    { field: 'appId', flag: 'app-id', secret: false, pattern: /^\d{1,20}$/, hint: 'the numeric vivo AppID' },
    { field: 'appKey', flag: 'app-key', secret: false, pattern: ID, hint: 'the vivo AppKey' },
    { field: 'appSecret', flag: 'app-secret', secret: true, pattern: SECRET, hint: 'the vivo AppSecret' },
  ],
  meizu: [
    { field: 'appId', flag: 'app-id', secret: false, pattern: /^\d{1,20}$/, hint: 'the numeric Flyme push AppID' },
    { field: 'appSecret', flag: 'app-secret', secret: true, pattern: SECRET, hint: 'the Flyme push AppSecret' },
  ],
};

export function isCnVendorChannel(channel: string): channel is CnVendorChannel {
  return (CN_VENDOR_CHANNELS as readonly string[]).includes(channel);
}

/** Checks raw credentials; returns them normalized, or an error message. */
export function checkCnVendorCredentials(channel: CnVendorChannel, raw: Record<string, unknown>): ChannelCredentials | string {
  const out: Record<string, string> = {};
  for (const spec of FIELDS[channel]) {
    const v = raw[spec.field];
    if (typeof v !== 'string' || !spec.pattern.test(v)) return `${spec.field} (--${spec.flag}) must be ${spec.hint}`;
    out[spec.field] = v;
  }
  return out;
}

/** The identifiers `--show` prints: never a secret. */
export function describeCnVendorCredentials(channel: CnVendorChannel, c: ChannelCredentials): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of FIELDS[channel]) if (!spec.secret) out[spec.field] = String(c[spec.field]);
  return out;
}

/** The CLI flags each vendor's credentials come from, `flag → field`. */
export function cnVendorCredentialFlags(channel: CnVendorChannel): { flag: string; field: string }[] {
  return FIELDS[channel].map(({ flag, field }) => ({ flag, field }));
}

/** Every flag of every vendor, for the CLI's parser. */
export const CN_VENDOR_FLAGS: Record<string, { type: 'string' }> = Object.fromEntries(
  Object.values(FIELDS).flatMap((specs) => specs.map((s) => [s.flag, { type: 'string' as const }])),
);

/** Typed readers for the channel implementations (credentials were checked when stored). */
export function field(c: ChannelCredentials, name: string): string | undefined {
  const v = c[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
