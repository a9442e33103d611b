import type { Config } from '../config.js';
import { createAlipayLifeChannel } from './alipay_life/index.js';
import { createDingTalkChannel } from './dingtalk_cc/index.js';
import type { MessagingChannel, MessagingChannelId } from './types.js';
import { createWechatMpChannel } from './wechatmp/index.js';
import { createWechatOaChannel } from './wechatoa/index.js';
import { createWecomChannel } from './wechatwk/index.js';

/**
 * The UMS channels this node sends through, by id. Adding one is a line here: its folder
 * exports a factory returning a `MessagingChannel`.
 */
export type MessagingRegistry = ReadonlyMap<MessagingChannelId, MessagingChannel>;

export function createMessagingRegistry(config: Config['messaging']): Map<MessagingChannelId, MessagingChannel> {
  const channels = new Map<MessagingChannelId, MessagingChannel>();
  const add = (c: MessagingChannel) => channels.set(c.id, c);
  add(createWechatOaChannel(config.wechatoa));
  add(createWechatMpChannel(config.wechatmp));
  add(createAlipayLifeChannel(config.alipay_life));
  add(createDingTalkChannel(config.dingtalk_cc));
  add(createWecomChannel(config.wechatwk));
  return channels;
}

export async function closeMessagingChannels(channels: MessagingRegistry): Promise<void> {
  await Promise.all([...channels.values()].map((c) => c.close().catch(() => undefined)));
}
