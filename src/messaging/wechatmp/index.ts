import type { IssuesAccessTokens } from '../access-tokens.js';
import { checkString, firstError, type Obj } from '../message-checks.js';
import type { MessagingChannel } from '../types.js';
import type { VendorHttpOptions } from '../vendor-call.js';
import { checkTemplateData, createWechatChannel } from '../wechat-common.js';

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
  return createWechatChannel({ id: 'wechatmp', validate: validateWechatMpMessage, request: () => ({ path: '/cgi-bin/message/subscribe/send', fields: FIELDS }) }, options);
}
