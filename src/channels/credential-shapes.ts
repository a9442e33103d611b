import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { CN_VENDOR_CHANNELS, checkCnVendorCredentials, describeCnVendorCredentials, isCnVendorChannel } from './cn-vendors/credentials.js';
import { parseServiceAccount } from './fcm/oauth.js';
import { checkHmosCredentials } from './hmos/service-account.js';
import { HUAWEI_FAMILY_CHANNELS, checkHuaweiFamilyCredentials, describeHuaweiFamilyCredentials } from './huawei/credentials.js';
import type { ChannelCredentials } from './types.js';
import { parseVapidCredentials } from './webpush/vapid.js';

/**
 * What each vendor channel's credentials look like, checked before they are sealed and stored,
 * and how they are shown (never a secret: `--show` prints these descriptions only).
 */
export const CREDENTIAL_CHANNELS = ['apns', 'fcm', 'webpush', ...HUAWEI_FAMILY_CHANNELS, ...CN_VENDOR_CHANNELS] as const;
export type CredentialChannel = (typeof CREDENTIAL_CHANNELS)[number];

export class CredentialError extends Error {}

export interface ApnsTokenCredentials {
  auth: 'token';
  /** The .p8 signing key, PEM (PKCS#8, P-256). */
  key: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id: apns-topic. */
  topic: string;
  /** 'push' follows each push's apns_production; otherwise this endpoint always. */
  environment: ApnsEnvironment;
}

export interface ApnsCertificateCredentials {
  auth: 'certificate';
  /** PEM certificate and key, or a PKCS#12 bundle (base64) with its passphrase. */
  cert?: string;
  key?: string;
  pfx?: string;
  passphrase?: string;
  topic: string;
  environment: ApnsEnvironment;
}

export type ApnsEnvironment = 'push' | 'production' | 'sandbox';
export type ApnsCredentials = ApnsTokenCredentials | ApnsCertificateCredentials;

const str = (v: unknown, name: string, max = 16_384): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new CredentialError(`${name} must be a non-empty string`);
  return v;
};

function checkApns(raw: Record<string, unknown>): ApnsCredentials {
  const topic = str(raw.topic, 'topic', 255);
  if (!/^[A-Za-z0-9.-]+$/.test(topic)) throw new CredentialError('topic must be a bundle id such as com.example.app');
  const environment = (raw.environment ?? 'push') as ApnsEnvironment;
  if (!['push', 'production', 'sandbox'].includes(environment)) throw new CredentialError('environment must be push, production or sandbox');
  if (raw.auth === 'token') {
    const keyId = str(raw.keyId, 'key id', 32);
    const teamId = str(raw.teamId, 'team id', 32);
    if (!/^[A-Z0-9]{10}$/.test(keyId)) throw new CredentialError('key id must be the 10-character id of the .p8 key');
    if (!/^[A-Z0-9]{10}$/.test(teamId)) throw new CredentialError('team id must be the 10-character Apple team id');
    const key = str(raw.key, 'key');
    let k;
    try {
      k = createPrivateKey(key);
    } catch {
      throw new CredentialError('the .p8 key is not a PEM private key');
    }
    if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new CredentialError('the .p8 key must be an EC P-256 key (ES256)');
    }
    return { auth: 'token', key, keyId, teamId, topic, environment };
  }
  if (raw.auth === 'certificate') {
    if (typeof raw.pfx === 'string') {
      const pfx = str(raw.pfx, 'pfx', 65_536);
      const passphrase = raw.passphrase === undefined ? undefined : str(raw.passphrase, 'passphrase', 1024);
      return { auth: 'certificate', pfx, passphrase, topic, environment };
    }
    const cert = str(raw.cert, 'certificate');
    const key = str(raw.key, 'certificate key');
    try {
      const x = new X509Certificate(cert);
      if (!x.checkPrivateKey(createPrivateKey(key))) throw new CredentialError('the key does not belong to the certificate');
    } catch (err) {
      if (err instanceof CredentialError) throw err;
      throw new CredentialError('the certificate or its key is not valid PEM');
    }
    return { auth: 'certificate', cert, key, topic, environment };
  }
  throw new CredentialError('auth must be token or certificate');
}

