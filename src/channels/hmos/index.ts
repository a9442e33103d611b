import type { AcceptedPush } from '../../domain/push.js';
import { classifyPushKitAnswer, type PartialReport, type PushKitAnswer } from '../huawei/classify.js';
import { pushKitReceipts } from '../huawei/receipts.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { mapBounded, networkReason, parseJsonSafe, readCapped } from '../vendor-http.js';
import { renderHmosMessage } from './render.js';
import { HmosJwtSigner, parseHmosServiceAccount, type HmosServiceAccount } from './service-account.js';

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

  async function post(url: string, jwt: string, pushType: number, body: string): Promise<PushKitAnswer> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', 'push-type': String(pushType) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, headers: res.headers, text: await readCapped(res) };
  }

  async function sendChunk(account: HmosServiceAccount, url: string, pushType: number, body: object, chunk: string[]): Promise<TargetResult[]> {
    const text = JSON.stringify({ ...body, target: { token: chunk } });
    const all = (r: TargetResult) => chunk.map(() => r);
    let jwt: string;
    try {
      jwt = await signer.get(account);
    } catch (err) {
      return all({ kind: 'rejected', reason: `HarmonyOS service account cannot sign: ${(err as Error).message}`, code: 'bad_credentials' });
    }
    try {
      for (let attempt = 0; ; attempt++) {
        const outcome = classifyPushKitAnswer('HarmonyOS', await post(url, jwt, pushType, text), chunk, hmosPartial, AUTH_CODES);
        if (outcome.kind === 'results') return outcome.results;
        if (attempt > 0) return all({ kind: 'rejected', reason: outcome.reason, code: 'auth' });
        signer.invalidate(account, jwt);
        jwt = await signer.get(account);
      }
    } catch (err) {
      return all({ kind: 'retry', reason: networkReason(err) });
    }
  }

  return {
    id: 'hmos',
    maxBatch: 1000,
    signer,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const account = parseHmosServiceAccount(credentials);
      if (typeof account === 'string') return targets.map(() => ({ kind: 'rejected', reason: `HarmonyOS credentials: ${account}`, code: 'bad_credentials' }));
      const rendered = renderHmosMessage(push);
      if ('error' in rendered) return targets.map(() => ({ kind: 'rejected', reason: rendered.error, code: rendered.code }));
      const results = new Array<TargetResult>(targets.length);
      const valid: number[] = [];
      targets.forEach((t, i) => {
        if (typeof t.token === 'string' && t.token.length > 0 && t.token.length <= 4096) valid.push(i);
        else results[i] = { kind: 'tokenDead', reason: 'no HarmonyOS token string' };
      });
      const url = `${endpoint}/v3/${encodeURIComponent(account.projectId)}/messages:send`;
      const chunks: number[][] = [];
      for (let start = 0; start < valid.length; start += rendered.maxTokens) chunks.push(valid.slice(start, start + rendered.maxTokens));
      // card refreshes go one token per request: a few requests in flight keep a batch quick
      await mapBounded(chunks, CHUNK_CONCURRENCY, async (slice) => {
        const chunkResults = await sendChunk(account, url, rendered.pushType, rendered.body, slice.map((i) => targets[i]!.token as string));
        slice.forEach((i, k) => {
          const r = chunkResults[k]!;
          results[i] = r.kind === 'delivered' && rendered.notes.length > 0 ? { ...r, notes: rendered.notes } : r;
        });
      });
      return results;
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      return pushKitReceipts(request, credentials, 'x-huawei-callback-id');
    },
    close() {
      return Promise.resolve();
    },
  };
}
