import { mapBounded } from '../../channels/vendor-http.js';
import { AccessTokenCache, type IssuesAccessTokens } from '../access-tokens.js';
import { classifyErrcode, postWithToken } from '../errcode-api.js';
import { checkString, firstError, isObject, type Obj } from '../message-checks.js';
import { fillParams } from '../recipient-params.js';
import type { MessagingChannel, MessagingRecipient, MessagingResult } from '../types.js';
import type { VendorHttpOptions } from '../vendor-call.js';
import { checkTemplateData, OPENID, parseWechatCredentials, pick, WECHAT_RULES, wechatTokenSource, type WechatCredentials } from '../wechat-common.js';

/**
 * WeChat mini program (`msg_wechatmp`): a subscription message through
 * `cgi-bin/message/subscribe/send`, one request per recipient, the openid as `touser`.
 * Credentials: the mini program's `appid` and `secret`.
 */

const FIELDS = ['template_id', 'page', 'data', 'miniprogram_state', 'lang'] as const;

export function validateWechatMpMessage(msg: Obj): string | undefined {
  return firstError(
    () => checkString(msg, 'template_id', { required: true, maxChars: 128 }),
    () => checkString(msg, 'page', { maxChars: 1024 }),
    () => checkString(msg, 'miniprogram_state', { pattern: /^(developer|trial|formal)$/ }),
    () => checkString(msg, 'lang', { pattern: /^(zh_CN|en_US|zh_HK|zh_TW)$/ }),
    () => checkTemplateData(msg.data, 'data', true),
  );
}

export function createWechatMpChannel(options: VendorHttpOptions): MessagingChannel & IssuesAccessTokens {
  const tokens = new AccessTokenCache();

  async function sendOne(message: Obj, recipient: MessagingRecipient, cred: WechatCredentials): Promise<MessagingResult> {
    if (!OPENID.test(recipient.address)) return { kind: 'invalidTarget', reason: 'not a WeChat openid' };
    const body = { touser: recipient.address, ...(fillParams(pick(message, FIELDS), recipient.params) as Record<string, unknown>) };
    const source = wechatTokenSource(options.endpoint, options.timeoutMs, cred);
    const reply = await postWithToken(WECHAT_RULES, {
      tokens,
      tokenKey: source.key,
      issue: source.issue,
      url: (token) => `${options.endpoint}/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent(token)}`,
      body,
      timeoutMs: options.timeoutMs,
    });
    if (reply.kind === 'failed') return reply.result;
    if (reply.code !== 0) return classifyErrcode(WECHAT_RULES, reply.code, reply.body);
    const msgid = reply.body.msgid;
    return typeof msgid === 'number' || typeof msgid === 'string' ? { kind: 'submitted', vendorMessageId: String(msgid).slice(0, 64) } : { kind: 'submitted' };
  }

  return {
    id: 'wechatmp',
    maxBatch: 100,
    validate: validateWechatMpMessage,
    checkCredentials(raw) {
      const cred = parseWechatCredentials(raw);
      return typeof cred === 'string' ? cred : undefined;
    },
    async send(message, recipients, credentials) {
      const cred = parseWechatCredentials(credentials);
      if (typeof cred === 'string') return recipients.map(() => ({ kind: 'failed', reason: `credentials: ${cred}`, retry: false }));
      const invalid = isObject(message) ? validateWechatMpMessage(message) : 'not an object';
      if (invalid) return recipients.map(() => ({ kind: 'failed', reason: `message: ${invalid}`, retry: false }));
      return mapBounded(recipients, options.concurrency, (r) => sendOne(message, r, cred));
    },
    async accessToken(raw) {
      const cred = parseWechatCredentials(raw);
      if (typeof cred === 'string') throw new Error(`credentials: ${cred}`);
      const source = wechatTokenSource(options.endpoint, options.timeoutMs, cred);
      return tokens.getWithExpiry(source.key, source.issue);
    },
    async close() {
      tokens.clear();
    },
  };
}
