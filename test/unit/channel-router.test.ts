import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { relayChannels } from '../../src/channels/router.js';
import type { VendorTokens } from '../../src/devices/types.js';
import type { AcceptedPush, JsonObject } from '../../src/domain/push.js';
import type { RelayDevice } from '../../src/store/relay-types.js';

function push(fields: Partial<AcceptedPush> & { raw?: JsonObject }): AcceptedPush {
  const { raw, ...rest } = fields;
  return {
    appKey: 'a',
    source: 'jpush',
    sendno: '0',
    platforms: ['android', 'ios', 'hmos', 'quickapp'],
    audience: { all: true },
    options: { timeToLive: 60, apnsProduction: false, bigPushDuration: 0, raw: raw ?? {} },
    msgId: '1',
    createdAt: 0,
    expiresAt: 60_000,
    ...rest,
  };
}

const device = (platform: RelayDevice['platform'], tokens: VendorTokens): RelayDevice => ({ num: 1, registrationId: 'r', platform, tokens });
const ALL = new Set(['apns', 'fcm', 'webpush']);
const DOMESTIC_TOO = new Set([...ALL, 'huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu', 'hmos']);
const notification = { notification: { alert: 'hi' } };
const fcmDevice = device('android', { fcm: 'f' });
const mixedDevice = device('android', { fcm: 'f', xiaomi: 'x' });
const strategy = (distribution: string, distribution_fcm?: string): { raw: JsonObject } => {
  const fcm: JsonObject = { distribution };
  if (distribution_fcm !== undefined) fcm.distribution_fcm = distribution_fcm;
  return { raw: { third_party_channel: { fcm } } };
};

