import { AccessTokenCache, type IssuedToken } from './access-tokens.js';
import { issueErrcodeToken, type ErrcodeRules } from './errcode-api.js';
import { charCount, checkString, isObject, type Obj } from './message-checks.js';
import type { MessagingCredentials } from './types.js';

/**
 * What WeChat official accounts and mini programs share: the `cgi-bin/token` credential grant,
 * the global error codes, openids, and the `data` object of template and subscription messages.
 */

export const WECHAT_RULES: ErrcodeRules = {
  vendor: 'WeChat',
  // 40001 invalid credential / token not latest, 40014 invalid access_token, 42001 access_token expired
  tokenInvalid: new Set([40001, 40014, 42001]),
  // -1 system busy, 45009 daily API quota reached, 45011 API minute quota reached
  retryable: new Set([-1, 45009, 45011]),
  // 40003 invalid openid, 43004 receiver did not follow the account, 43101 user refused (no subscription),
  // 43019 receiver is on the account's blacklist
  invalidTarget: new Set([40003, 43004, 43101, 43019]),
};

/** openids are URL-safe base64-like strings (28 characters in practice). */
export const OPENID = /^[A-Za-z0-9_-]{1,128}$/;

export interface WechatCredentials {
  appid: string;
  secret: string;
}

export function parseWechatCredentials(raw: MessagingCredentials | Obj): WechatCredentials | string {
  const { appid, secret } = raw;
  if (typeof appid !== 'string' || !/^wx[0-9A-Za-z]{16}$/.test(appid)) return 'appid must be a WeChat AppID (wx followed by 16 letters or digits)';
  if (typeof secret !== 'string' || !/^[0-9A-Za-z]{16,64}$/.test(secret)) return 'secret must be the AppSecret (16-64 letters or digits)';
  return { appid, secret };
}

/** Token cache key and issuer for one WeChat credential. */
export function wechatTokenSource(endpoint: string, timeoutMs: number, cred: WechatCredentials): { key: string; issue: () => Promise<IssuedToken> } {
  const url = `${endpoint}/cgi-bin/token?${new URLSearchParams({ grant_type: 'client_credential', appid: cred.appid, secret: cred.secret }).toString()}`;
  return { key: AccessTokenCache.keyOf('wechat', endpoint, cred.appid, cred.secret), issue: () => issueErrcodeToken(WECHAT_RULES, url, timeoutMs) };
}

/**
 * Limits of subscription-message values by the key's type prefix (`thing3`, `number01`...),
 * from WeChat's table; types without a length rule (time, date, amount, enum) are not checked here.
 */
const SUBSCRIPTION_VALUE_LIMITS: readonly [RegExp, number][] = [
  [/^thing\d*$/, 20],
  [/^number\d*$/, 32],
  [/^letter\d*$/, 32],
  [/^symbol\d*$/, 5],
  [/^character_string\d*$/, 32],
  [/^phone_number\d*$/, 17],
  [/^car_number\d*$/, 8],
  [/^name\d*$/, 20],
  [/^phrase\d*$/, 5],
];

/** Most entries in one `data` object, and longest value: bounds of Borealis, far above any template. */
const MAX_DATA_KEYS = 50;
const MAX_VALUE_CHARS = 1000;

/**
 * Checks a template / subscription `data` object: `{key: {value, color?}}`. With
 * `subscription`, values also keep WeChat's per-type limits (a `name` value of Chinese
 * characters: 10).
 */
export function checkTemplateData(data: unknown, path: string, subscription: boolean): string | undefined {
  if (!isObject(data)) return `${path} is required and must be an object`;
  const keys = Object.keys(data);
  if (keys.length === 0) return `${path} must not be empty`;
  if (keys.length > MAX_DATA_KEYS) return `${path} has more than ${MAX_DATA_KEYS} entries`;
  for (const key of keys) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key)) return `${path}.${key}: key must be letters, digits or _`;
    const entry = data[key];
    if (!isObject(entry)) return `${path}.${key} must be an object with a value`;
    const value = entry.value;
    if (value === undefined || value === null) return `${path}.${key}.value is required`;
    if (typeof value !== 'string' && typeof value !== 'number') return `${path}.${key}.value must be a string or a number`;
    const text = String(value);
    if (charCount(text) > MAX_VALUE_CHARS) return `${path}.${key}.value must be at most ${MAX_VALUE_CHARS} characters`;
    const colorError = checkString(entry, 'color', { pattern: /^#[0-9A-Fa-f]{6}$/ }, `${path}.${key}.`);
    if (colorError) return colorError;
    if (subscription) {
      const limit = SUBSCRIPTION_VALUE_LIMITS.find(([re]) => re.test(key))?.[1];
      const max = /^name\d*$/.test(key) && /[\u3400-\u9fff]/.test(text) ? 10 : limit;
      if (max !== undefined && charCount(text) > max) return `${path}.${key}.value must be at most ${max} characters for this type`;
      if (/^number\d*$/.test(key) && !/^-?\d+(\.\d+)?$/.test(text)) return `${path}.${key}.value must be a number`;
    }
  }
  return undefined;
}

/** Checks an optional `miniprogram` jump: `{appid, pagepath?}`. */
export function checkMiniprogramJump(obj: Obj, path: string): string | undefined {
  const jump = obj.miniprogram;
  if (jump === undefined || jump === null) return undefined;
  if (!isObject(jump)) return `${path}miniprogram must be an object`;
  return (
    checkString(jump, 'appid', { required: true, maxChars: 64, pattern: /^[A-Za-z0-9_-]+$/ }, `${path}miniprogram.`) ??
    checkString(jump, 'pagepath', { maxChars: 1024 }, `${path}miniprogram.`)
  );
}

/** Copies the fields present in `source` (skipping absent and null ones). */
export function pick(source: Obj, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (source[f] !== undefined && source[f] !== null) out[f] = source[f];
  return out;
}
