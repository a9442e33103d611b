import type { IssuesAccessTokens } from '../access-tokens.js';
import { checkString, firstError, type Obj } from '../message-checks.js';
import type { MessagingChannel } from '../types.js';
import type { VendorHttpOptions } from '../vendor-call.js';
import { checkMiniprogramJump, checkTemplateData, createWechatChannel } from '../wechat-common.js';

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
  return createWechatChannel(
    {
      id: 'wechatoa',
      validate: validateWechatOaMessage,
      request: (m) =>
        m.type === 1 ? { path: '/cgi-bin/message/subscribe/bizsend', fields: SUBSCRIPTION_FIELDS } : { path: '/cgi-bin/message/template/send', fields: TEMPLATE_FIELDS },
    },
    options,
  );
}