describe('relay routing per device (docs/channels.md)', () => {
  test('iOS notifications go to APNs online or not; custom messages do not', () => {
    const ios = device('ios', { apns: 'aa' });
    assert.deepEqual(relayChannels(push(notification), ios, true, ALL), ['apns']);
    assert.deepEqual(relayChannels(push(notification), ios, false, ALL), ['apns']);
    assert.deepEqual(relayChannels(push({ message: { msg_content: 'm' } }), ios, false, ALL), []);
  });

  test('a custom message with notification_3rd reaches vendors for offline devices only', () => {
    const p = push({ message: { msg_content: 'm' }, notification3rd: { ios: { alert: 'a' }, android: { alert: 'a' } } });
    assert.deepEqual(relayChannels(p, device('ios', { apns: 'aa' }), false, ALL), ['apns']);
    assert.deepEqual(relayChannels(p, device('ios', { apns: 'aa' }), true, ALL), []);
    assert.deepEqual(relayChannels(p, fcmDevice, false, ALL), ['fcm']);
    assert.deepEqual(relayChannels(p, fcmDevice, true, ALL), []);
  });

  test('no credentials or no token: no relay', () => {
    assert.deepEqual(relayChannels(push(notification), device('ios', { apns: 'aa' }), false, new Set(['fcm'])), []);
    assert.deepEqual(relayChannels(push(notification), device('ios', {}), false, ALL), []);
    assert.deepEqual(relayChannels(push(notification), device('android', {}), false, ALL), []);
  });

  test('Android distribution strategies, FCM-only devices', () => {
    const table: [string, boolean, string[]][] = [
      ['jpush', false, []],
      ['jpush', true, []],
      ['ospush', true, ['fcm']],
      ['first_ospush', true, ['fcm']],
      ['secondary_push', true, []],
      ['secondary_push', false, ['fcm']],
      ['pns', false, []],
    ];
    for (const [value, online, expected] of table) {
      assert.deepEqual(relayChannels(push({ ...notification, ...strategy(value) }), fcmDevice, online, ALL), expected, `${value} online=${online}`);
    }
    // default: secondary_push
    assert.deepEqual(relayChannels(push(notification), fcmDevice, true, ALL), []);
    assert.deepEqual(relayChannels(push(notification), fcmDevice, false, ALL), ['fcm']);
  });

  test('devices with FCM and a domestic vendor token follow the vendor key\'s distribution_fcm', () => {
    const mixed = (value: string): { raw: JsonObject } => ({ raw: { third_party_channel: { xiaomi: { distribution_fcm: value } } } });
    const table: [string, boolean, string[]][] = [
      ['fcm', true, ['fcm']],
      ['fcm', false, ['fcm']],
      ['pns', true, ['xiaomi']],
      ['secondary_pns_push', true, []],
      ['secondary_pns_push', false, ['xiaomi']],
      ['secondary_fcm_push', true, []],
      ['secondary_fcm_push', false, ['fcm']],
      ['jpush', false, []],
    ];
    for (const [value, online, expected] of table) {
      assert.deepEqual(relayChannels(push({ ...notification, ...mixed(value) }), mixedDevice, online, DOMESTIC_TOO), expected, `${value} online=${online}`);
    }
    // default for mixed devices: secondary_fcm_push
    assert.deepEqual(relayChannels(push(notification), mixedDevice, false, DOMESTIC_TOO), ['fcm']);
    // the domestic vendor not available (no credentials, or not relayed by this node): an FCM device
    assert.deepEqual(relayChannels(push({ ...notification, ...mixed('pns') }), mixedDevice, true, ALL), []);
    assert.deepEqual(relayChannels(push({ ...notification, ...strategy('ospush') }), mixedDevice, true, ALL), ['fcm']);
  });

  test('domestic vendors follow their own distribution (default secondary_push)', () => {
    const hw = device('android', { huawei: 'h' });
    const by = (distribution: string): { raw: JsonObject } => ({ raw: { third_party_channel: { huawei: { distribution } } } });
    const table: [string, boolean, string[]][] = [
      ['jpush', false, []],
      ['ospush', true, ['huawei']],
      ['first_ospush', true, ['huawei']],
      ['secondary_push', true, []],
      ['secondary_push', false, ['huawei']],
    ];
    for (const [value, online, expected] of table) {
      assert.deepEqual(relayChannels(push({ ...notification, ...by(value) }), hw, online, DOMESTIC_TOO), expected, `${value} online=${online}`);
    }
    assert.deepEqual(relayChannels(push(notification), hw, false, DOMESTIC_TOO), ['huawei']);
    assert.deepEqual(relayChannels(push(notification), hw, true, DOMESTIC_TOO), []);
    // another vendor's strategy does not apply
    assert.deepEqual(relayChannels(push({ ...notification, raw: { third_party_channel: { xiaomi: { distribution: 'ospush' } } } }), hw, true, DOMESTIC_TOO), []);
    assert.deepEqual(relayChannels(push(notification), hw, false, ALL), [], 'no Huawei credentials: no relay');
  });

  test('custom messages: distribution_customize for Huawei / Honor, an explicit fcm.distribution for FCM, notification_3rd offline only', () => {
    const message = { message: { msg_content: 'm' } };
    const hw = device('android', { huawei: 'h' });
    const honor = device('android', { honor: 'o' });
    const mi = device('android', { xiaomi: 'x' });
    const customize = (vendor: string, value: string): { raw: JsonObject } => ({ raw: { third_party_channel: { [vendor]: { distribution_customize: value } } } });
    assert.deepEqual(relayChannels(push(message), hw, false, DOMESTIC_TOO), [], 'default jpush');
    assert.deepEqual(relayChannels(push({ ...message, ...customize('huawei', 'first_ospush') }), hw, true, DOMESTIC_TOO), ['huawei']);
    assert.deepEqual(relayChannels(push({ ...message, ...customize('honor', 'secondary_push') }), honor, true, DOMESTIC_TOO), []);
    assert.deepEqual(relayChannels(push({ ...message, ...customize('honor', 'secondary_push') }), honor, false, DOMESTIC_TOO), ['honor']);
    assert.deepEqual(relayChannels(push({ ...message, ...customize('xiaomi', 'first_ospush') }), mi, false, DOMESTIC_TOO), [], 'Xiaomi takes no custom messages');
    assert.deepEqual(relayChannels(push(message), fcmDevice, false, ALL), [], 'FCM: none unless asked');
    assert.deepEqual(relayChannels(push({ ...message, ...strategy('ospush') }), fcmDevice, true, ALL), ['fcm']);
    // notification_3rd v1 (Android only) and v2 (per platform): vendors of offline devices, per their strategy
    const v1 = push({ ...message, notification3rd: { content: 'c' } });
    assert.deepEqual(relayChannels(v1, mi, false, DOMESTIC_TOO), ['xiaomi']);
    assert.deepEqual(relayChannels(v1, mi, true, DOMESTIC_TOO), []);
    assert.deepEqual(relayChannels(push({ ...message, notification3rd: { content: 'c' }, raw: { third_party_channel: { xiaomi: { distribution: 'ospush' } } } }), mi, true, DOMESTIC_TOO), []);
    assert.deepEqual(relayChannels(push({ ...message, notification3rd: { content: 'c' }, raw: { third_party_channel: { xiaomi: { distribution: 'jpush' } } } }), mi, false, DOMESTIC_TOO), []);
    // v1 is Android only: to HarmonyOS the push is a custom message, relayed per hmos.distribution
    assert.deepEqual(relayChannels(v1, device('hmos', { hmos: 'h' }), true, DOMESTIC_TOO), ['hmos']);
    const v2 = push({ ...message, notification3rd: { hmos: { alert: 'a', category: 'IM' } }, raw: { notification_3rd_ver: 'v2' } });
    assert.deepEqual(relayChannels(v2, device('hmos', { hmos: 'h' }), false, DOMESTIC_TOO), ['hmos']);
    assert.deepEqual(relayChannels(v2, device('hmos', { hmos: 'h' }), true, DOMESTIC_TOO), []);
    assert.deepEqual(relayChannels(v2, mi, false, DOMESTIC_TOO), [], 'no android block in v2');
  });

  test('HarmonyOS: third_party_channel.hmos.distribution, default first_ospush, notifications and messages', () => {
    const hm = device('hmos', { hmos: 'h' });
    assert.deepEqual(relayChannels(push(notification), hm, true, DOMESTIC_TOO), ['hmos']);
    assert.deepEqual(relayChannels(push({ message: { msg_content: 'm' } }), hm, true, DOMESTIC_TOO), ['hmos']);
    assert.deepEqual(relayChannels(push({ ...notification, raw: { third_party_channel: { hmos: { distribution: 'jpush' } } } }), hm, false, DOMESTIC_TOO), []);
    assert.deepEqual(relayChannels(push({ ...notification, raw: { third_party_channel: { hmos: { distribution: 'secondary_push' } } } }), hm, true, DOMESTIC_TOO), []);
    assert.deepEqual(relayChannels(push(notification), hm, false, ALL), [], 'no HarmonyOS credentials');
  });

  test('browsers get Web Push when their page is closed; quick apps stay on the own connection', () => {
    const web = device('web', { webpush: { endpoint: 'https://p/x', keys: { p256dh: 'k', auth: 'a' } } });
    assert.deepEqual(relayChannels(push(notification), web, false, ALL), ['webpush']);
    assert.deepEqual(relayChannels(push(notification), web, true, ALL), []);
    assert.deepEqual(relayChannels(push(notification), device('quickapp', {}), false, ALL), []);
  });

  test('Live Activity starts go to devices with a push-to-start token; VoIP to VoIP tokens', () => {
    const live = push({ liveActivity: { ios: { event: 'start', 'content-state': {} } } });
    assert.deepEqual(relayChannels(live, device('ios', { apns_start: 'bb' }), true, ALL), ['apns']);
    assert.deepEqual(relayChannels(live, device('ios', { apns: 'aa' }), true, ALL), []);
    const voip = push({ notification: { voip: { k: 'v' } } });
    assert.deepEqual(relayChannels(voip, device('ios', { apns_voip: 'cc' }), true, ALL), ['apns']);
  });
});
