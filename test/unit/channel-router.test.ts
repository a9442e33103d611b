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

  test('devices with FCM and a domestic vendor token follow distribution_fcm', () => {
    assert.deepEqual(relayChannels(push({ ...notification, ...strategy('jpush', 'fcm') }), mixedDevice, true, ALL), ['fcm']);
    assert.deepEqual(relayChannels(push({ ...notification, ...strategy('ospush', 'pns') }), mixedDevice, false, ALL), []);
    assert.deepEqual(relayChannels(push({ ...notification, ...strategy('ospush', 'secondary_fcm_push') }), mixedDevice, true, ALL), []);
    assert.deepEqual(relayChannels(push({ ...notification, ...strategy('ospush', 'secondary_fcm_push') }), mixedDevice, false, ALL), ['fcm']);
    // default for mixed devices: secondary_fcm_push
    assert.deepEqual(relayChannels(push(notification), mixedDevice, false, ALL), ['fcm']);
  });

  test('browsers get Web Push when their page is closed; HarmonyOS and quick apps stay on the own connection', () => {
    const web = device('web', { webpush: { endpoint: 'https://p/x', keys: { p256dh: 'k', auth: 'a' } } });
    assert.deepEqual(relayChannels(push(notification), web, false, ALL), ['webpush']);
    assert.deepEqual(relayChannels(push(notification), web, true, ALL), []);
    assert.deepEqual(relayChannels(push(notification), device('hmos', { hmos: 'h' }), false, ALL), []);
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
