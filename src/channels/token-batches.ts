import type { RelayTarget, TargetResult } from './types.js';
import { mapBounded, networkReason, readCapped } from './vendor-http.js';

/**
 * The send skeleton of the vendors that take a list of tokens per request behind a bearer
 * credential (Huawei Push Kit, HarmonyOS Push Kit, Honor): tokens checked and cut into the
 * vendor's chunk size, each chunk sent with the credential, renewed once when the vendor calls
 * it expired, and the notes of fields the vendor could not carry attached to what it accepted.
 * Request bodies and answers stay in each vendor's folder.
 */

/** A vendor's answer to one chunk: a result per token, or "the bearer expired or was refused". */
export type ChunkOutcome = { kind: 'results'; results: TargetResult[] } | { kind: 'renewAuth'; reason: string };

/** Where a bearer comes from: an OAuth2 token cache or a JWT signer, bound to one app's credentials. */
export interface BearerSource {
  get(): Promise<string>;
  /** The vendor refused `bearer`: the next get() makes a new one. */
  invalidate(bearer: string): void;
  /** The result for every token when no bearer could be had. */
  failure(err: unknown): TargetResult;
}

/**
 * Sends one chunk with a bearer from `source`; a `renewAuth` answer renews it and sends once
 * more (a second one rejects the chunk). A request that fails on the network is retried later.
 */
export async function sendWithBearer(chunk: readonly string[], source: BearerSource, send: (bearer: string) => Promise<ChunkOutcome>): Promise<TargetResult[]> {
  const all = (r: TargetResult) => chunk.map(() => r);
  for (let attempt = 0; ; attempt++) {
    let bearer: string;
    try {
      bearer = await source.get();
    } catch (err) {
      return all(source.failure(err));
    }
    let outcome: ChunkOutcome;
    try {
      outcome = await send(bearer);
    } catch (err) {
      return all({ kind: 'retry', reason: networkReason(err) });
    }
    if (outcome.kind === 'results') return outcome.results;
    if (attempt > 0) return all({ kind: 'rejected', reason: outcome.reason, code: 'auth' });
    source.invalidate(bearer);
  }
}

export interface TokenChunks {
  /** The vendor's name in reasons ("no HMS token string"). */
  vendor: string;
  /** Most tokens one request takes. */
  size: number;
  /** Chunks in flight at once (1: one after the other). */
  concurrency?: number;
  /** Fields of the push the vendor cannot carry, noted on each accepted result. */
  notes: readonly string[];
}

/** Longest token any of these vendors issues; longer is not a token of theirs. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * One result per target, in order: a target without a plausible token string is dead at once;
 * the others go to `sendChunk` in chunks of at most `size` tokens.
 */
export async function sendInChunks(targets: readonly RelayTarget[], opts: TokenChunks, sendChunk: (tokens: string[]) => Promise<TargetResult[]>): Promise<TargetResult[]> {
  const results = new Array<TargetResult>(targets.length);
  const valid: number[] = [];
  targets.forEach((t, i) => {
    if (typeof t.token === 'string' && t.token.length > 0 && t.token.length <= MAX_TOKEN_LENGTH) valid.push(i);
    else results[i] = { kind: 'tokenDead', reason: `no ${opts.vendor} token string` };
  });
  const chunks: number[][] = [];
  for (let start = 0; start < valid.length; start += opts.size) chunks.push(valid.slice(start, start + opts.size));
  await mapBounded(chunks, opts.concurrency ?? 1, async (chunk) => {
    const chunkResults = await sendChunk(chunk.map((i) => targets[i]!.token as string));
    chunk.forEach((i, k) => {
      const r = chunkResults[k]!;
      results[i] = r.kind === 'delivered' && opts.notes.length > 0 ? { ...r, notes: [...opts.notes] } : r;
    });
  });
  return results;
}

/** A vendor's HTTP answer as the classifiers read it. */
export interface BearerAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** POSTs a JSON body with `authorization: Bearer`, reading at most a small answer. */
export async function postWithBearer(url: string, bearer: string, body: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<BearerAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json; charset=UTF-8', ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, headers: res.headers, text: await readCapped(res) };
}
