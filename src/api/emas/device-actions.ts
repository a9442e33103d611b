import type { DeviceRecord } from '../../devices/types.js';
import { isAccount, isRegistrationId, isTagOrAlias } from '../../domain/names.js';
import type { ActionContext, ActionHandler } from './action.js';
import { emas } from './errors.js';
import { formatUtcTime } from './params.js';

const DEVICE_TYPE = { android: 'ANDROID', ios: 'iOS', hmos: 'HARMONY', quickapp: 'ANDROID', web: 'WEB' } as const;
const PHONE = /^\+?[0-9]{5,20}$/;
const MAX_CLIENT_KEYS = 1000;
const MAX_NAMES = 10;
const LISTED_TAGS = 100;

/** A device of the caller's app; another app's device is indistinguishable from none. */
async function deviceOf(a: ActionContext, param = 'DeviceId'): Promise<DeviceRecord> {
  const id = a.p.need(param, { maxLength: 64 });
  const device = isRegistrationId(id) ? await a.ctx.registry.get(a.caller.app.appKey, id) : undefined;
  if (!device) throw emas.notFound(param);
  return device;
}

function tagNames(a: ActionContext): string[] {
  const names = a.p.list('TagName', MAX_NAMES, { required: true });
  for (const t of names) if (!isTagOrAlias(t)) throw emas.format('TagName', 'Tags are 1..40 bytes of letters, digits, _ and a few symbols.');
  return names;
}

/** ClientKey values as registration ids of the app: devices, or the devices of accounts / aliases. */
async function clientDevices(a: ActionContext, many: boolean): Promise<string[]> {
  const keyType = a.p.oneOf('KeyType', ['DEVICE', 'ACCOUNT', 'ALIAS'], true)!;
  const keys = a.p.list('ClientKey', many ? MAX_CLIENT_KEYS : 1, { required: true });
  const appKey = a.caller.app.appKey;
  if (keyType === 'DEVICE') return keys.filter(isRegistrationId);
  const out: string[] = [];
  for (const k of keys) {
    const devices = keyType === 'ACCOUNT' ? await a.ctx.registry.accountDevices(appKey, k) : await a.ctx.registry.aliasDevices(appKey, k);
    for (const d of devices) out.push(d.registrationId);
  }
  return out;
}

function deviceIds(devices: readonly DeviceRecord[]) {
  return { DeviceIds: { DeviceId: devices.map((d) => d.registrationId) } };
}

export const deviceActions: Record<string, ActionHandler> = {
  async QueryDeviceInfo(a) {
    const d = await deviceOf(a);
    const t = d.tokens;
    return {
      DeviceInfo: {
        DeviceId: d.registrationId,
        DeviceType: DEVICE_TYPE[d.platform],
        DeviceToken: t.apns ?? t.hmos ?? t.fcm ?? t.huawei ?? t.xiaomi ?? t.oppo ?? t.vivo ?? t.honor ?? t.meizu ?? '',
        Account: d.account ?? '',
        Alias: d.alias ?? '',
        Tags: d.tags.join(','),
        PhoneNumber: d.mobile ?? '',
        Online: a.ctx.gateway.session(d.appKey, d.num) !== undefined,
        PushEnabled: true,
        LastOnlineTime: d.lastOnlineAt === null ? '' : formatUtcTime(d.lastOnlineAt),
        Brand: '',
        Model: '',
      },
    };
  },

  async CheckDevices(a) {
    const ids = a.p.list('DeviceIds', 100, { required: true });
    const found = await a.ctx.store.devices.numsByRegistrationIds(a.caller.app.appKey, ids.filter(isRegistrationId));
    return { DeviceCheckInfos: { DeviceCheckInfo: ids.map((id) => ({ DeviceId: id, Available: found.has(id) })) } };
  },

  async CheckDevice(a) {
    const id = a.p.need('DeviceId', { maxLength: 64 });
    const found = isRegistrationId(id) && (await a.ctx.registry.get(a.caller.app.appKey, id)) !== undefined;
    return { Available: found };
  },

  async BindAlias(a) {
    const device = await deviceOf(a);
    const names = a.p.list('AliasName', MAX_NAMES, { required: true, itemMaxBytes: 128 });
    // A Borealis device has one alias (JPush's model): binding one replaces the one it had.
    if (names.length > 1) throw emas.parameter('AliasName: a device is bound to one alias here; bind one name');
    if (!isTagOrAlias(names[0])) throw emas.format('AliasName', 'Aliases are 1..40 bytes of letters, digits, _ and a few symbols.');
    await a.ctx.registry.setAlias(device, names[0]);
    return {};
  },

  async UnbindAlias(a) {
    const device = await deviceOf(a);
    const all = a.p.bool('UnbindAll') === true;
    const names = all ? [] : a.p.list('AliasName', MAX_NAMES, { required: true });
    if (device.alias !== null && (all || names.includes(device.alias))) await a.ctx.registry.setAlias(device, null);
    return {};
  },

  async QueryAliases(a) {
    const device = await deviceOf(a);
    return { AliasInfos: { AliasInfo: device.alias === null ? [] : [{ AliasName: device.alias }] } };
  },

  async QueryDevicesByAlias(a) {
    const alias = a.p.need('Alias', { maxBytes: 128 });
    return deviceIds(await a.ctx.registry.aliasDevices(a.caller.app.appKey, alias));
  },

  async QueryDevicesByAccount(a) {
    const account = a.p.need('Account', { maxBytes: 64 });
    if (!isAccount(account)) throw emas.format('Account');
    return deviceIds(await a.ctx.registry.accountDevices(a.caller.app.appKey, account));
  },

  async BindTag(a) {
    const tags = tagNames(a);
    const rids = await clientDevices(a, true);
    for (const tag of tags) await a.ctx.registry.changeTagMembers(a.caller.app.appKey, tag, rids, []);
    return {};
  },

  async UnbindTag(a) {
    const tags = tagNames(a);
    const rids = await clientDevices(a, true);
    for (const tag of tags) await a.ctx.registry.changeTagMembers(a.caller.app.appKey, tag, [], rids);
    return {};
  },

  async QueryTags(a) {
    const rids = await clientDevices(a, false);
    const tags = new Set<string>();
    for (const rid of rids) for (const t of (await a.ctx.registry.get(a.caller.app.appKey, rid))?.tags ?? []) tags.add(t);
    return { TagInfos: { TagInfo: [...tags].sort().map((TagName) => ({ TagName })) } };
  },

  async ListTags(a) {
    const tags = await a.ctx.registry.tags(a.caller.app.appKey, LISTED_TAGS);
    return { TagInfos: { TagInfo: tags.map((TagName) => ({ TagName })) } };
  },

  async RemoveTag(a) {
    const tag = a.p.need('TagName', { maxBytes: 128 });
    if (isTagOrAlias(tag)) await a.ctx.registry.deleteTag(a.caller.app.appKey, tag);
    return {};
  },

  async BindPhone(a) {
    const device = await deviceOf(a);
    const phone = a.p.need('PhoneNumber', { pattern: PHONE });
    await a.ctx.registry.setMobile(device, phone);
    return {};
  },

  async UnbindPhone(a) {
    await a.ctx.registry.setMobile(await deviceOf(a), null);
    return {};
  },

  async ListSummaryApps(a) {
    return { SummaryAppInfos: { SummaryAppInfo: [{ AppKey: a.caller.emasAppKey, AppName: a.caller.app.name }] } };
  },
};
