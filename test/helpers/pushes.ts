import type { AcceptedPush, Push } from '../../src/domain/push.js';
import type { RelayTarget } from '../../src/channels/types.js';
import type { DevicePlatform, WebPushSubscription } from '../../src/devices/types.js';

let counter = 0;

/** An accepted push as a channel receives it, with the fields a test cares about set. */
export function acceptedPush(fields: Partial<Omit<Push, 'options'>> & { options?: Partial<Push['options']> } = {}): AcceptedPush {
  const createdAt = Date.now();
  const options: Push['options'] = { timeToLive: 86_400, apnsProduction: false, bigPushDuration: 0, raw: {}, ...fields.options };
  return {
    appKey: 'a'.repeat(24),
    source: 'jpush',
    sendno: '0',
    platforms: ['android', 'ios', 'hmos', 'quickapp'],
    audience: { all: true },
    ...fields,
    options,
    msgId: String(1_000_000_000 + ++counter),
    createdAt,
    expiresAt: createdAt + options.timeToLive * 1000,
  };
}

export function relayTarget(token: string | WebPushSubscription, platform: DevicePlatform = 'android'): RelayTarget {
  const num = ++counter;
  return { appKey: 'a'.repeat(24), num, registrationId: `rid${num}`, platform, token };
}
