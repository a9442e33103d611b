import { mapBounded } from '../../channels/vendor-http.js';
import { AccessTokenCache, type IssuesAccessTokens } from '../access-tokens.js';
import { classifyErrcode, postWithToken } from '../errcode-api.js';
import { checkString, firstError, isObject, type Obj } from '../message-checks.js';
import { fillParams } from '../recipient-params.js';
import type { MessagingChannel, MessagingRecipient, MessagingResult } from '../types.js';
import type { VendorHttpOptions } from '../vendor-call.js';
import { checkMiniprogramJump, checkTemplateData, OPENID, parseWechatCredentials, pick, WECHAT_RULES, wechatTokenSource, type WechatCredentials } from '../wechat-common.js';

/**
 * WeChat official account (`msg_wechatoa`): `type` 0 is a template message
 * (`cgi-bin/message/template/send`), `type` 1 a subscription notice
 * (`cgi-bin/message/subscribe/bizsend`). One request per recipient, the openid as `touser`.
 * Credentials: the account's `appid` and `secret` (AppSecret).
 */

const TEMPLATE_FIELDS = ['template_id', 'url', 'miniprogram', 'client_msg_id', 'data'] as const;
const SUBSCRIPTION_FIELDS = ['template_id', 'page', 'miniprogram', 'data'] as const;

export function validateWechatOaMessage(msg: Obj): string | undefined {
  const type = msg.type;
  if (type !== 0 && type !== 1) return 'type must be 0 (template message) or 1 (subscription notice)';
  return firstError(
    () => checkString(msg, 'template_id', { required: true, maxChars: 128 }),
    () => (type === 0 ? checkString(msg, 'url', { maxChars: 1024, pattern: /^https?:\/\//i }) : checkString(msg, 'page', { maxChars: 1024 })),
    () => (type === 0 ? checkString(msg, 'client_msg_id', { maxChars: 64 }) : undefined),
    () => checkMiniprogramJump(msg, ''),
    () => checkTemplateData(msg.data, 'data', type === 1),
  );
}

export function createWechatOaChannel(options: VendorHttpOptions): MessagingChannel & IssuesAccessTokens {
  const tokens = new AccessTokenCache();

  async function sendOne(message: Obj, recipient: MessagingRecipient, cred: WechatCredentials): Promise<MessagingResult> {
    if (!OPENID.test(recipient.address)) return { kind: 'invalidTarget', reason: 'not a WeChat openid' };
    const subscription = message.type === 1;
    const body = { touser: recipient.address, ...(fillParams(pick(message, subscription ? SUBSCRIPTION_FIELDS : TEMPLATE_FIELDS), recipient.params) as Record<string, unknown>) };
    const path = subscription ? '/cgi-bin/message/subscribe/bizsend' : '/cgi-bin/message/template/send';
    const source = wechatTokenSource(options.endpoint, options.timeoutMs, cred);
    const reply = await postWithToken(WECHAT_RULES, {
      tokens,
      tokenKey: source.key,
      issue: source.issue,
      url: (token) => `${options.endpoint}${path}?access_token=${encodeURIComponent(token)}`,
      body,
      timeoutMs: options.timeoutMs,
    });
    if (reply.kind === 'failed') return reply.result;
    if (reply.code !== 0) return classifyErrcode(WECHAT_RULES, reply.code, reply.body);
    const msgid = reply.body.msgid;
    return typeof msgid === 'number' || typeof msgid === 'string' ? { kind: 'submitted', vendorMessageId: String(msgid).slice(0, 64) } : { kind: 'submitted' };
  }

  return {
    id: 'wechatoa',
    maxBatch: 100,
    validate: validateWechatOaMessage,
    checkCredentials(raw) {
      const cred = parseWechatCredentials(raw);
      return typeof cred === 'string' ? cred : undefined;
    },
    async send(message, recipients, credentials) {
      const cred = parseWechatCredentials(credentials);
      if (typeof cred === 'string') return recipients.map(() => ({ kind: 'failed', reason: `credentials: ${cred}`, retry: false }));
      const invalid = isObject(message) ? validateWechatOaMessage(message) : 'not an object';
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