function checkFcm(raw: Record<string, unknown>): ChannelCredentials {
  const out: Record<string, string> = {
    project_id: str(raw.project_id, 'project_id', 128),
    client_email: str(raw.client_email, 'client_email', 320),
    private_key: str(raw.private_key, 'private_key'),
  };
  try {
    createPrivateKey(out.private_key!);
  } catch {
    throw new CredentialError('private_key is not a PEM private key');
  }
  if (raw.token_uri !== undefined) {
    const uri = str(raw.token_uri, 'token_uri', 2048);
    if (!/^https?:\/\//.test(uri)) throw new CredentialError('token_uri must be an http(s) URL');
    out.token_uri = uri;
  }
  // what the FCM channel will accept, checked now rather than at the first push
  const parsed = parseServiceAccount(out);
  if (typeof parsed === 'string') throw new CredentialError(parsed);
  return out;
}

function checkWebPush(raw: Record<string, unknown>): ChannelCredentials {
  const publicKey = str(raw.publicKey, 'public key', 200);
  const privateKey = str(raw.privateKey, 'private key', 200);
  const subject = str(raw.subject, 'subject', 512);
  if (!/^(mailto:|https:\/\/)/.test(subject)) throw new CredentialError('subject must be a mailto: or https: URL');
  const pub = Buffer.from(publicKey, 'base64url');
  const priv = Buffer.from(privateKey, 'base64url');
  if (pub.length !== 65 || pub[0] !== 4 || priv.length !== 32) throw new CredentialError('VAPID keys must be a P-256 key pair in base64url');
  try {
    const x = pub.subarray(1, 33).toString('base64url');
    const y = pub.subarray(33).toString('base64url');
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
    createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x, y, d: priv.toString('base64url') }, format: 'jwk' });
  } catch {
    throw new CredentialError('VAPID keys are not a valid P-256 key pair');
  }
  const parsed = parseVapidCredentials({ publicKey, privateKey, subject });
  if (typeof parsed === 'string') throw new CredentialError(parsed);
  return { publicKey, privateKey, subject };
}

/** Huawei, HarmonyOS and Honor credentials, checked by their own folders. */
function checkHuaweiFamily(channel: 'huawei' | 'honor' | 'hmos', raw: Record<string, unknown>): ChannelCredentials {
  try {
    return channel === 'hmos' ? checkHmosCredentials(raw) : checkHuaweiFamilyCredentials(channel, raw);
  } catch (err) {
    throw new CredentialError((err as Error).message);
  }
}

export function checkCredentials(channel: string, raw: unknown): ChannelCredentials {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CredentialError('credentials must be an object');
  const r = raw as Record<string, unknown>;
  if (isCnVendorChannel(channel)) {
    const checked = checkCnVendorCredentials(channel, r);
    if (typeof checked === 'string') throw new CredentialError(checked);
    return checked;
  }
  switch (channel) {
    case 'apns':
      return checkApns(r) as unknown as ChannelCredentials;
    case 'fcm':
      return checkFcm(r);
    case 'webpush':
      return checkWebPush(r);
    case 'huawei':
    case 'honor':
    case 'hmos':
      return checkHuaweiFamily(channel, r);
    default:
      throw new CredentialError(`no credentials for channel ${channel}`);
  }
}

/** What `--show` prints: identifiers, never keys or passphrases. */
export function describeCredentials(channel: string, c: ChannelCredentials): Record<string, string> {
  if (channel === 'apns') {
    const a = c as unknown as ApnsCredentials;
    if (a.auth === 'token') return { auth: 'token (.p8)', keyId: a.keyId, teamId: a.teamId, topic: a.topic, environment: a.environment };
    let subject = 'PKCS#12 bundle';
    if (a.cert) {
      try {
        const x = new X509Certificate(a.cert);
        subject = `${x.subject.replace(/\n/g, ', ')} (valid to ${x.validTo})`;
      } catch {
        subject = 'unreadable certificate';
      }
    }
    return { auth: 'certificate', certificate: subject, topic: a.topic, environment: a.environment };
  }
  if (channel === 'fcm') return { project_id: String(c.project_id), client_email: String(c.client_email) };
  if (channel === 'webpush') return { publicKey: String(c.publicKey), subject: String(c.subject) };
  if (isCnVendorChannel(channel)) return describeCnVendorCredentials(channel, c);
  return describeHuaweiFamilyCredentials(channel, c);
}
