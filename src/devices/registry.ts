import { randomBytes } from 'node:crypto';
import { EMPTY_SECRET_HASH, hashSecret, secretMatches } from '../apps/credentials.js';
import type { AudienceIndex } from '../audience/audience-index.js';
import { errors } from '../domain/errors.js';
import { MAX_ACCOUNT_BYTES, isAccount, isRegistrationId, isTagOrAlias } from '../domain/names.js';
import type { DeviceCredentialsCheck } from '../gateway/types.js';
import type { Store } from '../store/types.js';

import { APNS_EXTRA_TOKEN_KEYS, DEVICE_PLATFORMS, VENDOR_TOKEN_KEYS, type DevicePlatform, type DeviceRecord, type VendorTokens } from './types.js';

export const MAX_TAGS_PER_DEVICE = 1000;
export const MAX_TAG_CHANGES = 100;
const MAX_TOKEN_BYTES = 512;

export interface RegistryLimits {
  /** Devices one alias may name (JPush allows 10); 0 = unlimited. */
  devicesPerAlias: number;
}

export interface RegisterInput {
  platform: unknown;
  tokens?: unknown;
}

/** A change the audience index took, for other nodes' indexes (the bus). */
export type DeviceChange =
  | { kind: 'registered'; appKey: string; num: number; platform: DevicePlatform }
  /** [device number, tags added, tags removed] */
  | { kind: 'tags'; appKey: string; changes: [number, string[], string[]][] };

export interface DeviceCredentials {
  registrationId: string;
  deviceSecret: string;
}

/**
 * Devices of every app: registration, credentials, tags, alias, mobile and vendor tokens.
 * Every change goes to the store first and to the audience index after, so the index never
 * holds what the store does not.
 */
export class DeviceRegistry implements DeviceCredentialsCheck {
  private readonly changeListeners: ((change: DeviceChange) => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly index: AudienceIndex,
    private readonly limits: RegistryLimits,
  ) {}

  /** Hears every change made to the audience index through this registry. */
  onChange(listener: (change: DeviceChange) => void): void {
    this.changeListeners.push(listener);
  }

  private changed(change: DeviceChange): void {
    for (const listener of this.changeListeners) listener(change);
  }

  async register(appKey: string, input: RegisterInput, existing?: DeviceCredentials): Promise<DeviceCredentials> {
    const platform = input.platform;
    if (typeof platform !== 'string' || !(DEVICE_PLATFORMS as readonly string[]).includes(platform)) {
      throw errors.invalid(`platform must be one of ${DEVICE_PLATFORMS.join(', ')}`);
    }
    const tokens = parseTokens(input.tokens);
    if (existing) {
      const device = await this.authenticateRecord(existing.registrationId, existing.deviceSecret);
      if (!device || device.appKey !== appKey) throw errors.auth('registration_id and device_secret do not match');
      if (device.platform !== platform) throw errors.invalid('a device cannot change its platform');
      await this.store.devices.updateTokens(appKey, device.num, { ...device.tokens, ...tokens });
      return existing;
    }
    const deviceSecret = randomBytes(18).toString('base64url');
    for (let attempt = 0; ; attempt++) {
      const registrationId = newRegistrationId();
      try {
        const device = await this.store.devices.insert({
          appKey,
          registrationId,
          platform: platform as DevicePlatform,
          secretHash: hashSecret(deviceSecret),
          alias: null,
          mobile: null,
          account: null,
          tokens,
          createdAt: Date.now(),
        });
        this.index.addDevice(appKey, device.num, device.platform);
        this.changed({ kind: 'registered', appKey, num: device.num, platform: device.platform });
        return { registrationId, deviceSecret };
      } catch (err) {
        // A registration id collision (76 random bits) is retried; anything else is not.
        if (attempt < 3 && String(err).includes('UNIQUE')) continue;
        throw err;
      }
    }
  }

  private async authenticateRecord(registrationId: string, deviceSecret: string): Promise<DeviceRecord | undefined> {
    if (!isRegistrationId(registrationId) || typeof deviceSecret !== 'string' || deviceSecret.length > 256) return undefined;
    const device = await this.store.devices.byRegistrationId(registrationId);
    if (!device) {
      secretMatches(deviceSecret, EMPTY_SECRET_HASH); // same work for unknown ids
      return undefined;
    }
    return secretMatches(deviceSecret, device.secretHash) ? device : undefined;
  }

  /** A connecting device's identity: reads only the columns the check needs (connects come in storms). */
  async authenticate(registrationId: string, deviceSecret: string) {
    if (!isRegistrationId(registrationId) || typeof deviceSecret !== 'string' || deviceSecret.length > 256) return undefined;
    const d = await this.store.devices.credentials(registrationId);
    if (!d) {
      secretMatches(deviceSecret, EMPTY_SECRET_HASH); // same work for unknown ids
      return undefined;
    }
    if (!secretMatches(deviceSecret, d.secretHash)) return undefined;
    return { appKey: d.appKey, num: d.num, registrationId, platform: d.platform };
  }

