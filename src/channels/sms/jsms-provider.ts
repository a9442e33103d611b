import type { SmsMessage, SmsProvider, SmsResult } from './provider.js';

export interface JsmsOptions {
  /** Base URL of the gateway, e.g. https://api.sms.jpush.cn. */
  endpoint: string;
  /** Basic credentials: the gateway account's appKey and master secret. */
  key: string;
  secret: string;
  timeoutMs: number;
}

/** Largest answer read from the gateway; anything longer is not a JSMS answer. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The Jiguang SMS (JSMS) REST protocol for templated messages: `POST {endpoint}/v1/messages`
 * with HTTP Basic `appKey:masterSecret` and `{"mobile","temp_id","temp_para","sign_id"}`;
 * success is 200 with `{"msg_id": ...}`, failure `{"error":{"code","message"}}`.
 */
export class JsmsProvider implements SmsProvider {
  private readonly url: string;
  private readonly auth: string;

  constructor(private readonly options: JsmsOptions) {
    this.url = options.endpoint.replace(/\/+$/, '') + '/v1/messages';
    this.auth = 'Basic ' + Buffer.from(`${options.key}:${options.secret}`).toString('base64');
  }

  async send(message: SmsMessage): Promise<SmsResult> {
    const body = {
      mobile: message.mobile,
      temp_id: message.templateId,
      ...(message.params !== undefined ? { temp_para: message.params } : {}),
      ...(message.signId !== undefined ? { sign_id: message.signId } : {}),
    };
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: this.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      return { ok: false, code: 0, message: `gateway unreachable: ${(err as Error).message}`.slice(0, 200) };
    }
    if (text.length > MAX_ANSWER_BYTES) return { ok: false, code: 0, message: `HTTP ${res.status} with an oversized answer` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const answer = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const msgId = answer.msg_id;
    if (res.status === 200 && (typeof msgId === 'string' || typeof msgId === 'number')) return { ok: true, id: String(msgId) };
    const error = typeof answer.error === 'object' && answer.error !== null ? (answer.error as Record<string, unknown>) : {};
    const code = typeof error.code === 'number' && Number.isSafeInteger(error.code) ? error.code : 0;
    const why = typeof error.message === 'string' ? error.message.slice(0, 200) : `HTTP ${res.status}`;
    return { ok: false, code, message: why };
  }
}
