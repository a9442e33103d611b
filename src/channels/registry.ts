import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { createApnsChannel } from './apns/index.js';
import { createFcmChannel } from './fcm/index.js';
import { createHmosChannel } from './hmos/index.js';
import { createHonorChannel } from './honor/index.js';
import { createHuaweiChannel } from './huawei/index.js';
import { createMeizuChannel } from './meizu/index.js';
import { createOppoChannel } from './oppo/index.js';
import { createVivoChannel } from './vivo/index.js';
import { createWebPushChannel } from './webpush/index.js';
import { createXiaomiChannel } from './xiaomi/index.js';
import type { Channel, ChannelId } from './types.js';

/**
 * The vendor channels this node relays through, by id. Adding a vendor is one line here: its
 * folder exports a factory returning a `Channel`.
 */
export type ChannelRegistry = ReadonlyMap<ChannelId, Channel>;

export function createChannelRegistry(config: Config['channels']): Map<ChannelId, Channel> {
  const ca = config.caFile ? readFileSync(config.caFile, 'utf8') : undefined;
  const channels = new Map<ChannelId, Channel>();
  const add = (c: Channel) => channels.set(c.id, c);
  add(createApnsChannel({ ...config.apns, ca }));
  add(createFcmChannel({ endpoint: config.fcm.endpoint, tokenEndpoint: config.fcm.tokenEndpoint || undefined, timeoutMs: config.fcm.timeoutMs }));
  add(createHuaweiChannel(config.huawei));
  add(createHmosChannel(config.hmos));
  add(createHonorChannel(config.honor));
  add(createWebPushChannel({ allowHttpEndpoints: config.webpush.allowHttpEndpoints, timeoutMs: config.webpush.timeoutMs }));
  add(createXiaomiChannel({ ...config.xiaomi, receiptBaseUrl: config.receiptBaseUrl }));
  add(createOppoChannel({ ...config.oppo, receiptBaseUrl: config.receiptBaseUrl }));
  add(createVivoChannel({ ...config.vivo, receiptBaseUrl: config.receiptBaseUrl }));
  add(createMeizuChannel({ ...config.meizu, receiptBaseUrl: config.receiptBaseUrl }));
  return channels;
}

export async function closeChannels(channels: ChannelRegistry): Promise<void> {
  await Promise.all([...channels.values()].map((c) => c.close().catch(() => undefined)));
}