  /** A device of this app, or undefined (a device of another app is never returned). */
  async get(appKey: string, registrationId: string): Promise<DeviceRecord | undefined> {
    if (!isRegistrationId(registrationId)) return undefined;
    const d = await this.store.devices.byRegistrationId(registrationId);
    return d && d.appKey === appKey ? d : undefined;
  }

  /** Adds and removes tags of one device ('all' clears them first); returns its tags after. */
  async changeTags(device: DeviceRecord, add: readonly string[], remove: readonly string[] | 'all'): Promise<string[]> {
    checkTagList('add', add);
    if (remove !== 'all') checkTagList('remove', remove);
    const before = await this.store.devices.changeTags(device.appKey, device.num, [], []);
    const after = await this.store.devices.changeTags(device.appKey, device.num, add, remove);
    if (after.length > MAX_TAGS_PER_DEVICE) {
      // Undo: the store holds exactly what it held before.
      await this.store.devices.changeTags(device.appKey, device.num, before, 'all');
      throw errors.deviceInvalid(`a device may have at most ${MAX_TAGS_PER_DEVICE} tags`);
    }
    const had = new Set(before);
    const has = new Set(after);
    const added = after.filter((t) => !had.has(t));
    const removed = before.filter((t) => !has.has(t));
    this.index.changeTags(device.appKey, device.num, added, removed);
    if (added.length > 0 || removed.length > 0) this.changed({ kind: 'tags', appKey: device.appKey, changes: [[device.num, added, removed]] });
    return after;
  }

  async setAlias(device: DeviceRecord, alias: string | null): Promise<void> {
    if (alias !== null) {
      if (!isTagOrAlias(alias)) throw errors.deviceInvalid('alias must be 1..40 bytes of letters, digits, _ or Chinese characters');
      const limit = this.limits.devicesPerAlias;
      if (limit > 0 && alias !== device.alias) {
        const holders = await this.store.devices.devicesByAlias(device.appKey, alias);
        if (holders.length >= limit) throw errors.aliasFull(limit);
      }
    }
    await this.store.devices.setAlias(device.appKey, device.num, alias);
  }

  /** Binds the device to a user account (EMAS's model: one account per device), or unbinds it. */
  async setAccount(device: DeviceRecord, account: string | null): Promise<void> {
    if (account !== null && !isAccount(account)) {
      throw errors.deviceInvalid(`account must be 1..${MAX_ACCOUNT_BYTES} bytes without commas or control characters`);
    }
    await this.store.devices.setAccount(device.appKey, device.num, account);
  }

  async accountDevices(appKey: string, account: string): Promise<DeviceRecord[]> {
    return this.store.devices.devicesByAccount(appKey, account);
  }

  async setMobile(device: DeviceRecord, mobile: string | null): Promise<void> {
    if (mobile !== null && !/^\+?[0-9]{5,20}$/.test(mobile)) throw errors.deviceInvalid('mobile must be a phone number');
    await this.store.devices.setMobile(device.appKey, device.num, mobile);
  }

  /** Adds / removes one tag on many devices; ids not of this app are returned, nothing is done for them. */
  async changeTagMembers(appKey: string, tag: string, add: readonly string[], remove: readonly string[]): Promise<string[]> {
    if (!isTagOrAlias(tag)) throw errors.deviceInvalid('tag is illegal');
    const found = await this.store.devices.numsByRegistrationIds(appKey, [...add, ...remove]);
    const illegal = [...new Set([...add, ...remove])].filter((rid) => !found.has(rid));
    // A device already at the tag limit cannot take a new tag: it is reported like an unknown id.
    const counts = await this.store.devices.tagCounts(appKey, add.flatMap((rid) => (found.has(rid) ? [found.get(rid)!] : [])));
    for (const rid of new Set(add)) {
      const num = found.get(rid);
      if (num !== undefined && !this.index.hasTag(appKey, tag, num) && (counts.get(num) ?? 0) >= MAX_TAGS_PER_DEVICE) {
        found.delete(rid);
        illegal.push(rid);
      }
    }
    const addNums = add.flatMap((rid) => (found.has(rid) ? [found.get(rid)!] : []));
    const removeNums = remove.flatMap((rid) => (found.has(rid) && !illegal.includes(rid) ? [found.get(rid)!] : []));
    await this.store.devices.changeTagMembers(appKey, tag, addNums, removeNums);
    for (const n of removeNums) this.index.changeTags(appKey, n, [], [tag]);
    for (const n of addNums) this.index.changeTags(appKey, n, [tag], []);
    const changes: [number, string[], string[]][] = [...removeNums.map((n): [number, string[], string[]] => [n, [], [tag]]), ...addNums.map((n): [number, string[], string[]] => [n, [tag], []])];
    if (changes.length > 0) this.changed({ kind: 'tags', appKey, changes });
    return illegal;
  }

