import { AccessTokenCache, TokenError, type IssuedToken } from './access-tokens.js';
import type { MessagingResult } from './types.js';
import { asObject, callVendor, excerpt } from './vendor-call.js';

/**
 * The request style WeChat (official accounts, mini programs), WeCom and DingTalk share: an
 * access token in the query string, JSON bodies, and answers `{"errcode": N, "errmsg": ".."}`
 * with errcode 0 for success, always over HTTP 200. Each vendor brings its own table of codes.
 */

export interface ErrcodeRules {
  /** Vendor name for failure reasons. */
  vendor: string;
  /** The access token is invalid or expired: fetch a new one and send again, once. */
  tokenInvalid: ReadonlySet<number>;
  /** Busy, rate-limited or quota-exhausted: the same request may work later. */
  retryable: ReadonlySet<number>;
  /** The addressee is unknown, unsubscribed or refused messages: never worth retrying. */
  invalidTarget: ReadonlySet<number>;
  /** The code to judge an answer by (DingTalk nests the real one in `sub_code`). */
  codeOf?: (body: Record<string, unknown>) => number | undefined;
}

/** errcode as a number (some vendors send it as a string); undefined when absent or not numeric. */
export function errcodeOf(body: Record<string, unknown>): number | undefined {
  const raw = body.errcode;
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && /^-?\d{1,9}$/.test(raw)) return Number(raw);
  return undefined;
}

function errmsgOf(body: Record<string, unknown>): string {
  return typeof body.errmsg === 'string' ? excerpt(body.errmsg) : '';
}

/** Maps a non-zero errcode to a result by the vendor's table; unknown codes are refusals. */
export function classifyErrcode(rules: ErrcodeRules, code: number, body: Record<string, unknown>): MessagingResult {
  const reason = `${rules.vendor} errcode ${code}${errmsgOf(body) ? `: ${errmsgOf(body)}` : ''}`;
  if (rules.invalidTarget.has(code)) return { kind: 'invalidTarget', reason };
  return { kind: 'failed', reason, code: String(code), retry: rules.retryable.has(code) || rules.tokenInvalid.has(code) };
}

/**
 * Fetches an access token (a GET by default; WeChat's stable_token is a POST) and reads
 * `{access_token, expires_in}`; a failure becomes a TokenError classified by `rules`.
 */
export async function issueErrcodeToken(rules: ErrcodeRules, url: string, timeoutMs: number, init: Parameters<typeof callVendor>[1] = { method: 'GET' }): Promise<IssuedToken> {
  const reply = await callVendor(url, init, timeoutMs);
  if (!reply.ok) throw new TokenError(`token endpoint: ${reply.reason}`, true);
  const body = asObject(reply.json);
  if (!body) throw new TokenError(`token endpoint answered HTTP ${reply.status} without JSON: ${excerpt(reply.text)}`, true);
  const code = (rules.codeOf ?? errcodeOf)(body) ?? 0;
  if (code !== 0) {
    throw new TokenError(`token endpoint refused: errcode ${code}${errmsgOf(body) ? ` ${errmsgOf(body)}` : ''}`, rules.retryable.has(code), String(code));
  }
  const token = body.access_token;
  if (typeof token !== 'string' || token.length === 0 || token.length > 2048) {
    throw new TokenError(`token endpoint answered HTTP ${reply.status} without an access_token`, true);
  }
  const expires = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in);
  return { token, expiresInSeconds: expires };
}

export type ErrcodeReply =
  /** The vendor's answer, errcode 0 or otherwise (token refusals already retried). */
  | { kind: 'answer'; code: number; body: Record<string, unknown> }
  /** No usable answer; the result to give every recipient of the request. */
  | { kind: 'failed'; result: MessagingResult };

export interface TokenedPost {
  tokens: AccessTokenCache;
  /** Cache key of the credential (AccessTokenCache.keyOf). */
  tokenKey: string;
  issue: () => Promise<IssuedToken>;
  /** The request URL for a token. */
  url: (token: string) => string;
  body: unknown;
  timeoutMs: number;
}

/** POSTs JSON with the credential's access token; an invalid-token answer renews it and sends once more. */
export async function postWithToken(rules: ErrcodeRules, req: TokenedPost): Promise<ErrcodeReply> {
  const payload = JSON.stringify(req.body);
  for (let attempt = 0; ; attempt++) {
    let token: string;
    try {
      token = await req.tokens.get(req.tokenKey, req.issue);
    } catch (err) {
      const e = err instanceof TokenError ? err : new TokenError(String(err), true);
      const result: MessagingResult = { kind: 'failed', reason: `${rules.vendor} access token: ${e.message}`, retry: e.retry };
      if (e.code !== undefined) result.code = e.code;
      return { kind: 'failed', result };
    }
    const reply = await callVendor(req.url(token), { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload }, req.timeoutMs);
    if (!reply.ok) return { kind: 'failed', result: { kind: 'failed', reason: `${rules.vendor}: ${reply.reason}`, retry: true } };
    const body = asObject(reply.json);
    if (!body) {
      return { kind: 'failed', result: { kind: 'failed', reason: `${rules.vendor} answered HTTP ${reply.status} without JSON: ${excerpt(reply.text)}`, retry: true } };
    }
    const code = (rules.codeOf ?? errcodeOf)(body);
    if (code === undefined) {
      if (reply.status === 200) return { kind: 'answer', code: 0, body };
      const retry = reply.status === 429 || reply.status >= 500;
      return { kind: 'failed', result: { kind: 'failed', reason: `${rules.vendor} answered HTTP ${reply.status}: ${excerpt(reply.text)}`, retry } };
    }
    if (rules.tokenInvalid.has(code)) {
      req.tokens.invalidate(req.tokenKey, token);
      if (attempt === 0) continue;
    }
    return { kind: 'answer', code, body };
  }
}
