import type { AcceptedPush } from '../../domain/push.js';
import { classifyPushKitAnswer, type PartialReport } from '../huawei/classify.js';
import { pushKitReceipts } from '../huawei/receipts.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { postWithBearer, sendInChunks, sendWithBearer, type BearerSource } from '../token-batches.js';
import { parseJsonSafe } from '../vendor-http.js';
import { renderHmosMessage } from './render.js';
import { HmosJwtSigner, parseHmosServiceAccount } from './service-account.js';

/**
 * HarmonyOS Push Kit (HarmonyOS NEXT / 5+): `POST /v3/{projectId}/messages:send` with the
 * scenario in the `push-type` header, authenticated by a self-signed service-account JWT.
 * Serves devices of `platform: hmos` through their `hmos` token.
 */

export const HMOS_ENDPOINT = 'https://push-api.cloud.huawei.com';
/** 80200005: the JWT expired; 80200001: authentication refused. Both get one re-signed retry. */
const AUTH_CODES = ['80200001', '80200005'];
/** Partial-success reasons that mean the token will never work: pruned. */
/** Requests in flight at once for one batch. */
const CHUNK_CONCURRENCY = 8;
const DEAD_REASONS = new Set(['tokenFormatError', 'tokenPlatformNotSupport', 'noRight']);

export interface HmosChannelOptions {
  endpoint?: string;
  timeoutMs?: number;
  /** Lifetime of the signed JWTs, seconds (3600; Push Kit refuses more than a day). */
  jwtLifetimeSeconds?: number;
}

/**
 * HarmonyOS's partial-success `msg`: `{"illegalTokens":{"<reason>":[tokens]},"failure":n}`.
 * Token reasons prune; setup reasons (no right for this push-type, app not created, penalty...)
 * refuse the token's notification without touching the token.
 */
export function hmosPartial(msg: string): PartialReport {
  const body = parseJsonSafe(msg) as { illegalTokens?: unknown; illegal_tokens?: unknown } | undefined;
  const report: PartialReport = { dead: new Set(), refused: new Map() };
  const groups = body?.illegalTokens ?? body?.illegal_tokens;
  if (typeof groups !== 'object' || groups === null) return report;
  if (Array.isArray(groups)) {
    for (const t of groups as unknown[]) if (typeof t === 'string') report.dead.add(t);
    return report;
  }
  for (const [reason, list] of Object.entries(groups as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    for (const t of list as unknown[]) {
      if (typeof t !== 'string') continue;
      if (DEAD_REASONS.has(reason)) report.dead.add(t);
      else report.refused.set(t, reason.slice(0, 80));
    }
  }
  return report;
}

export function createHmosChannel(opts: HmosChannelOptions = {}): Channel & { readonly signer: HmosJwtSigner } {
  const endpoint = (opts.endpoint ?? HMOS_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const signer = new HmosJwtSigner(opts.jwtLifetimeSeconds);

  return {
    id: 'hmos',
    maxBatch: 1000,
    signer,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const account = parseHmosServiceAccount(credentials);
      if (typeof account === 'string') return targets.map(() => ({ kind: 'rejected', reason: `HarmonyOS credentials: ${account}`, code: 'bad_credentials' }));
      const rendered = renderHmosMessage(push);
      if ('error' in rendered) return targets.map(() => ({ kind: 'rejected', reason: rendered.error, code: rendered.code }));
      const url = `${endpoint}/v3/${encodeURIComponent(account.projectId)}/messages:send`;
      const bearer: BearerSource = {
        get: () => signer.get(account),
        invalidate: (jwt) => signer.invalidate(account, jwt),
        failure: (err) => ({ kind: 'rejected', reason: `HarmonyOS service account cannot sign: ${(err as Error).message}`, code: 'bad_credentials' }),
      };
      const headers = { 'content-type': 'application/json', 'push-type': String(rendered.pushType) };
      // card refreshes go one token per request: a few requests in flight keep a batch quick
      const chunking = { vendor: 'HarmonyOS', size: rendered.maxTokens, concurrency: CHUNK_CONCURRENCY, notes: rendered.notes };
      return sendInChunks(targets, chunking, (chunk) => {
        const body = JSON.stringify({ ...rendered.body, target: { token: chunk } });
        return sendWithBearer(chunk, bearer, async (jwt) =>
          classifyPushKitAnswer('HarmonyOS', await postWithBearer(url, jwt, body, timeoutMs, headers), chunk, hmosPartial, AUTH_CODES),
        );
      });
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      return pushKitReceipts(request, credentials, 'x-huawei-callback-id');
    },
    close() {
      return Promise.resolve();
    },
  };
}
