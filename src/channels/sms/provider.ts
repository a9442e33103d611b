import type { Json } from '../../domain/push.js';

/** One templated SMS. */
export interface SmsMessage {
  mobile: string;
  templateId: number;
  params?: { [key: string]: Json };
  /** Signature id; absent: the account's default signature. */
  signId?: number;
}

export type SmsResult =
  | { ok: true; id: string }
  /** code: the gateway's error code, or 0 when it gave none (network error, timeout, bad answer). */
  | { ok: false; code: number; message: string };

/** An SMS gateway: sends one message and says what became of it. Never throws. */
export interface SmsProvider {
  send(message: SmsMessage): Promise<SmsResult>;
}