  /** Removes a tag from the app's devices (of some platforms only, when given). */
  async deleteTag(appKey: string, tag: string, platforms?: readonly DevicePlatform[]): Promise<void> {
    let nums: number[] | 'all' = 'all';
    if (platforms) {
      const onPlatforms = this.index.platformSet(appKey, platforms);
      nums = (await this.store.devices.numsWithTag(appKey, tag)).filter((n) => onPlatforms.has(n));
    }
    const removed = await this.store.devices.deleteTag(appKey, tag, nums);
    for (const n of removed) this.index.changeTags(appKey, n, [], [tag]);
    if (removed.length > 0) this.changed({ kind: 'tags', appKey, changes: removed.map((n) => [n, [], [tag]]) });
  }

  async aliasDevices(appKey: string, alias: string, platforms?: readonly DevicePlatform[]): Promise<DeviceRecord[]> {
    const devices = await this.store.devices.devicesByAlias(appKey, alias);
    return platforms ? devices.filter((d) => platforms.includes(d.platform)) : devices;
  }

  async deleteAlias(appKey: string, alias: string, platforms?: readonly DevicePlatform[]): Promise<void> {
    for (const d of await this.aliasDevices(appKey, alias, platforms)) await this.store.devices.setAlias(appKey, d.num, null);
  }

  /** Unbinds devices from an alias; ids not bound to it (or not of this app) are returned. */
  async removeFromAlias(appKey: string, alias: string, registrationIds: readonly string[]): Promise<string[]> {
    const bound = new Map((await this.aliasDevices(appKey, alias)).map((d) => [d.registrationId, d]));
    const illegal: string[] = [];
    for (const rid of new Set(registrationIds)) {
      const d = bound.get(rid);
      if (d) await this.store.devices.setAlias(appKey, d.num, null);
      else illegal.push(rid);
    }
    return illegal;
  }

  async tags(appKey: string, limit: number): Promise<string[]> {
    return this.store.devices.listTags(appKey, limit);
  }
}

function newRegistrationId(): string {
  return randomBytes(10).toString('hex').slice(0, 19);
}

function checkTagList(what: string, tags: readonly string[]): void {
  if (tags.length > MAX_TAG_CHANGES) throw errors.deviceInvalid(`${what}: at most ${MAX_TAG_CHANGES} tags at once`);
  for (const t of tags) if (!isTagOrAlias(t)) throw errors.deviceInvalid(`${what}: illegal tag ${JSON.stringify(String(t)).slice(0, 60)}`);
}

function parseTokens(raw: unknown): VendorTokens {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw errors.invalid('tokens must be an object');
  const out: VendorTokens = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const known = (VENDOR_TOKEN_KEYS as readonly string[]).includes(key) || (APNS_EXTRA_TOKEN_KEYS as readonly string[]).includes(key);
    if (!known) throw errors.invalid(`unknown token kind: ${key.slice(0, 40)}`);
    if (key === 'webpush') {
      const w = value as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } };
      if (
        typeof w !== 'object' || w === null ||
        typeof w.endpoint !== 'string' || !/^https?:\/\//.test(w.endpoint) || w.endpoint.length > 2048 ||
        typeof w.keys?.p256dh !== 'string' || typeof w.keys.auth !== 'string' ||
        w.keys.p256dh.length > 256 || w.keys.auth.length > 256
      ) {
        throw errors.invalid('tokens.webpush must be {"endpoint": URL, "keys": {"p256dh": .., "auth": ..}}');
      }
      out.webpush = { endpoint: w.endpoint, keys: { p256dh: w.keys.p256dh, auth: w.keys.auth } };
    } else {
      if (typeof value !== 'string' || value.length === 0 || Buffer.byteLength(value) > MAX_TOKEN_BYTES) {
        throw errors.invalid(`tokens.${key} must be a string of 1..${MAX_TOKEN_BYTES} bytes`);
      }
      // APNs tokens are hex (32 bytes today; Apple says not to assume the length)
      if ((key === 'apns' || key.startsWith('apns_')) && !/^[0-9a-fA-F]{32,400}$/.test(value)) {
        throw errors.invalid(`tokens.${key} must be a hexadecimal APNs token`);
      }
      (out as Record<string, string>)[key] = value;
    }
  }
  return out;
}

