import { EMPTY_SECRET_HASH, hashSecret, newAppKey, newMasterSecret, secretMatches } from '../apps/credentials.js';
import { seal, unseal } from '../channels/sealing.js';
import type { MessagingRegistry } from '../messaging/registry.js';
import type { UmsAccessKeyRecord, UmsChannelRecord, UmsStore } from '../store/ums-types.js';

/** Sealing scopes: a UMS channel's secret and credentials never open under an app's name. */
const scope = (channelKey: string) => `ums:${channelKey}`;

export type UmsCaller = { kind: 'channel'; channel: UmsChannelRecord } | { kind: 'accessKey'; key: UmsAccessKeyRecord };

/**
 * Who a UMS request comes from: `Basic ChannelKey:MasterSecret` or `Basic AccessKey:Secret`,
 * checked in constant time against stored digests (an unknown name costs the same work).
 */
export async function authenticate(store: UmsStore, header: string | undefined): Promise<UmsCaller | undefined> {
  if (typeof header !== 'string' || !/^Basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon > 64) return undefined;
  const name = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const channel = await store.getChannel(name);
  if (channel) return secretMatches(secret, channel.secretHash) ? { kind: 'channel', channel } : undefined;
  const key = await store.getAccessKey(name);
  const ok = secretMatches(secret, key?.secretHash ?? EMPTY_SECRET_HASH);
  return key && ok && key.enabled ? { kind: 'accessKey', key } : undefined;
}

export async function createChannel(
  store: UmsStore,
  sealingKey: Buffer,
  options: { name: string; appKey: string | null; ownerRequired?: boolean; broadcastPerDay?: number | null },
): Promise<{ channelKey: string; masterSecret: string }> {
  const channelKey = newAppKey();
  const masterSecret = newMasterSecret();
  await store.putChannel({
    channelKey,
    name: options.name,
    secretHash: hashSecret(masterSecret),
    secretSealed: seal(sealingKey, scope(channelKey), 'secret', masterSecret),
    appKey: options.appKey,
    enabled: true,
    ownerRequired: options.ownerRequired ?? false,
    broadcastPerDay: options.broadcastPerDay ?? null,
    createdAt: Date.now(),
  });
  return { channelKey, masterSecret };
}

export async function createAccessKey(store: UmsStore): Promise<{ accessKey: string; secret: string }> {
  const accessKey = newAppKey();
  const secret = newMasterSecret();
  await store.putAccessKey({ accessKey, secretHash: hashSecret(secret), enabled: true, createdAt: Date.now() });
  return { accessKey, secret };
}

/** The Basic header callbacks of a channel carry (its own ChannelKey:MasterSecret). */
export function channelBasic(sealingKey: Buffer, c: UmsChannelRecord): string {
  const secret = unseal(sealingKey, scope(c.channelKey), 'secret', c.secretSealed) as string;
  return 'Basic ' + Buffer.from(`${c.channelKey}:${secret}`).toString('base64');
}

/** Checks a channel's messaging credentials with the channel's own rules, then seals and stores them. */
export async function setMessagingCredentials(
  store: UmsStore,
  sealingKey: Buffer,
  registry: MessagingRegistry,
  channelKey: string,
  channel: string,
  raw: Record<string, unknown>,
): Promise<string | undefined> {
  const impl = [...registry.values()].find((c) => c.id === channel);
  if (!impl) return `no messaging channel ${channel} in this build (have: ${[...registry.keys()].join(', ')})`;
  const problem = impl.checkCredentials(raw);
  if (problem) return problem;
  await store.putCredentials(channelKey, channel, seal(sealingKey, scope(channelKey), channel, raw), Date.now());
  return undefined;
}

export async function messagingCredentials(store: UmsStore, sealingKey: Buffer, channelKey: string, channel: string): Promise<Record<string, unknown> | undefined> {
  const sealed = await store.getCredentials(channelKey, channel);
  return sealed ? (unseal(sealingKey, scope(channelKey), channel, sealed) as Record<string, unknown>) : undefined;
}

/** Issues a new master secret for a channel; the old one stops working at once. Undefined: no such channel. */
export async function rotateChannelSecret(store: UmsStore, sealingKey: Buffer, channelKey: string): Promise<{ channelKey: string; masterSecret: string } | undefined> {
  const c = await store.getChannel(channelKey);
  if (!c) return undefined;
  const masterSecret = newMasterSecret();
  await store.putChannel({ ...c, secretHash: hashSecret(masterSecret), secretSealed: seal(sealingKey, scope(channelKey), 'secret', masterSecret) });
  return { channelKey, masterSecret };
}

/** The messaging channels (sms, email, ...) that have credentials stored for a UMS channel. */
export async function channelsWithCredentials(store: UmsStore, registry: MessagingRegistry, channelKey: string): Promise<string[]> {
  const ids: string[] = [...new Set([...registry.values()].map((c) => c.id))];
  const present = await Promise.all(ids.map(async (id): Promise<string | undefined> => ((await store.getCredentials(channelKey, id)) ? id : undefined)));
  return present.filter((id): id is string => id !== undefined);
}
