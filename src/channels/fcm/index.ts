import type { AcceptedPush } from '../../domain/push.js';
import type { Channel, ChannelCredentials, RelayTarget, TargetResult } from '../types.js';
import { mapBounded, networkReason, readCapped } from '../vendor-http.js';
import { classifyFcmAnswer, parseFcmError } from './classify.js';
import { AccessTokenCache, TokenError, parseServiceAccount, type ServiceAccount } from './oauth.js';
import { renderFcmMessage } from './render.js';

/**
 * FCM HTTP v1: one request per token (Google removed the batch endpoint), so a batch is fanned
 * out with bounded concurrency over keep-alive connections. Credentials are the app's
 * service-account JSON; its access token is cached and shared by all sends of that account.
 */

export const FCM_ENDPOINT = 'https://fcm.googleapis.com';
/** Requests in flight at once for one send call. */
const CONCURRENCY = 32;
const REQUEST_TIMEOUT_MS = 10_000;

export interface FcmChannelOptions {
  /** Base URL of the FCM API (default Google's). */
  endpoint?: string;
  /** OAuth2 token endpoint; default the credential's `token_uri`, else Google's. */
  tokenEndpoint?: string;
  /** Time FCM has to answer one request, ms (10 s). */
  timeoutMs?: number;
}

export function createFcmChannel(opts: FcmChannelOptions = {}): Channel {
  const endpoint = (opts.endpoint ?? FCM_ENDPOINT).replace(/\/+$/, '');
  const tokens = new AccessTokenCache(opts.tokenEndpoint);
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;

  function same(targets: readonly RelayTarget[], result: TargetResult): TargetResult[] {
    return targets.map(() => result);
  }

  async function post(url: string, accessToken: string, body: string): Promise<{ status: number; headers: Headers; text: string }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, headers: res.headers, text: await readCapped(res) };
  }

  async function sendOne(account: ServiceAccount, url: string, token: string, message: object, accessToken: string): Promise<TargetResult> {
    const body = JSON.stringify({ message: { ...message, token } });
    try {
      let answer = await post(url, accessToken, body);
      if (answer.status === 401 && parseFcmError(answer.text).errorCode !== 'THIRD_PARTY_AUTH_ERROR') {
        // the access token was revoked or expired early: renew it once, then retry this one request
        tokens.invalidate(account, accessToken);
        answer = await post(url, await tokens.get(account), body);
      }
      return classifyFcmAnswer(answer.status, answer.headers, answer.text);
    } catch (err) {
      if (err instanceof TokenError) return tokenFailure(err);
      return { kind: 'retry', reason: networkReason(err) };
    }
  }

  return {
    id: 'fcm',
    maxBatch: 500,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const account = parseServiceAccount(credentials);
      if (typeof account === 'string') return same(targets, { kind: 'rejected', reason: `FCM credentials: ${account}`, code: 'bad_credentials' });
      let accessToken: string;
      try {
        accessToken = await tokens.get(account);
      } catch (err) {
        return same(targets, err instanceof TokenError ? tokenFailure(err) : { kind: 'retry', reason: networkReason(err) });
      }
      const url = `${endpoint}/v1/projects/${encodeURIComponent(account.projectId)}/messages:send`;
      const message = renderFcmMessage(push);
      return mapBounded(targets, CONCURRENCY, (target) => {
        if (typeof target.token !== 'string' || target.token.length === 0) {
          return Promise.resolve<TargetResult>({ kind: 'tokenDead', reason: 'no FCM token string' });
        }
        return sendOne(account, url, target.token, message, accessToken);
      });
    },
    close() {
      return Promise.resolve();
    },
  };
}

function tokenFailure(err: TokenError): TargetResult {
  if (!err.retryable) return { kind: 'rejected', reason: err.message, code: 'auth' };
  return err.afterMs === undefined ? { kind: 'retry', reason: err.message } : { kind: 'retry', afterMs: err.afterMs, reason: err.message };
}
