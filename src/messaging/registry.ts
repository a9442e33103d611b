import { EmailMessagingChannel, type AttachmentResolver } from './email/index.js';
import { SmsMessagingChannel } from './sms/index.js';
import type { MessagingChannel, MessagingChannelId } from './types.js';

export interface MessagingOptions {
  timeoutMs: number;
  concurrency: number;
  smsEndpoint: string;
  smtpConnections: number;
  attachments?: AttachmentResolver;
}

export type MessagingRegistry = ReadonlyMap<MessagingChannelId, MessagingChannel>;

/** The messaging channels this build has, by UMS channel id (one line each). */
export function createMessagingRegistry(o: MessagingOptions): MessagingRegistry {
  const channels: MessagingChannel[] = [
    new SmsMessagingChannel({ timeoutMs: o.timeoutMs, concurrency: o.concurrency, defaultEndpoint: o.smsEndpoint }),
    new EmailMessagingChannel({ timeoutMs: o.timeoutMs, maxConnections: o.smtpConnections, attachments: o.attachments }),
  ];
  return new Map(channels.map((c) => [c.id, c]));
}

export async function closeMessaging(registry: MessagingRegistry): Promise<void> {
  await Promise.all([...registry.values()].map((c) => c.close()));
}
