import { mapBounded } from '../channels/vendor-http.js';
import { AccessTokenCache, type IssuesAccessTokens } from './access-tokens.js';
import { classifyErrcode, issueErrcodeToken, postWithToken, type ErrcodeRules } from './errcode-api.js';
import { charCount, checkString, isObject, type Obj } from './message-checks.js';
import { fillParams } from './recipient-params.js';
import { tokenChannel, type TokenSource } from './token-channel.js';
import type { MessagingChannel, MessagingCredentials, MessagingRecipient, MessagingResult } from './types.js';
import type { VendorHttpOptions } from './vendor-call.js';

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
  /**
   * `stable` (default): `POST cgi-bin/stable_token`, whose token stays valid when another
   * client (another node, the application itself) fetches one; `classic`: `GET cgi-bin/token`,
   * where each fetch ends the previous token within minutes.
   */
  tokenApi: 'stable' | 'classic';
}

export function parseWechatCredentials(raw: MessagingCredentials | Obj): WechatCredentials | string {
  const { appid, secret, token_api: tokenApi = 'stable' } = raw;
  if (typeof appid !== 'string' || !/^wx[0-9A-Za-z]{16}$/.test(appid)) return 'appid must be a WeChat AppID (wx followed by 16 letters or digits)';
  if (typeof secret !== 'string' || !/^[0-9A-Za-z]{16,64}$/.test(secret)) return 'secret must be the AppSecret (16-64 letters or digits)';
  if (tokenApi !== 'stable' && tokenApi !== 'classic') return 'token_api must be stable (cgi-bin/stable_token) or classic (cgi-bin/token)';
  return { appid, secret, tokenApi };
}

/** Token cache key and issuer for one WeChat credential. */
export function wechatTokenSource(endpoint: string, timeoutMs: number, cred: WechatCredentials): TokenSource {
  const key = AccessTokenCache.keyOf('wechat', cred.tokenApi, endpoint, cred.appid, cred.secret);
  if (cred.tokenApi === 'classic') {
    const url = `${endpoint}/cgi-bin/token?${new URLSearchParams({ grant_type: 'client_credential', appid: cred.appid, secret: cred.secret }).toString()}`;
    return { key, issue: () => issueErrcodeToken(WECHAT_RULES, url, timeoutMs) };
  }
  // force_refresh false: the current token, shared with every other caller of the credential
  const body = JSON.stringify({ grant_type: 'client_credential', appid: cred.appid, secret: cred.secret, force_refresh: false });
  const init = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
  return { key, issue: () => issueErrcodeToken(WECHAT_RULES, `${endpoint}/cgi-bin/stable_token`, timeoutMs, init) };
}

/** What one WeChat channel sends: the API path and the message fields for a message. */
export interface WechatSendSpec {
  id: 'wechatoa' | 'wechatmp';
  validate(message: Obj): string | undefined;
  request(message: Obj): { path: string; fields: readonly string[] };
}

/**
 * A WeChat channel (official account or mini program): one request per recipient, the openid
 * as `touser`, the message's fields (variables filled in) beside it; WeChat's `msgid` becomes
 * the vendor message id. Credentials: the account's `appid` and `secret`.
 */
export function createWechatChannel(spec: WechatSendSpec, options: VendorHttpOptions): MessagingChannel & IssuesAccessTokens {
  async function sendOne(message: Obj, recipient: MessagingRecipient, cred: WechatCredentials, tokens: AccessTokenCache): Promise<MessagingResult> {
    if (!OPENID.test(recipient.address)) return { kind: 'invalidTarget', reason: 'not a WeChat openid' };
    const { path, fields } = spec.request(message);
    const body = { touser: recipient.address, ...(fillParams(pick(message, fields), recipient.params) as Record<string, unknown>) };
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

  return tokenChannel<WechatCredentials>({
    id: spec.id,
    maxBatch: 100,
    validate: spec.validate,
    parseCredentials: parseWechatCredentials,
    tokenSource: (cred) => wechatTokenSource(options.endpoint, options.timeoutMs, cred),
    send: (message, recipients, cred, tokens) => mapBounded(recipients, options.concurrency, (r) => sendOne(message, r, cred, tokens)),
  });
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
