import type { Config } from '../config.js';
import { createAlipayLifeChannel } from './alipay_life/index.js';
import { createDingTalkChannel } from './dingtalk_cc/index.js';
import { EmailMessagingChannel, type AttachmentResolver } from './email/index.js';
import { SmsMessagingChannel } from './sms/index.js';
import type { MessagingChannel, MessagingChannelId } from './types.js';
import { createWechatMpChannel } from './wechatmp/index.js';
import { createWechatOaChannel } from './wechatoa/index.js';
import { createWecomChannel } from './wechatwk/index.js';

export interface MessagingOptions {
  timeoutMs: number;
  concurrency: number;
  smsEndpoint: string;
  smtpConnections: number;
  attachments?: AttachmentResolver;
  /** The vendor channels' endpoints and limits (`messaging.<id>`). */
  vendors: Config['messaging'];
}

/**
 * The UMS channels this node sends through, by id. Adding one is a line here: its folder
 * exports a channel returning `MessagingChannel` results.
 */
export type MessagingRegistry = ReadonlyMap<MessagingChannelId, MessagingChannel>;

export function createMessagingRegistry(o: MessagingOptions): MessagingRegistry {
  const channels: MessagingChannel[] = [
    new SmsMessagingChannel({ timeoutMs: o.timeoutMs, concurrency: o.concurrency, defaultEndpoint: o.smsEndpoint }),
    new EmailMessagingChannel({ timeoutMs: o.timeoutMs, maxConnections: o.smtpConnections, attachments: o.attachments }),
    createWechatOaChannel(o.vendors.wechatoa),
    createWechatMpChannel(o.vendors.wechatmp),
    createAlipayLifeChannel(o.vendors.alipay_life),
    createDingTalkChannel(o.vendors.dingtalk_cc),
    createWecomChannel(o.vendors.wechatwk),
  ];
  return new Map(channels.map((c) => [c.id, c]));
}

export async function closeMessaging(registry: MessagingRegistry): Promise<void> {
  await Promise.all([...registry.values()].map((c) => c.close().catch(() => undefined)));
}
