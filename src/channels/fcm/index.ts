import type { AcceptedPush } from '../../domain/push.js';
import type { Channel, ChannelCredentials, RelayTarget, TargetResult } from '../types.js';
import { Http2Pool } from '../http2-pool.js';
import { mapBounded, networkReason } from '../vendor-http.js';
import { classifyFcmAnswer, parseFcmError } from './classify.js';
import { AccessTokenCache, TokenError, parseServiceAccount, type ServiceAccount } from './oauth.js';
import { renderFcmMessage } from './render.js';

/**
 * FCM HTTP v1: one request per token (Google removed the batch endpoint), so a batch is fanned
 * out as concurrent streams over a few long-lived HTTP/2 connections (FCM speaks HTTP/2, as
 * Google's own Admin SDKs use it for this fan-out); one HTTP/1.1 request per token costs several
 * times the CPU. Credentials are the app's service-account JSON; its access token is cached and
 * shared by all sends of that account.
 */

export const FCM_ENDPOINT = 'https://fcm.googleapis.com';
/** HTTP/2 connections to FCM, shared by every app's sends. */
const SESSIONS = 4;
/** Requests in flight at once over all connections (FCM allows 100 streams per connection). */
const CONCURRENCY = 400;
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
  const endpoint = new URL(opts.endpoint ?? FCM_ENDPOINT);
  const tokens = new AccessTokenCache(opts.tokenEndpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  const pool = new Http2Pool(endpoint.origin, {}, SESSIONS, CONCURRENCY, opts.timeoutMs ?? REQUEST_TIMEOUT_MS);

  function same(targets: readonly RelayTarget[], result: TargetResult): TargetResult[] {
    return targets.map(() => result);
  }

  function post(path: string, accessToken: string, body: string) {
    return pool.request(
      { ':method': 'POST', ':path': path, authorization: `Bearer ${accessToken}`, 'content-type': 'application/json; charset=utf-8' },
      body,
    );
  }

  async function sendOne(account: ServiceAccount, path: string, token: string, body: string, accessToken: string): Promise<TargetResult> {
    try {
      let answer = await post(path, accessToken, body);
      if (answer.status === 401 && parseFcmError(answer.body).errorCode !== 'THIRD_PARTY_AUTH_ERROR') {
        // the access token was revoked or expired early: renew it once, then retry this one request
        tokens.invalidate(account, accessToken);
        answer = await post(path, await tokens.get(account), body);
      }
      const retryAfter = answer.headers['retry-after'];
      return classifyFcmAnswer(answer.status, typeof retryAfter === 'string' ? retryAfter : null, answer.body);
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
      const path = `${basePath}/v1/projects/${encodeURIComponent(account.projectId)}/messages:send`;
      const body = bodyTemplate(renderFcmMessage(push));
      return mapBounded(targets, CONCURRENCY, (target) => {
        if (typeof target.token !== 'string' || target.token.length === 0) {
          return Promise.resolve<TargetResult>({ kind: 'tokenDead', reason: 'no FCM token string' });
        }
        return sendOne(account, path, target.token, body(target.token), accessToken);
      });
    },
    close() {
      pool.close();
      return Promise.resolve();
    },
  };
}

/**
 * The request body for one token: the message is the same for every token of a batch, so it is
 * serialized once and each token is spliced in front of its fields.
 */
function bodyTemplate(message: object): (token: string) => string {
  const fields = JSON.stringify(message).slice(1, -1);
  const rest = fields.length > 0 ? `,${fields}}}` : '}}';
  return (token) => `{"message":{"token":${JSON.stringify(token)}${rest}`;
}

function tokenFailure(err: TokenError): TargetResult {
  if (!err.retryable) return { kind: 'rejected', reason: err.message, code: 'auth' };
  return err.afterMs === undefined ? { kind: 'retry', reason: err.message } : { kind: 'retry', afterMs: err.afterMs, reason: err.message };
}
