import { JsmsProvider } from '../../channels/sms/jsms-provider.js';
import type { SmsProvider } from '../../channels/sms/provider.js';
import type { Json } from '../../domain/push.js';
import type { MessagingChannel, MessagingCredentials, MessagingRecipient, MessagingResult } from '../types.js';

/** A mobile number as SMS gateways take it: digits, an optional leading +, 5 to 20 long. */
const MOBILE = /^\+?[0-9]{5,20}$/;
/** JSMS errors that mean the number itself is refused (invalid or blacklisted mobile). */
const BAD_MOBILE_CODES = new Set([50006, 50026]);

export interface SmsChannelOptions {
  timeoutMs: number;
  /** Requests in flight at once for one send. */
  concurrency: number;
  /** Gateway used when the credentials name none. */
  defaultEndpoint: string;
}

interface SmsCredentials {
  endpoint: string;
  key: string;
  secret: string;
  signId?: number;
}

function readCredentials(raw: Readonly<Record<string, unknown>>, fallback: string): SmsCredentials | string {
  const endpoint = raw.endpoint === undefined ? fallback : raw.endpoint;
  if (typeof endpoint !== 'string' || !/^https?:\/\/[^/]/.test(endpoint)) return 'endpoint must be an http(s) URL';
  if (typeof raw.key !== 'string' || raw.key === '' || raw.key.length > 128) return 'key must be a non-empty string';
  if (typeof raw.secret !== 'string' || raw.secret === '' || raw.secret.length > 256) return 'secret must be a non-empty string';
  if (raw.signId !== undefined && !(Number.isSafeInteger(raw.signId) && (raw.signId as number) > 0)) return 'signId must be a positive integer';
  return { endpoint, key: raw.key, secret: raw.secret, signId: raw.signId as number | undefined };
}

/**
 * `msg_sms` over the SMS provider interface: a JSMS template (`temp_id`, `temp_para`,
 * `sign_id`) to each recipient's mobile number, one gateway request per number.
 */
export class SmsMessagingChannel implements MessagingChannel {
  readonly id = 'sms' as const;
  readonly maxBatch = 100;

  constructor(
    private readonly options: SmsChannelOptions,
    private readonly providerFor: (c: SmsCredentials) => SmsProvider = (c) =>
      new JsmsProvider({ endpoint: c.endpoint, key: c.key, secret: c.secret, timeoutMs: options.timeoutMs }),
  ) {}

  validate(m: Readonly<Record<string, unknown>>): string | undefined {
    if (m.content !== undefined && m.temp_id === undefined) return 'msg_sms.content needs a CMPP gateway; this server sends JSMS templates (temp_id)';
    if (!Number.isSafeInteger(m.temp_id) || (m.temp_id as number) < 1) return 'msg_sms.temp_id must be a positive integer';
    if (m.temp_para !== undefined && (typeof m.temp_para !== 'object' || m.temp_para === null || Array.isArray(m.temp_para))) {
      return 'msg_sms.temp_para must be an object';
    }
    if (m.sign_id !== undefined && !/^[1-9][0-9]{0,9}$/.test(String(m.sign_id))) return 'msg_sms.sign_id must be a positive integer';
    return undefined;
  }

  checkCredentials(raw: Readonly<Record<string, unknown>>): string | undefined {
    const c = readCredentials(raw, this.options.defaultEndpoint);
    return typeof c === 'string' ? c : undefined;
  }

  async send(m: Readonly<Record<string, unknown>>, recipients: readonly MessagingRecipient[], credentials: MessagingCredentials): Promise<MessagingResult[]> {
    const creds = readCredentials(credentials, this.options.defaultEndpoint);
    if (typeof creds === 'string') return recipients.map(() => ({ kind: 'failed', reason: `SMS credentials unusable: ${creds}`, retry: false }));
    const provider = this.providerFor(creds);
    const signId = m.sign_id !== undefined ? Number(m.sign_id) : creds.signId;
    const params = (m.temp_para ?? undefined) as { [key: string]: Json } | undefined;
    const results: MessagingResult[] = new Array(recipients.length);
    let next = 0;
    const worker = async () => {
      while (next < recipients.length) {
        const i = next++;
        const r = recipients[i]!;
        if (!MOBILE.test(r.address)) {
          results[i] = { kind: 'invalidTarget', reason: 'not a mobile number' };
          continue;
        }
        const answer = await provider.send({ mobile: r.address, templateId: m.temp_id as number, params: params ?? r.params, signId });
        if (answer.ok) results[i] = { kind: 'submitted', vendorMessageId: answer.id };
        else if (BAD_MOBILE_CODES.has(answer.code)) results[i] = { kind: 'invalidTarget', reason: answer.message };
        // code 0: no answer from the gateway (network, timeout): worth another try
        else results[i] = { kind: 'failed', reason: answer.message, code: String(answer.code), retry: answer.code === 0 };
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, recipients.length) }, worker));
    return results;
  }

  async close(): Promise<void> {}
}
